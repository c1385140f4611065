#pragma once
// Posture reports as a table for people, JSON lines for machines (schema: docs/posture.md) and a
// self-contained HTML page. The JSON writer here is the one owner of the field names.
#include <expected>
#include <iosfwd>
#include <span>
#include <string>

#include "posture/posture.hpp"

namespace lookalike::posture {

// One JSON object (no newline) for a domain report.
[[nodiscard]] std::string to_json(const DomainReport& report);
// Reads what to_json wrote back (the stored history); error text on anything else.
[[nodiscard]] std::expected<DomainReport, std::string> from_json(std::string_view json);
// Aligned columns: domain, id, subject, status, explanation; evidence lines indented below
// non-passing findings when `evidence` is set.
void write_table(std::ostream& out, std::span<const DomainReport> reports, bool evidence);
// One JSON object per line.
void write_jsonl(std::ostream& out, std::span<const DomainReport> reports);
// A complete HTML page (every value escaped).
void write_html(std::ostream& out, std::span<const DomainReport> reports);
// The worst status of a report's findings (fail > error > warn > info > pass).
[[nodiscard]] Status overall(const DomainReport& report) noexcept;

}  // namespace lookalike::posture
