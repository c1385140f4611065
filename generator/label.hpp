// Label validity and A-label conversion for generated labels. Internal to the generator.
#pragma once

#include <string>
#include <string_view>

namespace lookalike::generator::detail {

// True for a-z, 0-9 and '-'.
[[nodiscard]] constexpr bool is_ldh32(char32_t c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

// Whether a non-ASCII code point of our glyph tables is valid in an IDNA2008 label on its own
// (checked with libidn2 once per code point, then remembered; lock-free). False for any other.
[[nodiscard]] bool code_point_ok(char32_t cp);

// Appends the A-label of `label` to `out`; false (and `out` unchanged) when it is not a valid
// IDNA2008 label. `ascii_brand`: the label was made from an ASCII brand label by inserting only
// code points of our tables, so per-code-point checks suffice; otherwise libidn2 judges it whole.
[[nodiscard]] bool append_label(std::u32string_view label, bool ascii_brand, std::string& out);

}  // namespace lookalike::generator::detail
