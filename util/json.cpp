#include "util/json.hpp"

#include "util/utf8.hpp"

namespace lookalike::util {

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  auto escape_byte = [&](unsigned char c) {
    out += "\\u00";
    out += kHex[c >> 4];
    out += kHex[c & 15];
  };
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      // Valid UTF-8 is kept; a byte that is not (TXT records are bytes) becomes \u00XX, so the
      // line always parses and no byte is lost.
      const std::size_t len = utf8_sequence_length(s, i);
      if (len == 0) {
        escape_byte(c);
        ++i;
      } else {
        out.append(s.substr(i, len));
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) escape_byte(c);
        else out += static_cast<char>(c);
    }
    ++i;
  }
  out += '"';
}

}  // namespace lookalike::util
