// Hex and base64.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "util/encoding.hpp"

namespace lookalike::util {
namespace {

TEST(Base64, RoundTripsAndRejectsBadInput) {
  for (std::size_t n = 0; n < 10; ++n) {
    std::vector<std::uint8_t> b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 37 + 1);
    auto back = base64_decode(base64_encode(b));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, b);
  }
  EXPECT_FALSE(base64_decode("abc").has_value());
  EXPECT_FALSE(base64_decode("a=bc").has_value());
  EXPECT_FALSE(base64_decode("ab$c").has_value());
}

TEST(Base64, MatchesRfc4648TestVectors) {
  const std::string_view text = "foobar";
  const std::vector<std::uint8_t> bytes(text.begin(), text.end());
  EXPECT_EQ(base64_encode(std::span(bytes).first(0)), "");
  EXPECT_EQ(base64_encode(std::span(bytes).first(1)), "Zg==");
  EXPECT_EQ(base64_encode(std::span(bytes).first(2)), "Zm8=");
  EXPECT_EQ(base64_encode(bytes), "Zm9vYmFy");
}

TEST(Hex, IsLowerCaseTwoDigitsPerByte) {
  const std::vector<std::uint8_t> b{0x00, 0x0f, 0xa0, 0xff};
  EXPECT_EQ(hex_encode(b), "000fa0ff");
  EXPECT_EQ(hex_encode({}), "");
}

}  // namespace
}  // namespace lookalike::util
