// The takedown feed: confirmed threats with their evidence (DNS, probes, CT certificates, the
// similarity explanation, score, verdict, RDAP registrar/abuse facts) as a STIX 2.1 bundle, a
// MISP event, CSV (one row per threat) or JSON lines (one object per threat).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "report/evidence.hpp"
#include "rdap/rdap.hpp"

namespace lookalike::report {

enum class ExportFormat : std::uint8_t { stix, misp, csv, jsonl };

// Parses "stix", "misp", "csv", "jsonl"; the error lists them.
[[nodiscard]] std::expected<ExportFormat, std::string> parse_export_format(std::string_view s);

// One threat to export: what the store knows, plus the RDAP record (or why there is none).
struct Threat {
  Evidence evidence;
  std::optional<rdap::Record> rdap;
  std::string rdap_error;  // "" when looked up fine or not asked for
};

// Which stored candidates the takedown feed holds.
struct ThreatQuery {
  std::vector<index::Decision> verdicts{index::Decision::malicious};  // decisions to export
  std::vector<std::string> brands;  // registrable domains; empty: every brand
};

// The candidates `query` selects with their evidence (no RDAP facts yet), highest score first
// (unscored last), then by name.
[[nodiscard]] std::expected<std::vector<Threat>, index::Error> select_threats(const index::Store& store,
                                                                              const ThreatQuery& query);

struct ExportOptions {
  std::int64_t now = 0;              // ms since the epoch: created/modified/date fields
  std::string producer = "lookalike";  // STIX identity / MISP Orgc name
};

// Writes `threats` in `format` (STIX and MISP: one JSON document; CSV: header + one row each;
// JSON lines: one object each). Attacker-chosen text is escaped for the format.
void write_export(std::ostream& out, std::span<const Threat> threats, ExportFormat format,
                  const ExportOptions& options);

// The JSON-lines object of one threat (also the base of the other formats).
[[nodiscard]] std::string threat_json(const Threat& threat);

// RFC 4122 name-based UUID (version 5, SHA-1) of `name` in namespace `ns` (canonical text form).
[[nodiscard]] std::string uuid5(std::string_view ns, std::string_view name);
// A random (version 4) UUID.
[[nodiscard]] std::string uuid4();
// The deterministic STIX id of a domain-name SCO: "domain-name--" + UUIDv5 in the STIX namespace
// over the canonical JSON {"value":"<name>"} (STIX 2.1 §2.9).
[[nodiscard]] std::string stix_domain_name_id(std::string_view name);
// "[domain-name:value = '<name>']" with ' and \ escaped as the STIX patterning grammar requires.
[[nodiscard]] std::string stix_domain_pattern(std::string_view name);
// Levenshtein distance between two byte strings (the similarity explanation's edit distance).
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace lookalike::report
