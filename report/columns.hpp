// Inside report/: the column table of a ranked row as the CSV writer lays it out (the JSON-lines
// writer spells the candidate through candidate.hpp, shared with export and alerts).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "report/report.hpp"

namespace lookalike::report {

// One cell of a row, borrowing from the row.
struct Cell {
  enum class Kind : std::uint8_t {
    text,           // always present
    optional_text,  // empty means none (JSON null)
    number,
    list,
    time,  // ms since the epoch, 0 means unknown (JSON null)
  };
  Kind kind = Kind::text;
  std::string_view text;
  std::int64_t number = 0;
  const std::vector<std::string>* list = nullptr;
};

struct RowColumn {
  std::string_view name;
  Cell (*cell)(const ReportRow&);
};

// The README's CSV header, in order.
// One column per line reads as the table it is.
// clang-format off
inline constexpr std::array<RowColumn, 12> kRowColumns{{
    {"name", [](const ReportRow& r) { return Cell{Cell::Kind::text, r.name}; }},
    {"unicode", [](const ReportRow& r) { return Cell{Cell::Kind::text, r.unicode.empty() ? r.name : r.unicode}; }},
    {"brand", [](const ReportRow& r) { return Cell{Cell::Kind::text, r.brand}; }},
    {"score", [](const ReportRow& r) { return Cell{Cell::Kind::number, {}, r.score_or_zero()}; }},
    {"level", [](const ReportRow& r) { return Cell{Cell::Kind::text, r.level_text()}; }},
    {"flags", [](const ReportRow& r) { return Cell{Cell::Kind::list, {}, 0, &r.flags}; }},
    {"reasons", [](const ReportRow& r) { return Cell{Cell::Kind::list, {}, 0, &r.reasons}; }},
    {"fuzzers", [](const ReportRow& r) { return Cell{Cell::Kind::list, {}, 0, &r.fuzzers}; }},
    {"verdict", [](const ReportRow& r) { return Cell{Cell::Kind::optional_text, r.decision()}; }},
    {"first_seen", [](const ReportRow& r) { return Cell{Cell::Kind::time, {}, r.first_seen}; }},
    {"last_seen", [](const ReportRow& r) { return Cell{Cell::Kind::time, {}, r.last_seen}; }},
    {"change", [](const ReportRow& r) { return Cell{Cell::Kind::optional_text, r.change}; }},
}};
// clang-format on

}  // namespace lookalike::report
