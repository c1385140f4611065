#include "resolver/observation_json.hpp"

#include <nlohmann/json.hpp>

#include "domain/domain.hpp"
#include "util/json.hpp"

namespace lookalike::resolver {
namespace {

using Json = nlohmann::ordered_json;  // keeps the types in the order they were asked

std::string text_of(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

const StoredType* DnsObservation::find(std::string_view type) const {
  for (const StoredType& t : types) {
    if (t.type == type) return &t;
  }
  return nullptr;
}

DnsObservation dns_observation(const NameResult& r) {
  DnsObservation o;
  o.name = r.name;
  o.types.reserve(r.types.size());
  for (const TypeResult& t : r.types) {
    StoredType s;
    s.type = std::string(to_string(t.type));
    s.outcome = std::string(to_string(t.outcome));
    s.records = t.records;
    for (const MxHost& mx : t.mx) s.records.push_back(std::to_string(mx.preference) + " " + mx.host);
    s.ttl = t.ttl;
    s.wildcard = t.wildcard;
    o.types.push_back(std::move(s));
  }
  return o;
}

std::string to_json(const DnsObservation& o) {
  using util::append_json_string;
  std::string j = "{\"name\":";
  append_json_string(j, o.name);
  j += ",\"types\":{";
  bool first = true;
  for (const StoredType& t : o.types) {
    if (!first) j += ',';
    first = false;
    append_json_string(j, t.type);
    j += ":{\"outcome\":";
    append_json_string(j, t.outcome);
    j += ",\"records\":[";
    for (std::size_t i = 0; i < t.records.size(); ++i) {
      if (i) j += ',';
      append_json_string(j, t.records[i]);
    }
    j += "],\"ttl\":" + std::to_string(t.ttl) + (t.wildcard ? ",\"wildcard\":true}" : "}");
  }
  j += "}}";
  return j;
}

std::string dns_observation_json(const NameResult& result) { return to_json(dns_observation(result)); }

std::optional<DnsObservation> parse_dns_observation(std::string_view json) {
  const Json j = Json::parse(json, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  DnsObservation o;
  o.name = text_of(j, "name");
  auto types = j.find("types");
  if (types == j.end() || !types->is_object()) return o;
  for (const auto& [type, t] : types->items()) {
    if (!t.is_object()) continue;
    StoredType s;
    s.type = type;
    s.outcome = text_of(t, "outcome");
    if (auto recs = t.find("records"); recs != t.end() && recs->is_array()) {
      for (const auto& r : *recs) {
        if (r.is_string()) s.records.push_back(r.get<std::string>());
      }
    }
    if (auto ttl = t.find("ttl"); ttl != t.end() && ttl->is_number_unsigned()) s.ttl = ttl->get<std::uint32_t>();
    if (auto w = t.find("wildcard"); w != t.end() && w->is_boolean()) s.wildcard = w->get<bool>();
    o.types.push_back(std::move(s));
  }
  return o;
}

}  // namespace lookalike::resolver
