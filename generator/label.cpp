#include "generator/label.hpp"

#include <idn2.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include "generator/tables.hpp"
#include "generator/unicode.hpp"

namespace lookalike::generator::detail {

// Each code point of our tables is checked with libidn2 the first time a label uses it (a brand
// touches a few dozen of them), and remembered; lookups are lock-free.
bool code_point_ok(char32_t cp) {
  static const std::vector<char32_t> known = [] {
    std::vector<char32_t> cps;
    for (const auto& g : kGlyphs) {
      for (std::u32string_view v : g.to) {
        for (char32_t c : v) {
          if (c >= 0x80) cps.push_back(c);
        }
      }
    }
    for (const auto& [l, c] : kCyrillic) cps.push_back(c);
    for (const auto& e : kConfusables) cps.push_back(e.cp);
    for (const auto& e : kAccents) cps.push_back(e.cp);
    std::sort(cps.begin(), cps.end());
    cps.erase(std::unique(cps.begin(), cps.end()), cps.end());
    return cps;
  }();
  // 0: not checked yet, 1: valid, 2: invalid. Two threads may both check one code point: harmless.
  static std::vector<std::atomic<std::uint8_t>> state(known.size());
  // The same answers by code point for the BMP (every table entry but a few), without the binary
  // search: round 2 of the homoglyph fuzzer asks this for hundreds of thousands of labels.
  static std::array<std::atomic<std::uint8_t>, 0x10000> by_cp{};
  if (cp < by_cp.size()) {
    if (const std::uint8_t v = by_cp[cp].load(std::memory_order_relaxed); v != 0) return v == 1;
  }
  const auto it = std::lower_bound(known.begin(), known.end(), cp);
  if (it == known.end() || *it != cp) {  // not from our tables: never inserted by us
    if (cp < by_cp.size()) by_cp[cp].store(2, std::memory_order_relaxed);
    return false;
  }
  std::atomic<std::uint8_t>& st = state[static_cast<std::size_t>(it - known.begin())];
  std::uint8_t v = st.load(std::memory_order_relaxed);
  if (v == 0) {
    std::string label;
    append_utf8(std::u32string_view(&cp, 1), label);
    uint8_t* out = nullptr;
    const int rc = idn2_register_u8(reinterpret_cast<const uint8_t*>(label.c_str()), nullptr, &out, 0);
    idn2_free(out);
    v = rc == IDN2_OK ? 1 : 2;
    st.store(v, std::memory_order_relaxed);
  }
  if (cp < by_cp.size()) by_cp[cp].store(v, std::memory_order_relaxed);
  return v == 1;
}

bool append_label(std::u32string_view l, bool ascii_brand, std::string& out) {
  if (l.empty() || l.size() > 63 * 4) return false;
  if (l.front() == '-' || l.back() == '-') return false;
  if (l.size() >= 4 && l[2] == '-' && l[3] == '-') return false;  // reserved (also covers "xn--" look-alikes)
  bool ascii = true;
  for (char32_t c : l) {
    if (c < 0x80) {
      if (!is_ldh32(c)) return false;
    } else {
      ascii = false;
    }
  }
  const std::size_t start = out.size();
  if (ascii) {
    if (l.size() > 63) return false;
    for (char32_t c : l) out += static_cast<char>(c);
    return true;
  }
  if (ascii_brand) {
    for (char32_t c : l) {
      if (c >= 0x80 && !code_point_ok(c)) return false;
    }
    if (!append_alabel(l, out) || out.size() - start > 63) {
      out.resize(start);
      return false;
    }
    return true;
  }
  // A Unicode brand: let libidn2 judge the whole label (contextual and bidi rules apply).
  std::string u8;
  append_utf8(l, u8);
  uint8_t* a = nullptr;
  const int rc = idn2_register_u8(reinterpret_cast<const uint8_t*>(u8.c_str()), nullptr, &a, 0);
  if (rc == IDN2_OK) out += reinterpret_cast<const char*>(a);
  idn2_free(a);
  if (rc != IDN2_OK || out.size() - start > 63) {
    out.resize(start);
    return false;
  }
  return true;
}

}  // namespace lookalike::generator::detail
