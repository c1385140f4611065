#include "resolver/result_output.hpp"

#include <cctype>
#include <sstream>
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

// {"A":{"nxdomain":N,...},...}: attempts per record type and the outcome each got (non-zero only).
std::string type_queries_json(const Stats& stats) {
  std::string out = "{";
  for (std::size_t t = 0; t < kRecordTypes; ++t) {
    std::string per;
    for (std::size_t o = 0; o < kOutcomes; ++o) {
      if (stats.type_queries[t][o] == 0) continue;
      per += (per.empty() ? "\"" : ",\"") + std::string(to_string(static_cast<Outcome>(o))) +
             "\":" + std::to_string(stats.type_queries[t][o]);
    }
    if (per.empty()) continue;
    out += (out.size() > 1 ? ",\"" : "\"") + std::string(to_string(static_cast<RecordType>(t))) + "\":{" +
           per + "}";
  }
  return out + "}";
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

std::optional<std::string> input_name(std::string_view line, std::string& why) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  if (line.empty() || line.front() == '#') return std::nullopt;
  bool ascii = true;
  for (char c : line) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) {
    std::string n(line);
    for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return n;
  }
  auto parsed = domain::parse(line);
  if (!parsed) {
    why = "not a valid domain name";
    return std::string(line);  // resolved as given: the resolver reports it as an error
  }
  return parsed->ascii;
}

std::string stats_json(const Stats& stats, double seconds) {
  std::ostringstream out;
  out << "{\"names\":" << stats.names << ",\"queries\":" << stats.queries << ",\"retries\":" << stats.retries
      << ",\"timeouts\":" << stats.timeouts << ",\"wildcard_probes\":" << stats.wildcard_probes
      << ",\"peak_in_flight\":" << stats.peak_in_flight << ",\"final_window\":" << stats.final_window
      << ",\"seconds\":" << seconds
      << ",\"queries_per_second\":" << (seconds > 0 ? static_cast<double>(stats.queries) / seconds : 0)
      << ",\"nxdomain_names\":" << stats.nxdomain_names << ",\"types_not_asked\":" << stats.types_not_asked
      << ",\"forged_replies\":" << stats.forged_replies << ",\"unmatched_replies\":" << stats.unmatched_replies
      << ",\"mx_host_queries\":" << stats.mx_host_queries << ",\"probe_queries\":" << stats.probe_queries
      << ",\"type_queries\":" << type_queries_json(stats) << "}";
  return out.str();
}

}  // namespace lookalike::resolver
