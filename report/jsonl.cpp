// JSON lines: the ranked list (each row the candidate's JSON members, then its brand, flags and
// change) and the takedown feed (one threat_object per line).
#include <string>
#include <vector>

#include "report/candidate.hpp"
#include "report/text.hpp"
#include "report/threat_json.hpp"
#include "report/writers.hpp"

namespace lookalike::report {

void write_rows_jsonl(std::ostream& out, std::span<const ReportRow> rows, const RenderOptions&) {
  std::string buf;
  for (const ReportRow& r : rows) {
    buf = "{";
    append_candidate_members(buf, r);
    buf += ",\"brand\":";
    append_json_text(buf, r.brand);
    buf += ",\"flags\":[";
    for (std::size_t i = 0; i < r.flags.size(); ++i) {
      if (i != 0) buf += ',';
      append_json_text(buf, r.flags[i]);
    }
    buf += "],\"change\":";
    if (r.change.empty()) {
      buf += "null";
    } else {
      append_json_text(buf, r.change);
    }
    buf += "}\n";
    write(out, buf);
  }
}

void write_threats_jsonl(std::ostream& out, std::span<const Threat> threats, const ExportOptions&) {
  for (const Threat& t : threats) out << threat_json(t) << "\n";
}

}  // namespace lookalike::report
