// Pronounceable pseudo-words for the synthetic brands and names of the benchmarks (the matcher
// benchmark and the zone generator draw from the same alphabet, so their brands look alike).
#pragma once

#include <cstddef>
#include <random>
#include <string>
#include <string_view>

namespace lookalike::bench {

// A word of `min_len`..`max_len` letters, onset-vowel syllables cut to length; deterministic for
// a given generator state.
inline std::string word(std::mt19937& rng, std::size_t min_len, std::size_t max_len) {
  static constexpr std::string_view kOnsets[] = {"b", "c", "d", "f", "g", "h",  "k",  "l",  "m",  "n",  "p",  "r",
                                                 "s", "t", "v", "w", "z", "br", "cr", "st", "tr", "sh", "ch", "pl"};
  static constexpr std::string_view kVowels[] = {"a", "e", "i", "o", "u", "ai", "ou", "ea", "y"};
  const std::size_t len = min_len + rng() % (max_len - min_len + 1);
  std::string w;
  while (w.size() < len) {
    w += kOnsets[rng() % std::size(kOnsets)];
    w += kVowels[rng() % std::size(kVowels)];
  }
  w.resize(len);
  return w;
}

}  // namespace lookalike::bench
