// The one table of output formats: adding a format is one writer file (see writers.hpp) plus
// one row here (and its enum value in report.hpp or export.hpp).
#include <string>

#include "report/text.hpp"
#include "report/writers.hpp"

namespace lookalike::report {
namespace {

// One named format: its enum value and its writer of `Input` items.
template <class Id, class Input, class Options>
struct Format {
  std::string_view name;
  Id id;
  void (*write)(std::ostream&, std::span<const Input>, const Options&);
};
using RowFormat = Format<ReportFormat, ReportRow, RenderOptions>;
using ThreatFormat = Format<ExportFormat, Threat, ExportOptions>;

// The ranked list of `scan` and `report`.
constexpr RowFormat kRowFormats[] = {
    {"table", ReportFormat::table, write_table},
    {"jsonl", ReportFormat::jsonl, write_rows_jsonl},
    {"csv", ReportFormat::csv, write_rows_csv},
    {"html", ReportFormat::html, write_html},
};

// The takedown feed of `export`.
constexpr ThreatFormat kThreatFormats[] = {
    {"stix", ExportFormat::stix, write_stix},
    {"misp", ExportFormat::misp, write_misp},
    {"csv", ExportFormat::csv, write_threats_csv},
    {"jsonl", ExportFormat::jsonl, write_threats_jsonl},
};

template <class Table>
std::string names_of(const Table& table) {
  std::string out;
  for (const auto& f : table) {
    if (!out.empty()) out += ", ";
    out += f.name;
  }
  return out;
}

}  // namespace

std::expected<ReportFormat, std::string> parse_report_format(std::string_view s) {
  for (const RowFormat& f : kRowFormats) {
    if (f.name == s) return f.id;
  }
  return std::unexpected("unknown report format \"" + safe_text(s.substr(0, 64)) + "\" (use " + names_of(kRowFormats) +
                         ")");
}

void render_report(std::ostream& out, std::span<const ReportRow> rows, ReportFormat format,
                   const RenderOptions& options) {
  for (const RowFormat& f : kRowFormats) {
    if (f.id == format) f.write(out, rows, options);
  }
}

std::expected<ExportFormat, std::string> parse_export_format(std::string_view s) {
  for (const ThreatFormat& f : kThreatFormats) {
    if (f.name == s) return f.id;
  }
  return std::unexpected("unknown format \"" + std::string(s) + "\" (" + names_of(kThreatFormats) + ")");
}

void write_export(std::ostream& out, std::span<const Threat> threats, ExportFormat format,
                  const ExportOptions& options) {
  for (const ThreatFormat& f : kThreatFormats) {
    if (f.id == format) f.write(out, threats, options);
  }
}

}  // namespace lookalike::report
