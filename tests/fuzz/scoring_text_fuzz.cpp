// Fuzz target: sanitising untrusted text, HTML title/text extraction and address parsing.
// Checks the sanitiser's promise: valid UTF-8, no control or escape bytes, within the cap.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "scoring/probe.hpp"

namespace {
bool valid_utf8_without_controls(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x20 || b == 0x7f) return false;
    const std::size_t len = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    if (len == 2 && b == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0) return false;  // C1 controls
    i += len;
  }
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace s = lookalike::scoring;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  for (std::size_t cap : {std::size_t{0}, std::size_t{7}, std::size_t{256}}) {
    const std::string out = s::sanitize_text(in, cap);
    if (out.size() > cap || !valid_utf8_without_controls(out)) __builtin_trap();
    if (!out.empty() && (out.front() == ' ' || out.back() == ' ')) __builtin_trap();
  }
  const std::string title = s::extract_title(in);
  if (title.size() > 200 || !valid_utf8_without_controls(title)) __builtin_trap();
  const std::string text = s::normalise_page(in);
  if (text.size() > in.size()) __builtin_trap();
  if (s::page_hash(in) != s::page_hash(in)) __builtin_trap();
  if (auto a = s::parse_address(in.substr(0, 64))) {
    auto again = s::parse_address(s::to_string(*a));
    if (!again || !(*again == *a)) __builtin_trap();
    (void)s::classify(*a);
  }
  (void)s::host_within(in.substr(0, in.size() / 2), in.substr(in.size() / 2));
  (void)s::is_parking_ns(in.substr(0, 255));
  return 0;
}
