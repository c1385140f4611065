// Bounded line reading for line-oriented inputs (names on stdin, name lists, brand files): a
// line longer than the cap is reported and skipped to its end, never held in memory, so a binary
// or hostile file costs at most the cap plus one read block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::util {

// The cap for inputs of one name (or one brand with its options) per line: a domain name is at
// most 253 bytes; a URL with its path, or a brand with long keyword lists, still fits.
inline constexpr std::size_t kMaxInputLineBytes = 4096;

class LineReader {
 public:
  enum class Result : std::uint8_t {
    line,      // `line` holds the next line, without its '\n' (a '\r' is kept)
    too_long,  // the line was longer than the cap and was skipped; line_number() names it
    end,       // no more input
  };
  // Reads `in`'s buffer directly, in blocks (getline on a stdio-synchronised std::cin costs a call
  // per character).
  explicit LineReader(std::istream& in, std::size_t max_bytes = kMaxInputLineBytes);
  // The next line; `line` stays valid until the following call.
  Result next(std::string_view& line);
  // 1-based number of the line last returned (or skipped).
  [[nodiscard]] std::size_t line_number() const noexcept { return number_; }
  [[nodiscard]] std::size_t max_bytes() const noexcept { return max_; }

 private:
  std::streambuf* sb_;
  std::size_t max_;
  std::string buf_;
  std::size_t pos_ = 0;
  std::size_t number_ = 0;
  std::vector<char> block_;
};

}  // namespace lookalike::util
