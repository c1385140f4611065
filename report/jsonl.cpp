// JSON lines: the ranked list (the row column table; times as ISO 8601 UTC strings or null) and
// the takedown feed (one threat_object per line).
#include <string>
#include <vector>

#include "report/columns.hpp"
#include "report/text.hpp"
#include "report/threat_json.hpp"
#include "report/writers.hpp"

namespace lookalike::report {
namespace {

void append_json_list(std::string& out, const std::vector<std::string>& items) {
  out += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += ',';
    append_json_text(out, items[i]);
  }
  out += ']';
}

void append_cell(std::string& out, const Cell& c) {
  switch (c.kind) {
    case Cell::Kind::text:
      append_json_text(out, c.text);
      break;
    case Cell::Kind::optional_text:
      if (c.text.empty()) {
        out += "null";
      } else {
        append_json_text(out, c.text);
      }
      break;
    case Cell::Kind::number:
      out += std::to_string(c.number);
      break;
    case Cell::Kind::list:
      append_json_list(out, *c.list);
      break;
    case Cell::Kind::time:
      if (c.number == 0) {
        out += "null";
      } else {
        out += '"';
        out += utc_iso(c.number);
        out += '"';
      }
      break;
  }
}

}  // namespace

void write_rows_jsonl(std::ostream& out, std::span<const ReportRow> rows, const RenderOptions&) {
  std::string buf;
  for (const ReportRow& r : rows) {
    buf.clear();
    for (std::size_t i = 0; i < kRowColumns.size(); ++i) {
      buf += i == 0 ? "{\"" : ",\"";
      buf += kRowColumns[i].name;
      buf += "\":";
      append_cell(buf, kRowColumns[i].cell(r));
    }
    buf += "}\n";
    write(out, buf);
  }
}

void write_threats_jsonl(std::ostream& out, std::span<const Threat> threats, const ExportOptions&) {
  for (const Threat& t : threats) out << threat_json(t) << "\n";
}

}  // namespace lookalike::report
