#include "resolver/result_output.hpp"

#include <string_view>
#include <vector>

#include "domain/domain.hpp"
#include "util/json.hpp"

namespace lookalike::resolver {
namespace {

void json_list(std::string& out, const std::vector<std::string>& v) {
  out.push_back('[');
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out.push_back(',');
    util::append_json_string(out, v[i]);
  }
  out.push_back(']');
}

// RFC 4180 quoting where needed (the resolve CSV predates formula protection; kept as it is).
void csv_field(std::string& out, std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) {
    out += s;
    return;
  }
  out.push_back('"');
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace

void append_result_jsonl(std::string& out, const NameResult& r) {
  out += "{\"name\":";
  util::append_json_string(out, r.name);
  out += ",\"exists\":";
  out += r.exists() ? "true" : "false";
  out += ",\"wildcard\":";
  out += r.wildcard ? "true" : "false";
  if (r.spf) {
    out += ",\"spf\":";
    util::append_json_string(out, *r.spf);
  }
  if (r.dmarc) {
    out += ",\"dmarc\":";
    util::append_json_string(out, *r.dmarc);
  }
  out += ",\"types\":{";
  bool first = true;
  for (const TypeResult& t : r.types) {
    if (!first) out.push_back(',');
    first = false;
    util::append_json_string(out, to_string(t.type));
    out += ":{\"outcome\":\"";
    out += to_string(t.outcome);
    out += "\"";
    if (!t.records.empty()) {
      out += ",\"records\":";
      json_list(out, t.records);
    }
    if (!t.mx.empty()) {
      out += ",\"mx\":[";
      for (std::size_t i = 0; i < t.mx.size(); ++i) {
        const MxHost& h = t.mx[i];
        if (i > 0) out.push_back(',');
        out += "{\"preference\":" + std::to_string(h.preference) + ",\"host\":";
        util::append_json_string(out, h.host);
        out += ",\"addresses\":";
        json_list(out, h.addresses);
        if (h.addresses.empty() && !h.host.empty()) {
          out += ",\"a\":\"";
          out += to_string(h.a_outcome);
          out += "\",\"aaaa\":\"";
          out += to_string(h.aaaa_outcome);
          out += "\"";
        }
        out += "}";
      }
      out += "]";
    }
    if (!t.cname_chain.empty()) {
      out += ",\"cname\":";
      json_list(out, t.cname_chain);
    }
    if (t.outcome == Outcome::answer) out += ",\"ttl\":" + std::to_string(t.ttl);
    if (t.soa && t.outcome != Outcome::answer) {
      out += ",\"soa\":{\"mname\":";
      util::append_json_string(out, t.soa->mname);
      out += ",\"serial\":" + std::to_string(t.soa->serial) + "}";
    }
    if (t.wildcard) out += ",\"wildcard\":true";
    if (t.inferred) out += ",\"inferred\":true";
    if (!t.error.empty()) {
      out += ",\"error\":";
      util::append_json_string(out, t.error);
    }
    out += "}";
  }
  out += "}}\n";
}


void append_result_csv(std::string& out, const NameResult& r) {
  for (const TypeResult& t : r.types) {
    std::string records;
    for (const auto& rec : t.records) records += (records.empty() ? "" : " ") + rec;
    for (const auto& h : t.mx) {
      std::string addrs;
      for (const auto& a : h.addresses) addrs += (addrs.empty() ? "" : " ") + a;
      records += (records.empty() ? "" : " ") + std::to_string(h.preference) + ":" + (h.host.empty() ? "." : h.host) +
                 "[" + addrs + "]";
    }
    std::string chain;
    for (const auto& c : t.cname_chain) chain += (chain.empty() ? "" : " ") + c;
    csv_field(out, r.name);
    out.push_back(',');
    out += to_string(t.type);
    out.push_back(',');
    out += to_string(t.outcome);
    out.push_back(',');
    csv_field(out, records);
    out.push_back(',');
    csv_field(out, chain);
    out.push_back(',');
    out += t.wildcard ? "true" : "false";
    out.push_back(',');
    csv_field(out, t.error);
    out.push_back('\n');
  }
}

}  // namespace lookalike::resolver
