// UTF-8 measuring, terminal-safe text and JSON string literals.
#include <gtest/gtest.h>

#include <string>

#include "util/json.hpp"
#include "util/utf8.hpp"

namespace lookalike::util {
namespace {

TEST(Printable, EscapesControlsAndBrokenUtf8ButKeepsUnicode) {
  EXPECT_EQ(printable("münchen"), "münchen");
  EXPECT_EQ(printable("a\x1b[2Jb"), "a\\x1b[2Jb");
  EXPECT_EQ(printable("\xc3(\xff"), "\\xc3(\\xff");
  EXPECT_EQ(printable("\xc2\x9b"), "\\xc2\\x9b");  // C1 CSI
}

TEST(Utf8, MeasuresWellFormedSequencesAndRejectsBrokenOnes) {
  EXPECT_EQ(utf8_sequence_length("a", 0), 1u);
  EXPECT_EQ(utf8_sequence_length("\xc3\xbc", 0), 2u);          // ü
  EXPECT_EQ(utf8_sequence_length("\xe2\x82\xac", 0), 3u);      // €
  EXPECT_EQ(utf8_sequence_length("\xf0\x9f\x92\xa9", 0), 4u);  // U+1F4A9
  EXPECT_EQ(utf8_sequence_length("\xc3(", 0), 0u);
  EXPECT_EQ(utf8_sequence_length("\xe2\x82", 0), 0u);           // truncated
  EXPECT_EQ(utf8_sequence_length("\xc0\xaf", 0), 0u);           // overlong
}

TEST(Utf8, EncodesEveryLengthAndDropsValuesPastTheLastCodePoint) {
  std::string s;
  for (char32_t cp : {U'a', U'ü', U'€', U'\U0001F4A9', char32_t{0x110000}}) append_utf8(s, cp);
  EXPECT_EQ(s, "a\xc3\xbc\xe2\x82\xac\xf0\x9f\x92\xa9");
}

TEST(JsonString, EscapesQuotesAndControlsKeepsUtf8AndEscapesBrokenBytes) {
  std::string out;
  append_json_string(out, "a\"b\\c\n\x01\x7f m\xc3\xbcnchen \xff");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\\u007f m\xc3\xbcnchen \\u00ff\"");
}

}  // namespace
}  // namespace lookalike::util
