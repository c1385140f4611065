// The ranked threat list (`lookalike scan` and `lookalike report`), chosen by name in formats.cpp:
// a terminal table (colour on a TTY), JSON lines with a documented schema, CSV, and one
// self-contained HTML page (no network: sortable table, filters, chart of threats per brand and level).
#pragma once

#include <cstdint>
#include <expected>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "report/candidate.hpp"
#include "scoring/score.hpp"

namespace lookalike::report {

// One ranked look-alike: the candidate (one row per brand it is listed under) plus what the
// ranked list adds. Text fields may hold attacker-chosen text (page titles, banners in reasons):
// every renderer escapes or sanitises for its format.
struct ReportRow : CandidateView {
  std::string brand;               // the brand's registrable domain this row ranks under
  std::vector<std::string> flags;  // subset of MX, WEB, SPF, DMARC, CT, WILDCARD, PARKED, in that order
  std::string change;              // what changed since the previous scan ("new", "mx appeared", ...), "" if nothing
};

// The row flags of a stored state (index::state_flag bits) and whether CT saw the name: MX, WEB,
// SPF, DMARC, CT, WILDCARD, PARKED, in that order.
[[nodiscard]] std::vector<std::string> row_flags(std::uint32_t state_flags, bool ct_seen);

// Ranks rows for every format: highest score first, then by name.
void rank_rows(std::vector<ReportRow>& rows);

// Which stored candidates `lookalike report` lists.
struct RowQuery {
  std::vector<std::string> brands;  // registrable domains; empty: every stored brand
  int min_score = 0;
  std::optional<scoring::Level> min_level;  // also drops unscored names
  std::vector<std::string> verdicts;  // decisions to keep, "" for none; empty: all but benign and owned
  bool all = false;  // also unregistered names, and benign and owned ones
};

// The ranked rows of the stored candidates `query` selects, one per (candidate, brand).
[[nodiscard]] std::expected<std::vector<ReportRow>, index::Error> stored_rows(const index::Store& store,
                                                                              const RowQuery& query);

enum class ReportFormat : std::uint8_t { table, jsonl, csv, html };

// Parses "table", "jsonl", "csv", "html"; the error lists them.
[[nodiscard]] std::expected<ReportFormat, std::string> parse_report_format(std::string_view s);

struct RenderOptions {
  bool color = false;         // ANSI colours in the table (only on a TTY)
  std::size_t max_reasons = 3;  // reasons shown per row in the table (all in other formats)
  std::string title = "lookalike threat report";
  std::int64_t generated_at = 0;  // ms since epoch, shown in HTML
};

// Writes `rows` (already ranked) in `format`. The table and CSV have a header line; JSON lines
// have one object per row: the candidate members (candidate.hpp) then "brand", "flags", "change".
void render_report(std::ostream& out, std::span<const ReportRow> rows, ReportFormat format,
                   const RenderOptions& options = {});

}  // namespace lookalike::report
