#include "index/ct_observation.hpp"

#include <nlohmann/json.hpp>

#include "util/json.hpp"

namespace lookalike::index {
namespace {

using Json = nlohmann::json;

std::string text_of(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::uint64_t number_of(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

}  // namespace

std::string to_json(const CtObservation& o) {
  using util::append_json_string;
  std::string j = "{\"log\":";
  append_json_string(j, o.log);
  j += ",\"log_id\":";
  append_json_string(j, o.log_id);
  j += ",\"index\":" + std::to_string(o.index);
  j += ",\"timestamp\":" + std::to_string(o.timestamp);
  j += ",\"cert_sha256\":";
  append_json_string(j, o.cert_sha256);
  j += ",\"issuer\":";
  append_json_string(j, o.issuer);
  j += ",\"sans\":[";
  for (std::size_t i = 0; i < o.sans.size(); ++i) {
    if (i != 0) j += ',';
    append_json_string(j, o.sans[i]);
  }
  j += "],\"not_before\":" + std::to_string(o.not_before);
  j += ",\"not_after\":" + std::to_string(o.not_after);
  j += o.precert ? ",\"precert\":true" : ",\"precert\":false";
  j += ",\"rule\":";
  append_json_string(j, o.rule);
  j += ",\"brand\":";
  append_json_string(j, o.brand);
  j += '}';
  return j;
}

std::optional<CtObservation> parse_ct_observation(std::string_view json) {
  const Json j = Json::parse(json, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  CtObservation o;
  o.log = text_of(j, "log");
  o.log_id = text_of(j, "log_id");
  o.index = number_of(j, "index");
  o.timestamp = number_of(j, "timestamp");
  o.cert_sha256 = text_of(j, "cert_sha256");
  o.issuer = text_of(j, "issuer");
  if (auto sans = j.find("sans"); sans != j.end() && sans->is_array()) {
    for (const auto& s : *sans) {
      if (s.is_string()) o.sans.push_back(s.get<std::string>());
    }
  }
  o.not_before = number_of(j, "not_before");
  o.not_after = number_of(j, "not_after");
  if (auto p = j.find("precert"); p != j.end() && p->is_boolean()) o.precert = p->get<bool>();
  o.rule = text_of(j, "rule");
  o.brand = text_of(j, "brand");
  return o;
}

}  // namespace lookalike::index
