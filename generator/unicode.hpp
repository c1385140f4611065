// Small UTF-8/UTF-32 and Punycode (RFC 3492) helpers for the generator's hot path. Internal.
#pragma once

#include <string>
#include <string_view>

namespace lookalike::generator::detail {

// Decodes UTF-8 that is known to be valid (our own canonical names); invalid bytes become U+FFFD.
std::u32string to_u32(std::string_view s);

// Appends the UTF-8 encoding of `s` to `out`.
void append_utf8(std::u32string_view s, std::string& out);

// Appends the A-label of a non-empty label ("xn--" + Punycode) to `out`; ASCII-only labels are
// appended unchanged. Returns false on overflow (labels of absurd length).
bool append_alabel(std::u32string_view label, std::string& out);

}  // namespace lookalike::generator::detail
