// Keyboard layouts for typo fuzzers and for matching: which keys sit next to a key.
// qwerty, qwertz and azerty are dnstwist's tables (so our output is a superset of its output);
// dvorak is the US Dvorak layout's letter and digit rows.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace lookalike::generator {

enum class Keyboard : std::uint8_t { qwerty, qwertz, azerty, dvorak };

inline constexpr std::array<Keyboard, 4> kAllKeyboards{Keyboard::qwerty, Keyboard::qwertz, Keyboard::azerty,
                                                       Keyboard::dvorak};

// Lower-case name of a layout ("qwerty").
[[nodiscard]] std::string_view keyboard_name(Keyboard k) noexcept;

// Parses a layout name; false when unknown.
[[nodiscard]] bool parse_keyboard(std::string_view name, Keyboard& out) noexcept;

// Keys adjacent to `c` on layout `k` (letters and digits only; empty for other characters).
[[nodiscard]] std::string_view neighbours(Keyboard k, char c) noexcept;

// True when `b` is adjacent to `a` on any of `layouts`.
[[nodiscard]] bool adjacent(std::span<const Keyboard> layouts, char a, char b) noexcept;

}  // namespace lookalike::generator
