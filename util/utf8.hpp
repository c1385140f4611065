// UTF-8 building blocks: encoding a code point, measuring a well-formed sequence, and making
// untrusted bytes safe to print.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lookalike::util {

// Appends the UTF-8 encoding of code point `cp`; values past U+10FFFF append nothing.
void append_utf8(std::string& out, char32_t cp);

// Length of the well-formed UTF-8 sequence that starts at s[i] (1 for ASCII), 0 when ill-formed.
[[nodiscard]] std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept;

// `s` made safe for a terminal or log line: control characters and bytes that are not valid UTF-8
// become \xNN escapes; valid UTF-8 text (U-labels) is kept as it is.
[[nodiscard]] std::string printable(std::string_view s);

}  // namespace lookalike::util
