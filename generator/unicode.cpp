#include "generator/unicode.hpp"

#include <algorithm>
#include <cstdint>

namespace lookalike::generator::detail {

std::u32string to_u32(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    char32_t cp = 0xFFFD;
    std::size_t len = 1;
    if (b < 0x80) {
      cp = b;
    } else if ((b >> 5) == 6 && i + 1 < s.size()) {
      cp = ((b & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
      len = 2;
    } else if ((b >> 4) == 14 && i + 2 < s.size()) {
      cp = ((b & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
      len = 3;
    } else if ((b >> 3) == 30 && i + 3 < s.size()) {
      cp = ((b & 0x07u) << 18) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 12) |
           ((static_cast<unsigned char>(s[i + 2]) & 0x3Fu) << 6) | (static_cast<unsigned char>(s[i + 3]) & 0x3Fu);
      len = 4;
    }
    out += cp;
    i += len;
  }
  return out;
}

void append_utf8(std::u32string_view s, std::string& out) {
  const std::size_t start = out.size();
  out.resize(start + s.size() * 4);
  char* p = out.data() + start;
  for (char32_t cp : s) {
    if (cp < 0x80) {
      *p++ = static_cast<char>(cp);
    } else if (cp < 0x800) {
      *p++ = static_cast<char>(0xC0 | (cp >> 6));
      *p++ = static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      *p++ = static_cast<char>(0xE0 | (cp >> 12));
      *p++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *p++ = static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      *p++ = static_cast<char>(0xF0 | (cp >> 18));
      *p++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      *p++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *p++ = static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  out.resize(static_cast<std::size_t>(p - out.data()));
}

namespace {
constexpr std::uint32_t kBase = 36, kTmin = 1, kTmax = 26, kSkew = 38, kDamp = 700, kInitialBias = 72,
                        kInitialN = 128;

std::uint32_t adapt(std::uint32_t delta, std::uint32_t points, bool first) {
  delta = first ? delta / kDamp : delta / 2;
  delta += delta / points;
  std::uint32_t k = 0;
  while (delta > ((kBase - kTmin) * kTmax) / 2) {
    delta /= kBase - kTmin;
    k += kBase;
  }
  return k + (kBase - kTmin + 1) * delta / (delta + kSkew);
}

char digit(std::uint32_t d) { return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26)); }
}  // namespace

bool append_alabel(std::u32string_view label, std::string& out) {
  // Built in a stack buffer: labels are at most 63 octets once encoded, so anything longer than
  // the buffer is already invalid.
  char buf[256];
  std::size_t len = 0;
  std::uint32_t basic = 0;
  for (char32_t c : label) {
    if (c < 0x80) ++basic;
  }
  if (basic == label.size()) {
    if (label.size() > sizeof buf) return false;
    for (char32_t c : label) buf[len++] = static_cast<char>(c);
    out.append(buf, len);
    return true;
  }
  if (label.size() > 200) return false;
  buf[len++] = 'x';
  buf[len++] = 'n';
  buf[len++] = '-';
  buf[len++] = '-';
  for (char32_t c : label) {
    if (c < 0x80) buf[len++] = static_cast<char>(c);
  }
  if (basic > 0) buf[len++] = '-';
  std::uint32_t n = kInitialN, delta = 0, bias = kInitialBias, h = basic;
  const auto total = static_cast<std::uint32_t>(label.size());
  while (h < total) {
    std::uint32_t m = 0xFFFFFFFF;
    for (char32_t c : label) {
      if (c >= n && c < m) m = c;
    }
    if ((m - n) > (0xFFFFFFFF - delta) / (h + 1)) return false;
    delta += (m - n) * (h + 1);
    n = m;
    for (char32_t c : label) {
      if (c < n && ++delta == 0) return false;
      if (c == n) {
        std::uint32_t q = delta;
        for (std::uint32_t k = kBase;; k += kBase) {
          const std::uint32_t t = k <= bias ? kTmin : (k >= bias + kTmax ? kTmax : k - bias);
          if (q < t) break;
          if (len + 2 >= sizeof buf) return false;
          buf[len++] = digit(t + (q - t) % (kBase - t));
          q = (q - t) / (kBase - t);
        }
        if (len + 2 >= sizeof buf) return false;
        buf[len++] = digit(q);
        bias = adapt(delta, h + 1, h == basic);
        delta = 0;
        ++h;
      }
    }
    ++delta;
    ++n;
  }
  out.append(buf, len);
  return true;
}

}  // namespace lookalike::generator::detail
