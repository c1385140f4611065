#include "generator/keyboards.hpp"

#include <gtest/gtest.h>

namespace g = lookalike::generator;

TEST(Keyboards, AdjacencyIsSymmetricForLettersOnEveryLayout) {
  for (g::Keyboard k : g::kAllKeyboards) {
    for (char a = 'a'; a <= 'z'; ++a) {
      for (char b : g::neighbours(k, a)) {
        if (b >= 'a' && b <= 'z') {
          EXPECT_NE(g::neighbours(k, b).find(a), std::string_view::npos)
              << g::keyboard_name(k) << ": " << a << " -> " << b << " but not back";
        }
      }
    }
  }
}

TEST(Keyboards, EveryLetterHasNeighboursOnEveryLayout) {
  for (g::Keyboard k : g::kAllKeyboards) {
    for (char a = 'a'; a <= 'z'; ++a) EXPECT_FALSE(g::neighbours(k, a).empty()) << g::keyboard_name(k) << " " << a;
  }
}

TEST(Keyboards, KnowsLayoutSpecificNeighbours) {
  const std::array qwertz{g::Keyboard::qwertz};
  const std::array qwerty{g::Keyboard::qwerty};
  const std::array dvorak{g::Keyboard::dvorak};
  EXPECT_TRUE(g::adjacent(qwertz, 't', 'z'));
  EXPECT_FALSE(g::adjacent(qwerty, 't', 'z'));
  EXPECT_TRUE(g::adjacent(dvorak, 'a', 'o'));
  EXPECT_FALSE(g::adjacent(qwerty, 'a', 'o'));
  g::Keyboard k{};
  EXPECT_TRUE(g::parse_keyboard("azerty", k));
  EXPECT_EQ(k, g::Keyboard::azerty);
  EXPECT_FALSE(g::parse_keyboard("colemak", k));
}
