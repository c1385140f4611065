// CSV field output shared by every CSV writer (generate's output, reports, takedown exports).
#pragma once

#include <string>
#include <string_view>

namespace lookalike::util {

// Appends `s` as one CSV field (RFC 4180 quoting when needed; a leading = + - @ is prefixed with
// a quote so spreadsheets never evaluate attacker-chosen text).
void append_csv_field(std::string& out, std::string_view s);

}  // namespace lookalike::util
