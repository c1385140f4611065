#include "util/csv.hpp"

namespace lookalike::util {

void append_csv_field(std::string& out, std::string_view s) {
  const bool formula = !s.empty() && (s.front() == '=' || s.front() == '+' || s.front() == '-' || s.front() == '@');
  const bool quote = formula || s.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out += s;
    return;
  }
  out += '"';
  if (formula) out += '\'';
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace lookalike::util
