#include "report/text.hpp"

namespace lookalike::report {
namespace {

constexpr char kHex[] = "0123456789abcdef";

struct Decoded {
  char32_t cp = 0;
  std::size_t len = 0;  // 0: ill-formed byte at this position
};

// Decodes one well-formed UTF-8 sequence (no overlongs, surrogates or values above U+10FFFF).
Decoded decode_utf8(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return {c, 1};
  std::size_t len = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  char32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1Fu;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0Fu;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07u;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return {};
  }
  if (i + len > s.size()) return {};
  for (std::size_t k = 1; k < len; ++k) {
    const unsigned char x = b(k);
    if (x < (k == 1 ? lo : 0x80) || x > (k == 1 ? hi : 0xBF)) return {};
    cp = (cp << 6) | (x & 0x3Fu);
  }
  return {cp, len};
}

// Bidirectional controls reorder what follows them on screen: a reason could make a name read
// backwards, so they are shown as escapes like other controls.
bool is_bidi_control(char32_t cp) {
  return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

void append_u_escape(std::string& out, char32_t cp) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(cp >> shift) & 15u];
}

// Columns a code point takes in a terminal: 0 for combining marks, 2 for East Asian wide and
// emoji, 1 otherwise (an approximation of wcwidth that does not depend on the locale).
std::size_t cp_width(char32_t cp) {
  if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x0483 && cp <= 0x0489) || (cp >= 0x0591 && cp <= 0x05BD) ||
      (cp >= 0x0610 && cp <= 0x061A) || (cp >= 0x064B && cp <= 0x065F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
      (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x200B && cp <= 0x200D) || (cp >= 0x20D0 && cp <= 0x20FF) ||
      (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xFE20 && cp <= 0xFE2F)) {
    return 0;
  }
  if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) || (cp >= 0x3041 && cp <= 0xA4CF) ||
      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
      (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
      (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD)) {
    return 2;
  }
  return 1;
}

}  // namespace

std::string safe_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const Decoded d = decode_utf8(s, i);
    if (d.len == 0 || d.cp < 0x20 || d.cp == 0x7F) {
      const auto c = static_cast<unsigned char>(s[i]);
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
      ++i;
      continue;
    }
    if ((d.cp >= 0x80 && d.cp <= 0x9F) || is_bidi_control(d.cp)) {
      append_u_escape(out, d.cp);
    } else {
      out.append(s.substr(i, d.len));
    }
    i += d.len;
  }
  return out;
}

// Display width of text that went through safe_text (valid UTF-8).
std::size_t display_width(std::string_view s) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size();) {
    const Decoded d = decode_utf8(s, i);
    w += d.len == 0 ? 1 : cp_width(d.cp);
    i += d.len == 0 ? 1 : d.len;
  }
  return w;
}

// Cuts `s` to at most `width` columns, ending in "…" when something was cut.
std::string truncate_to(std::string s, std::size_t width) {
  if (display_width(s) <= width) return s;
  std::string out;
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size();) {
    const Decoded d = decode_utf8(s, i);
    const std::size_t len = d.len == 0 ? 1 : d.len;
    const std::size_t cw = d.len == 0 ? 1 : cp_width(d.cp);
    if (w + cw + 1 > width) break;
    out.append(s, i, len);
    w += cw;
    i += len;
  }
  out += "…";
  return out;
}

// A JSON string literal of `s`: ill-formed UTF-8 becomes U+FFFD (so every line is valid JSON);
// C0/C1 controls, DEL and U+2028/2029 are \u-escaped so nothing raw reaches a terminal or a JS parser.
void append_json_text(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const Decoded d = decode_utf8(s, i);
    if (d.len == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    const char32_t cp = d.cp;
    if (cp == '"') {
      out += "\\\"";
    } else if (cp == '\\') {
      out += "\\\\";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029) {
      append_u_escape(out, cp);
    } else {
      out.append(s.substr(i, d.len));
    }
    i += d.len;
  }
  out += '"';
}

}  // namespace lookalike::report
