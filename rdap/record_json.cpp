// Record <-> one line of JSON: the cache payload in the index and the `rdap --json` output. Times
// are RFC 3339 UTC strings (millisecond-exact, so a round trip gives the same Record).
#include <string>

#include "rdap/json_util.hpp"
#include "rdap/rdap.hpp"
#include "util/time.hpp"

namespace lookalike::rdap {
namespace {

namespace dom = simdjson::dom;

void key(std::string& out, std::string_view k) {
  if (out.size() > 1) out.push_back(',');
  detail::append_json_string(out, k);
  out.push_back(':');
}

void str(std::string& out, std::string_view k, std::string_view v) {
  key(out, k);
  detail::append_json_string(out, v);
}

void time_field(std::string& out, std::string_view k, const std::optional<Time>& t) {
  key(out, k);
  if (t) {
    detail::append_json_string(out, util::format_rfc3339(*t));
  } else {
    out += "null";
  }
}

void list(std::string& out, std::string_view k, const std::vector<std::string>& v) {
  key(out, k);
  out.push_back('[');
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out.push_back(',');
    detail::append_json_string(out, v[i]);
  }
  out.push_back(']');
}

std::unexpected<Error> bad(std::string_view field, std::string_view why) {
  return std::unexpected(Error{"cached RDAP record: \"" + std::string(field) + "\" " + std::string(why)});
}

std::expected<void, Error> get_string(dom::object o, std::string_view k, std::string& out, bool required = false) {
  dom::element e;
  if (o.at_key(k).get(e) != simdjson::SUCCESS || e.is_null()) {
    if (required) return bad(k, "is missing");
    return {};
  }
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return bad(k, "is not a string");
  out = std::string(s);
  return {};
}

std::expected<void, Error> get_time(dom::object o, std::string_view k, std::optional<Time>& out) {
  std::string s;
  if (auto r = get_string(o, k, s); !r) return r;
  if (s.empty()) return {};
  auto t = util::parse_rfc3339(s);
  if (!t) return bad(k, "is not an RFC 3339 time");
  out = *t;
  return {};
}

std::expected<void, Error> get_list(dom::object o, std::string_view k, std::vector<std::string>& out) {
  dom::element e;
  if (o.at_key(k).get(e) != simdjson::SUCCESS || e.is_null()) return {};
  dom::array a;
  if (e.get_array().get(a) != simdjson::SUCCESS) return bad(k, "is not an array");
  for (dom::element x : a) {
    std::string_view s;
    if (x.get_string().get(s) != simdjson::SUCCESS) return bad(k, "has an item that is not a string");
    out.emplace_back(s);
  }
  return {};
}

}  // namespace

std::string to_json(const Record& r) {
  std::string out = "{";
  str(out, "name", r.name);
  str(out, "handle", r.handle);
  str(out, "server", r.server);
  str(out, "registrar", r.registrar);
  key(out, "registrar_iana_id");
  out += r.registrar_iana_id ? std::to_string(*r.registrar_iana_id) : "null";
  str(out, "abuse_email", r.abuse_email);
  str(out, "abuse_phone", r.abuse_phone);
  time_field(out, "registered", r.registered);
  time_field(out, "expires", r.expires);
  time_field(out, "last_changed", r.last_changed);
  list(out, "status", r.status);
  list(out, "nameservers", r.nameservers);
  time_field(out, "fetched", std::optional<Time>(r.fetched));
  list(out, "warnings", r.warnings);
  out.push_back('}');
  return out;
}

std::string error_json(std::string_view name, const Error& error) {
  std::string out = "{";
  str(out, "name", name);
  str(out, "error", error.what);
  key(out, "http_status");
  out += error.http_status != 0 ? std::to_string(error.http_status) : "null";
  out.push_back('}');
  return out;
}

std::expected<Record, Error> from_json(std::string_view json) {
  dom::element doc;
  if (auto ec = detail::parse(json).get(doc)) {
    return std::unexpected(Error{std::string("cached RDAP record: not JSON (") + simdjson::error_message(ec) + ")"});
  }
  dom::object o;
  if (doc.get_object().get(o) != simdjson::SUCCESS) return std::unexpected(Error{"cached RDAP record: not an object"});
  Record r;
  for (auto [k, field] : {std::pair<std::string_view, std::string*>{"handle", &r.handle},
                          {"server", &r.server},
                          {"registrar", &r.registrar},
                          {"abuse_email", &r.abuse_email},
                          {"abuse_phone", &r.abuse_phone}}) {
    if (auto x = get_string(o, k, *field); !x) return std::unexpected(x.error());
  }
  if (auto x = get_string(o, "name", r.name, true); !x) return std::unexpected(x.error());
  if (r.name.empty()) return bad("name", "is empty");
  dom::element id;
  if (o.at_key("registrar_iana_id").get(id) == simdjson::SUCCESS && !id.is_null()) {
    std::uint64_t n = 0;
    if (id.get_uint64().get(n) != simdjson::SUCCESS || n > 0xffffffffu) return bad("registrar_iana_id", "is not a number");
    r.registrar_iana_id = static_cast<std::uint32_t>(n);
  }
  for (auto [k, field] : {std::pair<std::string_view, std::optional<Time>*>{"registered", &r.registered},
                          {"expires", &r.expires},
                          {"last_changed", &r.last_changed}}) {
    if (auto x = get_time(o, k, *field); !x) return std::unexpected(x.error());
  }
  std::optional<Time> fetched;
  if (auto x = get_time(o, "fetched", fetched); !x) return std::unexpected(x.error());
  r.fetched = fetched.value_or(0);
  for (auto [k, field] : {std::pair<std::string_view, std::vector<std::string>*>{"status", &r.status},
                          {"nameservers", &r.nameservers},
                          {"warnings", &r.warnings}}) {
    if (auto x = get_list(o, k, *field); !x) return std::unexpected(x.error());
  }
  return r;
}

}  // namespace lookalike::rdap
