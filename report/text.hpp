// Text helpers shared by the renderers (and the alerts and commands above them): text made safe
// for a terminal, its display width, UTC times, joins, and the strict JSON string of the report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/csv.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

namespace lookalike::report {

// Text that cannot drive a terminal or confuse a reader: C0/C1 controls, DEL and bidi controls
// become visible escapes (\x1b, \u202e); bytes that are not UTF-8 become \xNN.
[[nodiscard]] std::string safe_text(std::string_view s);
// Columns `s` (valid UTF-8, e.g. from safe_text) takes in a terminal.
[[nodiscard]] std::size_t display_width(std::string_view s);
// Cuts `s` to at most `width` columns, ending in "…" when something was cut.
[[nodiscard]] std::string truncate_to(std::string s, std::size_t width);
// The first `limit` items joined with `sep`.
using util::join;
// CSV field output: one quoting rule for every CSV writer.
using util::append_csv_field;
// Milliseconds since the Unix epoch as "2026-11-28T11:50:00Z" (one spelling for every stage).
using util::utc_iso;
// Appends a JSON string literal of `s`: ill-formed UTF-8 becomes U+FFFD (so every line is valid
// JSON); C0/C1 controls, DEL and U+2028/2029 are \u-escaped so nothing raw reaches a terminal.
void append_json_text(std::string& out, std::string_view s);

}  // namespace lookalike::report
