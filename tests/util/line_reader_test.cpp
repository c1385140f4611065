// Bounded line reading: lines as written, over-long lines skipped and numbered, memory bounded.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "util/line_reader.hpp"

namespace lookalike::util {
namespace {

// "line" or "TOO LONG@n" per result.
std::vector<std::string> read_all(const std::string& text, std::size_t cap) {
  std::istringstream in(text);
  LineReader r(in, cap);
  std::vector<std::string> out;
  std::string_view line;
  for (;;) {
    const auto res = r.next(line);
    if (res == LineReader::Result::end) break;
    out.push_back(res == LineReader::Result::line ? std::string(line) : "TOO LONG@" + std::to_string(r.line_number()));
  }
  return out;
}

TEST(LineReader, ReturnsEveryLineIncludingALastOneWithoutNewline) {
  EXPECT_EQ(read_all("a.com\n\nb.com\r\nc.com", 10), (std::vector<std::string>{"a.com", "", "b.com\r", "c.com"}));
  EXPECT_EQ(read_all("", 10), std::vector<std::string>{});
  EXPECT_EQ(read_all("exactly10!\n", 10), std::vector<std::string>{"exactly10!"});
}

TEST(LineReader, SkipsLinesOverTheCapAndNamesThemByNumber) {
  EXPECT_EQ(read_all("ok\nelevenbytes\nok2\ntwelve bytes", 10),
            (std::vector<std::string>{"ok", "TOO LONG@2", "ok2", "TOO LONG@4"}));
}

TEST(LineReader, AHugeLineAcrossManyBlocksIsOneSkippedLine) {
  // 1 MiB without a newline, then a normal line: the reader never holds the big one.
  const std::string text = "first\n" + std::string(1 << 20, 'x') + "\nlast\n" + std::string(200000, '\0');
  EXPECT_EQ(read_all(text, 4096), (std::vector<std::string>{"first", "TOO LONG@2", "last", "TOO LONG@4"}));
}

}  // namespace
}  // namespace lookalike::util
