// How each fuzzer imitates a brand, as the score weighs it: one constexpr table beside the
// fuzzer list, checked at compile time, so adding a fuzzer is a change in generator/ only (miss
// its row and the build fails instead of the score silently treating it as "other").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "generator/generator.hpp"

namespace lookalike::generator {

// The kind of imitation a fuzzer makes, strongest first (a name found by several fuzzers takes
// the strongest). Mirrors the score's similarity kinds apart from "two edits", which is a depth.
enum class FuzzerClass : std::uint8_t {
  homoglyph,      // visually identical characters (confusables, Cyrillic, rn/m)
  keyboard_typo,  // one edit using a keyboard-adjacent key
  one_edit,       // any other single edit (omission, transposition, bitsquat, ...)
  tld_swap,       // the same label under another public suffix
  combosquat,     // the brand plus a word ("brand-login")
  other,          // anything else (subdomains, dot/dash games, TLD insertion)
};

struct FuzzerClassRow {
  Fuzzer fuzzer;
  FuzzerClass cls;
};

// One row per fuzzer, in enum order (see the static_assert below).
inline constexpr std::array<FuzzerClassRow, kFuzzerCount> kFuzzerClasses{{
    {Fuzzer::addition, FuzzerClass::one_edit},
    {Fuzzer::bitsquatting, FuzzerClass::one_edit},
    {Fuzzer::cyrillic, FuzzerClass::homoglyph},
    {Fuzzer::homoglyph, FuzzerClass::homoglyph},
    {Fuzzer::hyphenation, FuzzerClass::one_edit},
    // Insertion and replacement only ever use keys adjacent on a keyboard layout.
    {Fuzzer::insertion, FuzzerClass::keyboard_typo},
    {Fuzzer::omission, FuzzerClass::one_edit},
    {Fuzzer::plural, FuzzerClass::one_edit},
    {Fuzzer::repetition, FuzzerClass::one_edit},
    {Fuzzer::replacement, FuzzerClass::keyboard_typo},
    {Fuzzer::subdomain, FuzzerClass::other},
    {Fuzzer::transposition, FuzzerClass::one_edit},
    {Fuzzer::vowel_swap, FuzzerClass::one_edit},
    {Fuzzer::various, FuzzerClass::other},
    {Fuzzer::dictionary, FuzzerClass::combosquat},
    {Fuzzer::tld_swap, FuzzerClass::tld_swap},
    {Fuzzer::confusable, FuzzerClass::homoglyph},
    {Fuzzer::ascii_homoglyph, FuzzerClass::homoglyph},
    {Fuzzer::numeral_swap, FuzzerClass::one_edit},
    {Fuzzer::hyphen_strip, FuzzerClass::one_edit},
    {Fuzzer::dot_dash, FuzzerClass::other},
    {Fuzzer::missing_dot, FuzzerClass::other},
    {Fuzzer::wrong_sld, FuzzerClass::tld_swap},
    {Fuzzer::tld_insertion, FuzzerClass::other},
    {Fuzzer::combosquat, FuzzerClass::combosquat},
}};

// Row i must describe Fuzzer i: a fuzzer added to the enum without a row leaves a zero row
// (Fuzzer 0) at its place, and a reordered table names the wrong fuzzer.
[[nodiscard]] consteval bool fuzzer_classes_complete() {
  for (std::size_t i = 0; i < kFuzzerClasses.size(); ++i) {
    if (static_cast<std::size_t>(kFuzzerClasses[i].fuzzer) != i) return false;
  }
  return true;
}
static_assert(fuzzer_classes_complete(), "kFuzzerClasses needs exactly one row per Fuzzer, in enum order");

// The class of one fuzzer.
[[nodiscard]] constexpr FuzzerClass fuzzer_class(Fuzzer f) noexcept {
  return kFuzzerClasses[static_cast<std::size_t>(f)].cls;
}

// The strongest class among `set` (FuzzerClass::other for an empty set).
[[nodiscard]] constexpr FuzzerClass strongest_class(FuzzerSet set) noexcept {
  FuzzerClass best = FuzzerClass::other;
  for (const FuzzerClassRow& row : kFuzzerClasses) {
    if ((set & bit(row.fuzzer)) != 0 && row.cls < best) best = row.cls;
  }
  return best;
}

}  // namespace lookalike::generator
