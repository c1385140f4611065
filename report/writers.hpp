// Inside report/: the writer of each format (one file each) and what several of them share.
// The registry that names them is report/formats.cpp; other folders include report.hpp/export.hpp.
#pragma once

#include <array>
#include <cstddef>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "report/export.hpp"
#include "report/report.hpp"

namespace lookalike::report {

// Ranked-list writers (report.hpp's formats).
void write_table(std::ostream& out, std::span<const ReportRow> rows, const RenderOptions& options);
void write_rows_jsonl(std::ostream& out, std::span<const ReportRow> rows, const RenderOptions& options);
void write_rows_csv(std::ostream& out, std::span<const ReportRow> rows, const RenderOptions& options);
void write_html(std::ostream& out, std::span<const ReportRow> rows, const RenderOptions& options);

// Takedown writers (export.hpp's formats).
void write_stix(std::ostream& out, std::span<const Threat> threats, const ExportOptions& options);
void write_misp(std::ostream& out, std::span<const Threat> threats, const ExportOptions& options);
void write_threats_csv(std::ostream& out, std::span<const Threat> threats, const ExportOptions& options);
void write_threats_jsonl(std::ostream& out, std::span<const Threat> threats, const ExportOptions& options);

// Severity levels, most severe first, and the flags a row may carry, in display order.
inline constexpr std::array<std::string_view, 5> kLevels{"critical", "high", "medium", "low", "info"};
inline constexpr std::array<std::string_view, 7> kFlags{"MX", "WEB", "SPF", "DMARC", "CT", "WILDCARD", "PARKED"};

// Index of a known level in kLevels, kLevels.size() for anything else.
[[nodiscard]] inline std::size_t level_rank(std::string_view level) {
  std::size_t i = 0;
  while (i < kLevels.size() && kLevels[i] != level) ++i;
  return i;
}

// "unicode (ascii)" for IDNs, the name otherwise.
[[nodiscard]] inline std::string name_cell(const ReportRow& r) {
  if (r.unicode.empty() || r.unicode == r.name) return r.name;
  return r.unicode + " (" + r.name + ")";
}

inline void write(std::ostream& out, const std::string& s) {
  out.write(s.data(), static_cast<std::streamsize>(s.size()));
}

}  // namespace lookalike::report
