// Inside report/: the JSON object of one threat (the takedown record every export format is built
// from) and the helpers the export writers share. nlohmann stays inside report/.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "report/export.hpp"
#include "scoring/probe_json.hpp"

namespace lookalike::report {

using Json = nlohmann::ordered_json;

// Dumps with invalid UTF-8 (banners, TXT records) replaced instead of throwing.
[[nodiscard]] std::string dump(const Json& j, int indent = -1);
// RFC 3339 with milliseconds, as STIX timestamps require ("2026-11-28T11:50:00.123Z").
[[nodiscard]] std::string rfc3339_ms(std::int64_t ms);
// The string member `key` of `j`, "" when missing or not a string.
[[nodiscard]] std::string text_of(const Json& j, const char* key);
// The records of one DNS type ("A", "MX", ...) in the newest dns observation.
[[nodiscard]] std::vector<std::string> dns_records(const Threat& t, const char* type);
// The newest probe observation, if there is a readable one.
[[nodiscard]] std::optional<scoring::ProbeObservation> latest_probe(const Threat& t);
// The analyst's decision ("malicious", ...), "" without a verdict.
[[nodiscard]] std::string decision_text(const Threat& t);
// The score's level name, "unscored" without a score.
[[nodiscard]] std::string level_text(const index::Candidate& c);
// The takedown record of one threat (the JSON-lines object; STIX notes embed it).
[[nodiscard]] Json threat_object(const Threat& t);
// The human-readable evidence summary that goes into descriptions and notes (`j` = threat_object(t)).
[[nodiscard]] std::string evidence_text(const Threat& t, const Json& j);

// The STIX 2.1 namespace of deterministic SCO ids, and such an id for `type` and `value`.
inline constexpr std::string_view kStixNamespace = "00abedb4-aa42-466c-9c01-fed23315a9b7";
[[nodiscard]] std::string sco_id(std::string_view type, std::string_view value);

}  // namespace lookalike::report
