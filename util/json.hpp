// JSON string output shared by every writer of JSON text (stored payloads, JSON lines, alerts).
#pragma once

#include <string>
#include <string_view>

namespace lookalike::util {

// Appends `s` as a JSON string literal (quotes included): quote, backslash and control characters
// are escaped, valid UTF-8 is kept, and each byte that is not valid UTF-8 (TXT records and banners
// are bytes) becomes \u00XX, so the output always parses and no byte is lost.
void append_json_string(std::string& out, std::string_view s);

}  // namespace lookalike::util
