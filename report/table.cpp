// The ranked list as a terminal table: fixed columns cut to a width, colour by level on a TTY.
#include <algorithm>
#include <array>
#include <string>

#include "report/text.hpp"
#include "report/writers.hpp"

namespace lookalike::report {
namespace {

struct Column {
  std::string_view header;
  std::size_t cap;  // widest a cell may be before it is cut with "…"
  bool right;       // right-aligned (numbers)
};
constexpr std::array<Column, 8> kColumns{{{"SCORE", 5, true},
                                          {"LEVEL", 8, false},
                                          {"NAME", 64, false},
                                          {"BRAND", 32, false},
                                          {"FLAGS", 34, false},
                                          {"VERDICT", 10, false},
                                          {"REASONS", 80, false},
                                          {"CHANGE", 24, false}}};

std::string_view level_color(std::string_view level) {
  switch (level_rank(level)) {
    case 0: return "\x1b[1;91m";  // critical: bold bright red
    case 1: return "\x1b[31m";
    case 2: return "\x1b[33m";
    case 3: return "\x1b[36m";
    case 4: return "\x1b[2m";
    default: return "";
  }
}

}  // namespace

void write_table(std::ostream& out, std::span<const ReportRow> rows, const RenderOptions& options) {
  using Cells = std::array<std::string, kColumns.size()>;
  std::vector<Cells> table;
  table.reserve(rows.size());
  std::array<std::size_t, kColumns.size()> width{};
  for (std::size_t c = 0; c < kColumns.size(); ++c) width[c] = kColumns[c].header.size();
  for (const ReportRow& r : rows) {
    std::vector<std::string> flags;
    flags.reserve(r.flags.size());
    for (const std::string& f : r.flags) flags.push_back(safe_text(f));
    std::vector<std::string> reasons;
    for (std::size_t i = 0; i < r.reasons.size() && i < options.max_reasons; ++i) reasons.push_back(safe_text(r.reasons[i]));
    Cells cells{std::to_string(r.score_or_zero()), safe_text(r.level_text()), safe_text(name_cell(r)), safe_text(r.brand),
                join(flags, " "),        safe_text(r.decision()), join(reasons, "; "), safe_text(r.change)};
    for (std::size_t c = 0; c < kColumns.size(); ++c) {
      cells[c] = truncate_to(std::move(cells[c]), kColumns[c].cap);
      width[c] = std::max(width[c], display_width(cells[c]));
    }
    table.push_back(std::move(cells));
  }

  std::string line;
  auto emit = [&](const Cells& cells, std::string_view color) {
    line.clear();
    for (std::size_t c = 0; c < kColumns.size(); ++c) {
      if (c != 0) line += "  ";
      const std::size_t pad = width[c] - display_width(cells[c]);
      if (kColumns[c].right) line.append(pad, ' ');
      // Only score, level and name are coloured: reasons stay readable in every theme.
      const bool paint = !color.empty() && c <= 2;
      if (paint) line += color;
      line += cells[c];
      if (paint) line += "\x1b[0m";
      if (!kColumns[c].right) line.append(pad, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    line += '\n';
    write(out, line);
  };

  Cells header;
  for (std::size_t c = 0; c < kColumns.size(); ++c) header[c] = kColumns[c].header;
  emit(header, options.color ? "\x1b[1m" : "");
  if (table.empty()) {
    write(out, "no look-alikes at or above the threshold\n");
    return;
  }
  for (std::size_t i = 0; i < table.size(); ++i) emit(table[i], options.color ? level_color(rows[i].level_text()) : "");
}

}  // namespace lookalike::report
