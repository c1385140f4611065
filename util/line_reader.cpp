#include "util/line_reader.hpp"

#include <istream>

namespace lookalike::util {

LineReader::LineReader(std::istream& in, std::size_t max_bytes)
    : sb_(in.rdbuf()), max_(max_bytes), block_(std::size_t{1} << 16) {}

LineReader::Result LineReader::next(std::string_view& line) {
  ++number_;
  bool skipping = false;  // the current line is already over the cap: its bytes were dropped
  for (;;) {
    if (const std::size_t nl = buf_.find('\n', pos_); nl != std::string::npos) {
      const std::size_t start = pos_;
      pos_ = nl + 1;
      if (skipping || nl - start > max_) return Result::too_long;
      line = std::string_view(buf_).substr(start, nl - start);
      return Result::line;
    }
    if (buf_.size() - pos_ > max_) {
      skipping = true;
      buf_.clear();
    } else {
      buf_.erase(0, pos_);  // keep only the unfinished line
    }
    pos_ = 0;
    const std::streamsize got = sb_ == nullptr ? 0 : sb_->sgetn(block_.data(), static_cast<std::streamsize>(block_.size()));
    if (got <= 0) {
      if (skipping) {
        buf_.clear();  // the over-long last line's tail
        return Result::too_long;
      }
      if (buf_.empty()) {
        --number_;
        return Result::end;
      }
      // A last line without a newline (already known to fit the cap).
      line = buf_;
      pos_ = buf_.size();
      return Result::line;
    }
    buf_.append(block_.data(), static_cast<std::size_t>(got));
  }
}

}  // namespace lookalike::util
