#include "generator/matcher.hpp"

#include <unicode/uchar.h>
#include <unicode/uspoof.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "domain/domain.hpp"
#include "generator/label_memo.hpp"

namespace lookalike::generator {

std::string_view rule_name(Rule r) noexcept {
  switch (r) {
    case Rule::tld_swap: return "tld-swap";
    case Rule::homoglyph: return "homoglyph";
    case Rule::keyboard: return "keyboard";
    case Rule::edit: return "edit";
    case Rule::combosquat: return "combosquat";
  }
  return "unknown";
}

namespace {

constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxName = 253;
constexpr std::size_t kMaxLabels = 128;
constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

// ---------------------------------------------------------------------------------------------
// Hashing. Polynomial hashes mod 2^64 over code points, so the hash of any string obtained by
// deleting one or two positions is O(1) from the prefix hashes; a final mixer spreads the bits.
// Collisions only cost a verification: every candidate is checked with a real distance.

constexpr std::uint64_t kBase = 1099511628211ULL;

constexpr std::array<std::uint64_t, kMaxLabel + 2> make_powers() {
  std::array<std::uint64_t, kMaxLabel + 2> p{};
  p[0] = 1;
  for (std::size_t i = 1; i < p.size(); ++i) p[i] = p[i - 1] * kBase;
  return p;
}
constexpr auto kPow = make_powers();

constexpr std::uint64_t mix(std::uint64_t h) noexcept {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

// The raw key of a deletion variant (polynomial hash and length); mixed only when the
// index's bit filter lets it through, so most probes cost a multiply and one bit test.
constexpr std::uint64_t key_of(std::uint64_t h, std::size_t len) noexcept {
  return h ^ (static_cast<std::uint64_t>(len) * 0x9E3779B97F4A7C15ULL);
}

// A label of a name (trivially constructible, so arrays of them cost nothing to declare).
struct Piece {
  const char* p;
  std::size_t n;
  [[nodiscard]] std::string_view view() const noexcept { return {p, n}; }
};

// A label as code points (ASCII bytes or a decoded A-label), at most 63 of them.
struct CodePoints {
  std::array<char32_t, kMaxLabel> c;  // only [0, n) is meaningful: left uninitialised on purpose (hot path)
  std::size_t n = 0;
  [[nodiscard]] std::u32string_view view() const noexcept { return {c.data(), n}; }
};

struct PrefixHash {
  std::array<std::uint64_t, kMaxLabel + 1> p;  // [0, n] written by the constructor
  std::size_t n = 0;

  explicit PrefixHash(std::u32string_view s) : n(s.size()) {
    p[0] = 0;
    for (std::size_t i = 0; i < n; ++i) p[i + 1] = p[i] * kBase + static_cast<std::uint64_t>(s[i]);
  }
  // Hash of s[i, j).
  [[nodiscard]] std::uint64_t sub(std::size_t i, std::size_t j) const noexcept { return p[j] - p[i] * kPow[j - i]; }
  [[nodiscard]] std::uint64_t whole() const noexcept { return p[n]; }
};

// Calls f(key) for every string reachable from s by deleting up to `k` (<= 2) positions, skipping
// the variants whose length is not in `lengths` (bit i: some indexed variant has length i).
template <typename F>
void for_each_deletion(std::u32string_view s, int k, F&& f, std::uint64_t lengths = ~std::uint64_t{0}) {
  const PrefixHash h(s);
  const std::size_t n = s.size();
  auto wanted = [&](std::size_t len) { return len < 64 && ((lengths >> len) & 1U) != 0; };
  if (wanted(n)) f(key_of(h.whole(), n));
  if (k < 1 || n < 1 || (!wanted(n - 1) && (k < 2 || n < 2 || !wanted(n - 2)))) return;
  // del1(j) = p[n] + (p[j] - p[j+1]) * B^(n-1-j) =: tail[j], and del2(i, j) = head[i] + tail[j]
  // with head[i] = (p[i] - p[i+1]) * B^(n-2-i): one addition per pair in the quadratic loop.
  std::array<std::uint64_t, kMaxLabel + 1> tail;  // [0, n) written below
  for (std::size_t j = 0; j < n; ++j) tail[j] = h.p[n] + (h.p[j] - h.p[j + 1]) * kPow[n - 1 - j];
  if (wanted(n - 1)) {
    const std::uint64_t salt = key_of(0, n - 1);
    for (std::size_t j = 0; j < n; ++j) f(tail[j] ^ salt);
  }
  if (k >= 2 && n >= 2 && wanted(n - 2)) {
    const std::uint64_t salt = key_of(0, n - 2);
    for (std::size_t i = 0; i + 1 < n; ++i) {
      const std::uint64_t head = (h.p[i] - h.p[i + 1]) * kPow[n - 2 - i];
      for (std::size_t j = i + 1; j < n; ++j) f((head + tail[j]) ^ salt);
    }
  }
}

// Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions), or
// bound+1 once it must exceed `bound`.
int osa_distance(std::u32string_view a, std::u32string_view b, int bound) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  if (n > kMaxLabel || m > kMaxLabel) return bound + 1;
  const int diff = static_cast<int>(n > m ? n - m : m - n);
  if (diff > bound) return bound + 1;
  std::array<std::array<int, kMaxLabel + 1>, 3> rows;  // every cell read is written first
  for (std::size_t j = 0; j <= m; ++j) rows[1][j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= n; ++i) {
    auto& cur = rows[(i + 1) % 3];
    const auto& prev = rows[i % 3];
    const auto& prev2 = rows[(i + 2) % 3];
    cur[0] = static_cast<int>(i);
    int row_min = cur[0];
    for (std::size_t j = 1; j <= m; ++j) {
      const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      int v = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) v = std::min(v, prev2[j - 2] + 1);
      cur[j] = v;
      row_min = std::min(row_min, v);
    }
    if (row_min > bound) return bound + 1;
  }
  return std::min(rows[(n + 1) % 3][m], bound + 1);
}

bool is_ascii_key(char32_t c) noexcept { return c < 0x80; }

// True when `q` (one edit away from `b`) is an adjacent-key substitution or an insertion of a key
// next to the key it was typed beside (dnstwist's replacement and insertion fuzzers).
bool keyboard_typo(std::u32string_view q, std::u32string_view b, std::span<const Keyboard> layouts) {
  auto adj = [&](char32_t x, char32_t y) {
    return is_ascii_key(x) && is_ascii_key(y) && adjacent(layouts, static_cast<char>(x), static_cast<char>(y));
  };
  if (q.size() == b.size()) {
    std::size_t i = 0;
    while (i < q.size() && q[i] == b[i]) ++i;
    if (i == q.size()) return false;
    if (i + 1 < q.size() && q[i] == b[i + 1] && q[i + 1] == b[i]) return false;  // transposition
    return adj(b[i], q[i]);
  }
  if (q.size() == b.size() + 1) {
    for (std::size_t i = 0; i < q.size(); ++i) {
      if (q.substr(0, i) != b.substr(0, i) || q.substr(i + 1) != b.substr(i)) continue;
      if ((i > 0 && adj(q[i - 1], q[i])) || (i + 1 < q.size() && adj(q[i + 1], q[i]))) return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Homoglyph folding. One pass maps ASCII characters to a representative of their look-alike
// class (dnstwist's ASCII glyph table made symmetric), a second pass folds multi-character
// look-alikes (vv/w, cl/d, lc/k ...) and collapses runs of the m/n/r class (rn, nn, rr look like
// m). Non-ASCII bytes pass through. Applied to brands and names alike, so only equality matters.

constexpr char fold_class(char c) noexcept {
  switch (c) {
    case '0': return 'o';
    case '1': case 'i': return 'l';
    case 'm': case 'r': return 'n';
    case 'b': case '8': return 'd';
    case 'e': case '3': return 'c';
    case 'q': case '6': case '9': return 'g';
    case '5': return 's';
    case 'u': return 'v';
    case '4': return 'a';
    default: return c;
  }
}

constexpr std::array<char, 256> make_class_table() {
  std::array<char, 256> t{};
  for (int c = 0; c < 256; ++c) t[static_cast<std::size_t>(c)] = fold_class(static_cast<char>(c));
  return t;
}
constexpr auto kClass = make_class_table();
inline char cls(char c) noexcept { return kClass[static_cast<unsigned char>(c)]; }

constexpr char fold_pair(char a, char b) noexcept {
  if (a != 'v' && a != 'c' && a != 'd' && a != 'l' && a != 'n') return 0;
  if (a == 'v' && b == 'v') return 'w';  // vv -> w
  if (a == 'c' && b == 'l') return 'd';  // cl -> d
  if (a == 'd' && b == 'l') return 'd';  // dl -> d
  if (a == 'l' && b == 'd') return 'd';  // lb -> b (b ~ d)
  if (a == 'l' && b == 'h') return 'h';  // lh -> h
  if (a == 'l' && b == 'k') return 'k';  // lk, ik -> k
  if (a == 'l' && b == 'c') return 'k';  // lc -> k
  if (a == 'n' && b == 'l') return 'n';  // ri -> n
  if (a == 'l' && b == 'n') return 'n';  // in -> m
  if (a == 'l' && b == 'j') return 'y';  // lj -> y
  return 0;
}

// Non-ASCII look-alikes that UTS #39 does not map to the Latin letter they imitate: dnstwist's
// glyph and latin_to_cyrillic tables (dnstwist 20221213), applied before the skeleton.
constexpr std::pair<char, std::u32string_view> kGlyphBases[] = {
    {'2', U"ƻ"}, {'5', U"ƽ"},
    {'a', U"àáâãäåɑạǎăȧąəа"}, {'b', U"ʙɓḃḅḇƅь"}, {'c', U"ƈċćçčĉᴄс"}, {'d', U"ɗđďɖḑḋḍḏḓԁ"},
    {'e', U"éèêëēĕěėẹęȩɇḛе"}, {'f', U"ƒḟ"}, {'g', U"ɢɡġğǵģĝǧǥԍ"}, {'h', U"ĥȟħɦḧḩⱨḣḥḫẖһ"},
    {'i', U"íìïıɩǐĭỉịɨȋīɪі"}, {'j', U"ʝǰɉĵј"}, {'k', U"ḳḵⱪķᴋк"}, {'l', U"ɫłӏ"}, {'m', U"ṁṃᴍɱḿм"},
    {'n', U"ńṅṇṉñņǹňꞑ"}, {'o', U"ȯọỏơóöᴏо"}, {'p', U"ƿƥṕṗр"}, {'q', U"ʠԛ"},
    {'r', U"ʀɼɽŕŗřɍɾȓȑṙṛṟ"}, {'s', U"ʂśṣṡșŝšꜱѕ"}, {'t', U"ţŧṫṭțƫт"},
    {'u', U"ᴜǔŭüʉùúûũūųưůűȕȗụ"}, {'v', U"ṿⱱᶌṽⱴᴠѵ"}, {'w', U"ŵẁẃẅⱳẇẉẘᴡԝ"}, {'x', U"ẋẍх"},
    {'y', U"ʏýÿŷƴȳɏỿẏỵу"}, {'z', U"ʐżźᴢƶẓẕⱬ"},
};

// The Latin letter a non-ASCII glyph imitates, or 0.
char glyph_base(char32_t c) {
  static const std::unordered_map<char32_t, char> table = [] {
    std::unordered_map<char32_t, char> t;
    for (const auto& [base, glyphs] : kGlyphBases) {
      for (const char32_t g : glyphs) t.emplace(g, base);
    }
    return t;
  }();
  const auto it = table.find(c);
  return it == table.end() ? '\0' : it->second;
}

constexpr int kMaxFoldKeys = 16;

// Calls f(key) for each folding of `in`. Where two pair rules overlap ("nlc": ri->n or lc->k)
// both readings are produced (at most kMaxFoldKeys keys), so a look-alike pair introduced next to
// another one still meets the brand's own folding.
template <typename F>
void fold_keys(std::string_view in, F&& f) {
  std::array<char, 512> buf;
  const std::size_t n = in.size();
  if (n > buf.size()) return;
  int budget = kMaxFoldKeys;
  auto emit = [&](std::size_t o, char c) {
    if (c == 'n' && o > 0 && buf[o - 1] == 'n') return o;  // rn, nn, rr read as m: runs collapse
    buf[o] = c;
    return o + 1;
  };
  auto walk = [&](auto& self, std::size_t i, std::size_t o) -> void {
    while (i < n) {
      const char a = cls(in[i]);
      const char p = i + 1 < n ? fold_pair(a, cls(in[i + 1])) : '\0';
      if (p == '\0') {
        o = emit(o, a);
        ++i;
        continue;
      }
      const bool overlap = i + 2 < n && fold_pair(cls(in[i + 1]), cls(in[i + 2])) != '\0';
      if (overlap && budget > 1) {
        --budget;
        self(self, i + 1, emit(o, a));  // the reading that leaves in[i] alone
      }
      o = emit(o, p);
      i += 2;
    }
    f(std::string_view(buf.data(), o));
  };
  walk(walk, 0, 0);
}

// ---------------------------------------------------------------------------------------------
// Composed look-alikes: look-alike glyphs, at most one vowel swap and one real edit together
// (dr0pbox4: a glyph and an extra digit; papyil: a transposition and a vowel swap). Only the
// strongest glyphs take part, digits for letters and i/l/1: the weaker pairs of the homoglyph
// classes (b/d, c/e, m/n/r, u/v) turn too many ordinary words into brands once an edit is allowed.

// The letter a strong look-alike glyph stands for (itself for everything else).
constexpr char32_t glyph_letter(char32_t c) noexcept {
  switch (c) {
    case '0': return 'o';
    case '1': case 'i': return 'l';
    case '3': return 'e';
    case '4': return 'a';
    case '5': return 's';
    case '8': return 'b';
    case '6': case '9': return 'g';
    default: return c;
  }
}

constexpr bool is_vowel(char32_t c) noexcept { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

// The probing key of a composed look-alike: vowels, strong glyphs and the l that i and 1 imitate
// all read as one symbol, so glyphs and a vowel swap cost no deletion and only the real edit does
// (one probe of the label's deletion neighbourhood finds both kinds). Coarse on purpose:
// candidates are verified with composed_distance().
constexpr std::array<char32_t, 128> make_probe_table() {
  std::array<char32_t, 128> t{};
  for (char32_t c = 0; c < 128; ++c) {
    const char32_t g = glyph_letter(c);
    t[c] = is_vowel(c) || is_vowel(g) || g == 'l' ? U'a' : g;
  }
  return t;
}
constexpr auto kProbeKey = make_probe_table();

// `s` rewritten as a probing key into `out`.
void probe_key(std::u32string_view s, CodePoints& out) {
  out.n = std::min(s.size(), kMaxLabel);
  for (std::size_t i = 0; i < out.n; ++i) out.c[i] = s[i] < 128 ? kProbeKey[s[i]] : s[i];
}

// Distances of a composed look-alike `q` of `b`: `weighted` in half edits (a glyph costs 0, a
// vowel swap 1, any other substitution, insertion, deletion or transposition 2) and `edits`, the
// number of changes that are not glyphs (vowel swaps included). Both saturate past `bound`.
struct ComposedDistance {
  int weighted;
  int edits;
};

ComposedDistance composed_distance(std::u32string_view q, std::u32string_view b, int bound) {
  const std::size_t n = q.size();
  const std::size_t m = b.size();
  if (n > kMaxLabel || m > kMaxLabel || (n > m ? n - m : m - n) * 2 > static_cast<std::size_t>(bound)) {
    return {bound + 1, bound + 1};
  }
  // Two OSA tables in one pass; cells hold (weighted, edits), every cell read is written first.
  std::array<std::array<ComposedDistance, kMaxLabel + 1>, 3> rows;
  for (std::size_t j = 0; j <= m; ++j) rows[1][j] = {static_cast<int>(2 * j), static_cast<int>(j)};
  for (std::size_t i = 1; i <= n; ++i) {
    auto& cur = rows[(i + 1) % 3];
    const auto& prev = rows[i % 3];
    const auto& prev2 = rows[(i + 2) % 3];
    cur[0] = {static_cast<int>(2 * i), static_cast<int>(i)};
    int row_min = cur[0].weighted;
    for (std::size_t j = 1; j <= m; ++j) {
      const char32_t x = q[i - 1];
      const char32_t y = b[j - 1];
      int w = 2;
      int e = 1;
      if (x == y || glyph_letter(x) == glyph_letter(y)) {
        w = 0;
        e = 0;
      } else if (is_vowel(x) && is_vowel(y)) {
        w = 1;
      }
      ComposedDistance v{prev[j - 1].weighted + w, prev[j - 1].edits + e};
      v.weighted = std::min({v.weighted, prev[j].weighted + 2, cur[j - 1].weighted + 2});
      v.edits = std::min({v.edits, prev[j].edits + 1, cur[j - 1].edits + 1});
      if (i > 1 && j > 1 && x == b[j - 2] && q[i - 2] == y) {
        v.weighted = std::min(v.weighted, prev2[j - 2].weighted + 2);
        v.edits = std::min(v.edits, prev2[j - 2].edits + 1);
      }
      cur[j] = v;
      row_min = std::min(row_min, v.weighted);
    }
    if (row_min > bound) return {bound + 1, bound + 1};
  }
  const ComposedDistance r = rows[(n + 1) % 3][m];
  return {std::min(r.weighted, bound + 1), std::min(r.edits, bound + 1)};
}

// True when `q` shows `b` through strong glyphs alone (same length, every position a glyph of the
// other's letter).
bool glyph_equal(std::u32string_view q, std::u32string_view b) noexcept {
  if (q.size() != b.size()) return false;
  for (std::size_t i = 0; i < q.size(); ++i) {
    if (glyph_letter(q[i]) != glyph_letter(b[i])) return false;
  }
  return true;
}

struct SpoofCloser {
  void operator()(USpoofChecker* p) const noexcept { uspoof_close(p); }
};

// One checker for the process: getSkeleton on a const checker is thread-safe (uspoof.h).
const USpoofChecker* spoof_checker() {
  static const std::unique_ptr<USpoofChecker, SpoofCloser> checker = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<USpoofChecker, SpoofCloser> c(uspoof_open(&status));
    if (U_FAILURE(status)) c.reset();
    return c;
  }();
  return checker.get();
}

// UTS #39 skeleton of a UTF-8 label (dnstwist's glyphs mapped to their letter first), lower-cased,
// without combining marks (so accented letters meet their base letter); fold_keys() comes next.
// Falls back to the input if ICU fails.
void append_code_point(std::string& out, UChar32 c) {
  std::array<std::uint8_t, 4> buf{};
  int32_t k = 0;
  U8_APPEND_UNSAFE(buf.data(), k, c);
  out.append(reinterpret_cast<const char*>(buf.data()), static_cast<std::size_t>(k));
}

std::string skeleton_bare(std::string_view input) {
  // dnstwist's glyphs first: the skeleton keeps some of them (wynn, schwa) apart from Latin.
  std::string pre;
  pre.reserve(input.size());
  {
    const auto* s = reinterpret_cast<const std::uint8_t*>(input.data());
    const auto n = static_cast<int32_t>(input.size());
    for (int32_t i = 0; i < n;) {
      UChar32 c = 0;
      U8_NEXT(s, i, n, c);
      if (c < 0) continue;
      const char base = c >= 0x80 ? glyph_base(static_cast<char32_t>(c)) : '\0';
      if (base != '\0') pre.push_back(base);
      else append_code_point(pre, c);
    }
  }
  const std::string_view utf8 = pre;
  const USpoofChecker* sc = spoof_checker();
  std::string skel;
  if (sc != nullptr && utf8.size() < 1024) {
    skel.resize(utf8.size() * 4 + 16);
    UErrorCode status = U_ZERO_ERROR;
    int32_t len = uspoof_getSkeletonUTF8(sc, 0, utf8.data(), static_cast<int32_t>(utf8.size()), skel.data(),
                                         static_cast<int32_t>(skel.size()), &status);
    if (status == U_BUFFER_OVERFLOW_ERROR) {
      skel.resize(static_cast<std::size_t>(len) + 1);
      status = U_ZERO_ERROR;
      len = uspoof_getSkeletonUTF8(sc, 0, utf8.data(), static_cast<int32_t>(utf8.size()), skel.data(),
                                   static_cast<int32_t>(skel.size()), &status);
    }
    if (U_FAILURE(status)) skel.assign(utf8);
    else skel.resize(static_cast<std::size_t>(len));
  } else {
    skel.assign(utf8);
  }
  std::string bare;
  bare.reserve(skel.size());
  const auto* s = reinterpret_cast<const std::uint8_t*>(skel.data());
  const auto n = static_cast<int32_t>(skel.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c = 0;
    U8_NEXT(s, i, n, c);
    if (c < 0) continue;
    const auto type = u_charType(c);
    if (type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK) continue;
    c = u_tolower(c);
    const char base = c >= 0x80 ? glyph_base(static_cast<char32_t>(c)) : '\0';
    if (base != '\0') bare.push_back(base);
    else append_code_point(bare, c);
  }
  return bare;
}

// Decodes UTF-8 into code points; false when malformed or longer than a label can be.
bool decode_utf8(std::string_view utf8, CodePoints& out) {
  const auto* s = reinterpret_cast<const std::uint8_t*>(utf8.data());
  const auto n = static_cast<int32_t>(utf8.size());
  out.n = 0;
  for (int32_t i = 0; i < n;) {
    UChar32 c = 0;
    U8_NEXT(s, i, n, c);
    if (c < 0 || out.n == kMaxLabel) return false;
    out.c[out.n++] = static_cast<char32_t>(c);
  }
  return true;
}

void ascii_code_points(std::string_view s, CodePoints& out) {
  out.n = std::min(s.size(), kMaxLabel);
  for (std::size_t i = 0; i < out.n; ++i) out.c[i] = static_cast<unsigned char>(s[i]);
}

// ---------------------------------------------------------------------------------------------
// Public suffixes without a libpsl call per name (about 260 ns each): the ICANN rules of the
// same Public Suffix List file libpsl reads on Debian, in a trie of reversed labels.

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

// A short-string hash for the hot path (labels are at most 63 bytes): 8 bytes per step.
std::uint64_t hash_bytes(std::string_view s) noexcept {
  std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ s.size();
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    h ^= h >> 32;
  }
  std::uint64_t w = 0;
  if (i < s.size()) std::memcpy(&w, s.data() + i, s.size() - i);
  return mix(h ^ w);
}

// Read-only open-addressing map from strings, built once from a StringMap: one probe and one
// string compare per lookup, no node chasing.
template <typename V>
class FlatMap {
 public:
  void assign(StringMap<V>&& from) {
    entries_.clear();
    entries_.reserve(from.size());
    for (auto& [k, v] : from) entries_.emplace_back(k, std::move(v));
    std::size_t cap = 16;
    while (cap < entries_.size() * 2) cap <<= 1;
    slots_.assign(cap, Slot{0, kNone});
    mask_ = cap - 1;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      const std::uint64_t h = hash_bytes(entries_[i].first);
      std::size_t s = h & mask_;
      while (slots_[s].index != kNone) s = (s + 1) & mask_;
      slots_[s] = Slot{h, static_cast<std::uint32_t>(i)};
    }
  }

  [[nodiscard]] const V* find(std::string_view key) const noexcept {
    if (slots_.empty()) return nullptr;
    const std::uint64_t h = hash_bytes(key);
    for (std::size_t s = h & mask_;; s = (s + 1) & mask_) {
      const Slot& slot = slots_[s];
      if (slot.index == kNone) return nullptr;
      if (slot.hash == h && entries_[slot.index].first == key) return &entries_[slot.index].second;
    }
  }

 private:
  struct Slot {
    std::uint64_t hash;
    std::uint32_t index;
  };
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::vector<std::pair<std::string, V>> entries_;
};

class SuffixRules {
 public:
  // Loads the ICANN section of `path`; empty (unusable) when the file cannot be read.
  static SuffixRules load(const char* path) {
    SuffixRules r;
    std::ifstream in(path);
    if (!in) return r;
    std::string line;
    bool icann = false;
    while (std::getline(in, line)) {
      if (line.find("===BEGIN ICANN DOMAINS===") != std::string::npos) icann = true;
      if (line.find("===END ICANN DOMAINS===") != std::string::npos) break;
      if (!icann || line.empty() || line.starts_with("//")) continue;
      const std::size_t end = line.find_first_of(" \t\r");
      std::string rule = line.substr(0, end);
      bool exception = false;
      bool wildcard = false;
      if (rule.starts_with('!')) {
        exception = true;
        rule.erase(0, 1);
      }
      if (rule.starts_with("*.")) {
        wildcard = true;
        rule.erase(0, 2);
      }
      auto ascii = domain::to_ascii(rule);
      if (!ascii) continue;
      r.add(*ascii, exception, wildcard);
    }
    r.usable_ = r.nodes_.size() > 1000;
    return r;
  }

  [[nodiscard]] bool usable() const noexcept { return usable_; }

  // Number of trailing labels (of `labels[0..n)`) that form the public suffix; 1 when no rule
  // applies (the PSL's implicit "*" rule).
  [[nodiscard]] std::size_t suffix_labels(const Piece* labels, std::size_t n) const {
    std::size_t best = 0;
    std::uint32_t node = 0;
    for (std::size_t d = 1; d <= n; ++d) {
      const std::string_view lab = labels[n - d].view();
      if (nodes_[node].wildcard) best = d;
      const std::uint32_t child = find(node, lab);
      if (child == kNone) break;
      if (nodes_[child].exception) {
        best = d - 1;
        break;
      }
      if (nodes_[child].rule) best = d;
      node = child;
    }
    return best == 0 ? 1 : best;
  }

 private:
  struct Node {
    std::uint32_t parent = 0;
    std::string label;
    bool rule = false;
    bool exception = false;
    bool wildcard = false;
  };

  static std::uint64_t child_key(std::uint32_t parent, std::string_view label) noexcept {
    return hash_bytes(label) ^ (static_cast<std::uint64_t>(parent) * 0x9E3779B97F4A7C15ULL);
  }

  [[nodiscard]] std::uint32_t find(std::uint32_t parent, std::string_view label) const {
    if (slots_.empty()) return kNone;
    const std::uint64_t key = child_key(parent, label);
    for (std::size_t s = key & mask_;; s = (s + 1) & mask_) {
      const std::uint32_t id = slots_[s];
      if (id == kNone) return kNone;
      const Node& n = nodes_[id];
      if (n.parent == parent && n.label == label) return id;
    }
  }

  void add(std::string_view rule, bool exception, bool wildcard) {
    std::uint32_t node = 0;
    std::size_t end = rule.size();
    while (true) {
      const std::size_t dot = rule.rfind('.', end == 0 ? 0 : end - 1);
      const std::size_t start = (dot == std::string_view::npos || dot >= end) ? 0 : dot + 1;
      const std::string_view lab = rule.substr(start, end - start);
      std::uint32_t child = find(node, lab);
      if (child == kNone) {
        child = static_cast<std::uint32_t>(nodes_.size());
        nodes_.push_back(Node{node, std::string(lab), false, false, false});
        if (nodes_.size() * 2 > slots_.size()) rehash(slots_.empty() ? 1024 : slots_.size() * 2);
        insert_slot(child);
      }
      node = child;
      if (start == 0) break;
      end = start - 1;
    }
    if (wildcard) nodes_[node].wildcard = true;
    else if (exception) nodes_[node].exception = true;
    else nodes_[node].rule = true;
  }

  std::vector<Node> nodes_{Node{}};
  void insert_slot(std::uint32_t id) {
    std::size_t s = child_key(nodes_[id].parent, nodes_[id].label) & mask_;
    while (slots_[s] != kNone) s = (s + 1) & mask_;
    slots_[s] = id;
  }
  void rehash(std::size_t cap) {
    slots_.assign(cap, kNone);
    mask_ = cap - 1;
    for (std::uint32_t id = 1; id < nodes_.size(); ++id) insert_slot(id);
  }

  std::vector<std::uint32_t> slots_;  // open addressing: node ids by (parent, label)
  std::size_t mask_ = 0;
  bool usable_ = false;
};

const SuffixRules& suffix_rules() {
  static const SuffixRules rules = SuffixRules::load("/usr/share/publicsuffix/public_suffix_list.dat");
  return rules;
}

}  // namespace

static std::size_t count_suffix_labels(std::string_view name, const Piece* labels, std::size_t n) {
  const SuffixRules& rules = suffix_rules();
  if (rules.usable()) return rules.suffix_labels(labels, n);
  const std::string_view s = domain::public_suffix(name);
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '.')) + 1;
}

std::size_t public_suffix_labels(std::string_view ascii_name) {
  std::array<Piece, kMaxLabels> labels;
  std::size_t n = 0;
  for (std::size_t start = 0; n < kMaxLabels;) {
    const std::size_t dot = ascii_name.find('.', start);
    const std::size_t end = dot == std::string_view::npos ? ascii_name.size() : dot;
    labels[n++] = Piece{ascii_name.data() + start, end - start};
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return std::min(count_suffix_labels(ascii_name, labels.data(), n), n);
}

namespace {

// ---------------------------------------------------------------------------------------------
// Symmetric-delete index: deletion-variant key -> brand labels.

class DeleteIndex {
 public:
  void build(std::vector<std::pair<std::uint64_t, std::uint32_t>> entries) {
    std::sort(entries.begin(), entries.end());
    entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
    std::size_t unique_keys = 0;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (i == 0 || entries[i].first != entries[i - 1].first) ++unique_keys;
    }
    std::size_t cap = 16;
    while (cap < unique_keys + unique_keys / 4 + 1) cap <<= 1;
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
    // One bit per key in a table 8x larger than the key count: most probes of a name miss, and
    // the bit test stays in cache where the slot table would not.
    std::size_t bits = 1024;
    filter_shift_ = 54;
    while (bits < unique_keys * 8) {
      bits <<= 1;
      --filter_shift_;
    }
    filter_.assign(bits / 64, 0);
    for (const auto& e : entries) {
      const std::uint64_t b = filter_bit(e.first);
      filter_[b / 64] |= std::uint64_t{1} << (b % 64);
    }
    postings_.reserve(entries.size());
    for (std::size_t i = 0; i < entries.size();) {
      std::size_t j = i;
      while (j < entries.size() && entries[j].first == entries[i].first) postings_.push_back(entries[j++].second);
      std::size_t s = mix(entries[i].first) & mask_;
      while (slots_[s].count != 0) s = (s + 1) & mask_;
      slots_[s] = Slot{entries[i].first, static_cast<std::uint32_t>(postings_.size() - (j - i)),
                       static_cast<std::uint32_t>(j - i)};
      i = j;
    }
  }

  // The bit filter by value, so a probe loop keeps it in registers.
  struct Filter {
    const std::uint64_t* bits;
    int shift;
    [[nodiscard]] bool may_contain(std::uint64_t key) const noexcept {
      const std::uint64_t b = (key * 0x9E3779B97F4A7C15ULL) >> shift;
      return ((bits[b / 64] >> (b % 64)) & 1U) != 0;
    }
  };
  [[nodiscard]] Filter filter() const noexcept { return Filter{filter_.data(), filter_shift_}; }

  // Brand labels with this deletion-variant key; call only when filter().may_contain(key).
  [[nodiscard]] std::span<const std::uint32_t> find(std::uint64_t key) const noexcept {
    if (slots_.empty()) return {};
    for (std::size_t s = mix(key) & mask_;; s = (s + 1) & mask_) {
      const Slot& slot = slots_[s];
      if (slot.count == 0) return {};
      if (slot.key == key) return {postings_.data() + slot.begin, slot.count};
    }
  }

 private:
  struct Slot {
    std::uint64_t key = 0;
    std::uint32_t begin = 0;
    std::uint32_t count = 0;  // 0: empty
  };
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  [[nodiscard]] std::uint64_t filter_bit(std::uint64_t key) const noexcept { return (key * 0x9E3779B97F4A7C15ULL) >> filter_shift_; }
  std::vector<std::uint64_t> filter_;
  int filter_shift_ = 54;
  std::vector<std::uint32_t> postings_;
};

// ---------------------------------------------------------------------------------------------
// Aho-Corasick automaton over a-z0-9- with dense transitions (one load per character).

constexpr int kSymbols = 37;

constexpr int symbol(char c) noexcept {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '0' && c <= '9') return 26 + (c - '0');
  if (c == '-') return 36;
  return -1;
}

class Automaton {
 public:
  // Adds a pattern (only a-z0-9-), returning its id; equal patterns share an id.
  std::uint32_t add(std::string_view p) {
    std::uint32_t s = 0;
    for (const char ch : p) {
      const auto c = static_cast<std::size_t>(symbol(ch));
      if (trie_[s][c] == 0) {
        const auto fresh = static_cast<std::uint32_t>(trie_.size());
        trie_.emplace_back();
        trie_.back().fill(0);
        out_.push_back(kNone);
        trie_[s][c] = fresh;  // after emplace_back: the row may have moved
      }
      s = trie_[s][c];
    }
    if (out_[s] == kNone) {
      out_[s] = patterns_++;
      lengths_.push_back(static_cast<std::uint32_t>(p.size()));
    }
    return out_[s];
  }

  void finish() {
    const std::size_t n = trie_.size();
    delta_.assign(n * kSymbols, 0);
    dict_.assign(n, 0);
    std::vector<std::uint32_t> fail(n, 0);
    std::vector<std::uint32_t> queue;
    queue.reserve(n);
    for (std::size_t c = 0; c < kSymbols; ++c) {
      const std::uint32_t child = trie_[0][c];
      delta_[c] = child;
      if (child != 0) queue.push_back(child);
    }
    for (std::size_t qi = 0; qi < queue.size(); ++qi) {
      const std::uint32_t s = queue[qi];
      dict_[s] = out_[fail[s]] != kNone ? fail[s] : dict_[fail[s]];
      for (std::size_t c = 0; c < kSymbols; ++c) {
        const std::uint32_t child = trie_[s][c];
        if (child != 0) {
          fail[child] = delta_[fail[s] * kSymbols + c];
          delta_[s * kSymbols + c] = child;
          queue.push_back(child);
        } else {
          delta_[s * kSymbols + c] = delta_[fail[s] * kSymbols + c];
        }
      }
    }
    // Flag transitions into states that report something, so scanning loads one word per byte.
    for (auto& t : delta_) {
      if (out_[t] != kNone || dict_[t] != 0) t |= kReports;
    }
    trie_.clear();
    trie_.shrink_to_fit();
  }

  // Calls f(pattern id, start, end) for every occurrence of every pattern in `text`.
  template <typename F>
  void scan(std::string_view text, F&& f) const {
    if (delta_.empty()) return;
    std::uint32_t s = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const int sym = symbol(text[i]);
      if (sym < 0) {
        s = 0;
        continue;
      }
      const std::uint32_t next = delta_[s * kSymbols + static_cast<std::size_t>(sym)];
      s = next & ~kReports;
      if ((next & kReports) == 0) continue;
      for (std::uint32_t t = out_[s] != kNone ? s : dict_[s]; t != 0; t = dict_[t]) {
        const std::uint32_t id = out_[t];
        f(id, i + 1 - lengths_[id], i + 1);
      }
    }
  }

  [[nodiscard]] std::uint32_t pattern_count() const noexcept { return patterns_; }

  static constexpr std::uint32_t kReports = 0x80000000U;  // flag bit in delta_ entries

 private:
  std::vector<std::array<std::uint32_t, kSymbols>> trie_{std::array<std::uint32_t, kSymbols>{}};
  std::vector<std::uint32_t> out_{kNone};
  std::vector<std::uint32_t> lengths_;
  std::vector<std::uint32_t> delta_;
  std::vector<std::uint32_t> dict_;
  std::uint32_t patterns_ = 0;
};

bool is_ldh_word(std::string_view w) {
  return !w.empty() && w.size() <= kMaxLabel && std::all_of(w.begin(), w.end(), domain::is_ldh);
}

// A match before per-brand selection.
struct Raw {
  std::uint32_t brand;
  Rule rule;
  bool subdomain;  // found in a subdomain label rather than the registrable label
  int distance;
  std::string_view label;
  bool composed = false;  // glyphs or a vowel swap with an edit, or hyphens removed: ranks after plain edits
};

struct Scratch {
  std::vector<Raw> raw;
  std::vector<std::uint32_t> seen;
  std::vector<std::uint32_t> edited;     // brand labels the edit probe verified within their k ...
  std::vector<std::uint32_t> composed;   // ... and those the composed probe verified
  std::vector<std::uint32_t> excluded;
};

// One spelling of a label to compare with the brands: the label itself, or the label without
// its hyphens (am-az-on). Distances are reported against `raw`, the label as it was seen.
struct Form {
  std::string_view label;     // the label as it appears in the name (reported)
  std::u32string_view q;      // code points compared with the brand labels
  std::u32string_view raw;    // code points of the label as seen (q with its hyphens)
  std::string_view bare;      // what the homoglyph keys are folded from
  bool stripped = false;      // q is raw without its hyphens
};

}  // namespace

// ---------------------------------------------------------------------------------------------

struct Matcher::Impl {
  struct Brand {
    std::string registrable;  // A-label
  };
  struct Label {
    std::string ascii;        // A-label
    std::u32string unicode;   // code points of the U-label
    int k = 0;                // edit distance allowed
    int kc = 0;               // real edits allowed beside glyphs and a vowel swap (0: none)
    std::vector<std::uint32_t> brands;
  };

  MatchOptions options;
  std::uint64_t memo_owner = 0;  // unique per build(): keys the per-thread memo of labels that match nothing
  std::vector<Brand> brands;
  std::vector<Label> labels;
  FlatMap<std::uint32_t> exact;                     // brand label -> label id
  FlatMap<std::vector<std::uint32_t>> folded;       // homoglyph key -> label ids
  FlatMap<std::vector<std::uint32_t>> dehyphened;   // label without '-' -> label ids (pairs)
  FlatMap<std::vector<std::uint32_t>> owners;       // owned domain -> brand ids
  std::size_t max_folded = 0;                       // longest homoglyph key
  // Bit filter over (length, first byte, last byte) of every homoglyph key: most labels of a CT
  // feed fold to a key no brand has, and this answers them without hashing the key.
  std::array<std::uint64_t, 1024> folded_filter{};
  static std::size_t folded_bit(std::string_view key) noexcept {
    const auto first = static_cast<unsigned char>(key.front()), last = static_cast<unsigned char>(key.back());
    return ((key.size() & 63) << 10 ^ std::size_t{first} << 4 ^ last) & 0xFFFF;
  }
  [[nodiscard]] bool may_fold_to_brand(std::string_view key) const noexcept {
    if (key.empty()) return false;
    const std::size_t b = folded_bit(key);
    return (folded_filter[b >> 6] >> (b & 63) & 1) != 0;
  }
  std::vector<std::vector<std::uint32_t>> pattern_brands;  // combosquat pattern id -> brand ids
  DeleteIndex deletions;
  std::uint64_t variant_lengths = 0;  // bit i: some brand deletion variant has i code points
  std::size_t max_label = 0;          // longest brand label with edits allowed (code points)
  Automaton automaton;
  DeleteIndex composed;                // probe-key deletion variants of labels with kc > 0
  std::uint64_t composed_lengths = 0;  // bit i: some composed variant has i code points
  std::size_t composed_min = kMaxLabel + 1;  // shortest / longest label with kc > 0
  std::size_t composed_max = 0;

  [[nodiscard]] int kc_for(std::size_t len) const noexcept {
    return options.composed_min_length == 0 || len < options.composed_min_length ? 0 : 1;
  }

  [[nodiscard]] int k_for(std::size_t len) const noexcept {
    if (len >= options.k2_min_length) return 2;
    if (len >= options.k1_min_length) return 1;
    return 0;
  }

  void check_label(std::string_view label, bool subdomain, Scratch& sc) const;
  void check_form(const Form& f, bool subdomain, Scratch& sc) const;
  void check_composed(const Form& f, bool subdomain, Scratch& sc) const;
  void check_pair(std::string_view joined_view, std::string_view left, std::string_view right, Scratch& sc) const;
};

std::size_t Matcher::brand_count() const noexcept { return impl_ ? impl_->brands.size() : 0; }

std::expected<Matcher, MatcherError> Matcher::build(std::span<const BrandSpec> specs, const MatchOptions& options) {
  auto impl = std::make_shared<Impl>();
  static std::atomic<std::uint64_t> next_id{1};
  impl->memo_owner = next_id.fetch_add(1, std::memory_order_relaxed);
  impl->options = options;
  if (impl->options.k2_min_length < impl->options.k1_min_length) impl->options.k2_min_length = impl->options.k1_min_length;
  StringMap<std::uint32_t> brand_ids;
  StringMap<std::uint32_t> exact;
  StringMap<std::vector<std::uint32_t>> folded;
  StringMap<std::vector<std::uint32_t>> dehyphened;
  StringMap<std::vector<std::uint32_t>> owners;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> deletion_entries;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> composed_entries;

  auto add_pattern = [&](std::string_view p, std::uint32_t brand) {
    const std::uint32_t id = impl->automaton.add(p);
    if (id >= impl->pattern_brands.size()) impl->pattern_brands.resize(id + 1);
    auto& v = impl->pattern_brands[id];
    if (std::find(v.begin(), v.end(), brand) == v.end()) v.push_back(brand);
  };
  auto add_owner = [&](const std::string& d, std::uint32_t brand) {
    auto& v = owners[d];
    if (std::find(v.begin(), v.end(), brand) == v.end()) v.push_back(brand);
  };

  for (std::size_t i = 0; i < specs.size(); ++i) {
    const BrandSpec& spec = specs[i];
    auto name = domain::parse(spec.domain);
    if (!name) return std::unexpected(MatcherError{i, "brand " + name.error().message()});
    const std::string registrable = name->registrable();
    std::uint32_t bid = 0;
    if (auto it = brand_ids.find(registrable); it != brand_ids.end()) {
      bid = it->second;
    } else {
      bid = static_cast<std::uint32_t>(impl->brands.size());
      impl->brands.push_back(Impl::Brand{registrable});
      brand_ids.emplace(registrable, bid);
    }
    add_owner(registrable, bid);
    for (const std::string& o : spec.owned) {
      auto owned = domain::parse(o);
      if (!owned) return std::unexpected(MatcherError{i, "owned domain " + owned.error().message()});
      add_owner(owned->ascii, bid);
    }
    for (const std::string& kw : spec.keywords) {
      std::string w = kw;
      for (char& c : w) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      if (!is_ldh_word(w)) {
        return std::unexpected(MatcherError{i, "keyword \"" + kw + "\" of " + registrable + " is not a-z, 0-9 and '-'"});
      }
      add_pattern(w, bid);
    }

    // The brand label, shared by brands with the same label under different suffixes.
    std::uint32_t lid = 0;
    if (auto it = exact.find(name->label); it != exact.end()) {
      lid = it->second;
    } else {
      lid = static_cast<std::uint32_t>(impl->labels.size());
      Impl::Label l;
      l.ascii = name->label;
      const bool idn = name->label.starts_with("xn--");
      std::string unicode_label = name->label;
      if (idn) {
        if (auto u = domain::to_unicode(name->label)) unicode_label = *u;
      }
      CodePoints cps;
      if (!decode_utf8(unicode_label, cps)) ascii_code_points(name->label, cps);
      l.unicode.assign(cps.c.data(), cps.n);
      l.k = impl->k_for(cps.n);
      l.kc = l.k > 0 ? impl->kc_for(cps.n) : 0;  // never more edits than a plain edit may have
      exact.emplace(l.ascii, lid);
      fold_keys(idn ? skeleton_bare(unicode_label) : l.ascii, [&](std::string_view key) {
        auto& v = folded[std::string(key)];
        impl->max_folded = std::max(impl->max_folded, key.size());
        if (!key.empty()) {
          const std::size_t bit = Impl::folded_bit(key);
          impl->folded_filter[bit >> 6] |= std::uint64_t{1} << (bit & 63);
        }
        if (std::find(v.begin(), v.end(), lid) == v.end()) v.push_back(lid);
      });
      if (l.k > 0) {
        std::string dh;
        for (const char c : l.ascii) {
          if (c != '-') dh.push_back(c);
        }
        dehyphened[dh].push_back(lid);
        for_each_deletion(l.unicode, l.k, [&](std::uint64_t key2) { deletion_entries.emplace_back(key2, lid); });
        for (int d = 0; d <= l.k; ++d) {
          if (l.unicode.size() >= static_cast<std::size_t>(d) && l.unicode.size() - static_cast<std::size_t>(d) < 64) {
            impl->variant_lengths |= std::uint64_t{1} << (l.unicode.size() - static_cast<std::size_t>(d));
          }
        }
        impl->max_label = std::max(impl->max_label, l.unicode.size());
      }
      if (l.kc > 0) {
        CodePoints probe;
        probe_key(cps.view(), probe);
        for_each_deletion(probe.view(), l.kc, [&](std::uint64_t key2) { composed_entries.emplace_back(key2, lid); });
        for (int d = 0; d <= l.kc; ++d) {
          impl->composed_lengths |= std::uint64_t{1} << (cps.n - static_cast<std::size_t>(d));
        }
        impl->composed_min = std::min(impl->composed_min, cps.n);
        impl->composed_max = std::max(impl->composed_max, cps.n);
      }
      impl->labels.push_back(std::move(l));
    }
    auto& lb = impl->labels[lid].brands;
    if (std::find(lb.begin(), lb.end(), bid) == lb.end()) lb.push_back(bid);
    add_pattern(name->label, bid);
  }
  impl->exact.assign(std::move(exact));
  impl->folded.assign(std::move(folded));
  impl->dehyphened.assign(std::move(dehyphened));
  impl->owners.assign(std::move(owners));
  impl->deletions.build(std::move(deletion_entries));
  impl->composed.build(std::move(composed_entries));
  impl->automaton.finish();
  (void)suffix_rules();  // load the PSL now rather than on the first name
  return Matcher(std::move(impl));
}

void Matcher::Impl::check_label(std::string_view label, bool subdomain, Scratch& sc) const {
  if (label.size() > kMaxLabel) return;
  const bool idn = label.starts_with("xn--");

  // tld-swap: the brand's label as the registrable label under another suffix (the brand's own
  // domain is removed later with the owned domains).
  if (!subdomain) {
    if (const std::uint32_t* lid = exact.find(label)) {
      for (const std::uint32_t b : labels[*lid].brands) sc.raw.push_back(Raw{b, Rule::tld_swap, false, 0, label});
    }
  }

  // Code points for distances, and what the homoglyph keys are folded from.
  CodePoints cps;
  std::string idn_bare;
  std::string_view bare;
  if (idn) {
    auto u = domain::to_unicode(label);
    if (u && decode_utf8(*u, cps)) {
      idn_bare = skeleton_bare(*u);
      bare = idn_bare;
    } else {
      ascii_code_points(label, cps);
    }
  } else {
    ascii_code_points(label, cps);
    bare = label;
  }
  const std::u32string_view q = cps.view();
  check_form(Form{label, q, q, bare, false}, subdomain, sc);

  // Compositions and hyphens only in the registrable label: they are what an attacker falls back
  // on when the brand's own label is taken, while a subdomain label can spell the brand exactly
  // (a combosquat). Hyphens do not change how a label reads (am-az-on, pay-pa1): the label
  // without them is compared again, hyphens free, distances reported against the label as seen.
  if (!subdomain && std::find(q.begin(), q.end(), U'-') != q.end()) {
    CodePoints joined;
    joined.n = 0;
    for (const char32_t c : q) {
      if (c != U'-') joined.c[joined.n++] = c;
    }
    std::array<char, kMaxLabel * 4 + 16> joined_bare_buf;
    std::size_t jb = 0;
    for (const char c : bare) {
      if (c != '-' && jb < joined_bare_buf.size()) joined_bare_buf[jb++] = c;
    }
    const std::string_view joined_bare(joined_bare_buf.data(), bare.size() > joined_bare_buf.size() ? 0 : jb);
    if (!idn) {
      if (const std::uint32_t* lid = exact.find(joined_bare)) {
        const Label& l = labels[*lid];
        const int d = osa_distance(q, l.unicode, static_cast<int>(kMaxLabel));
        for (const std::uint32_t b : l.brands) sc.raw.push_back(Raw{b, Rule::edit, subdomain, d, label, true});
      }
    }
    check_form(Form{label, joined.view(), q, joined_bare, true}, subdomain, sc);
  }

  // Combosquats: brand labels and keywords as tokens (or long substrings) of the label.
  if (!idn) {
    automaton.scan(label, [&](std::uint32_t id, std::size_t start, std::size_t end) {
      const bool boundary = (start == 0 || label[start - 1] == '-') && (end == label.size() || label[end] == '-');
      if (!boundary && end - start < options.substring_min_length) return;
      for (const std::uint32_t b : pattern_brands[id]) sc.raw.push_back(Raw{b, Rule::combosquat, subdomain, 0, label});
    });
  }
}

void Matcher::Impl::check_form(const Form& f, bool subdomain, Scratch& sc) const {
  const std::u32string_view q = f.q;

  // A folded key is at least half as long as what it folds: longer labels cannot meet a brand.
  const std::string_view bare = f.bare;
  if (!bare.empty() && (bare.size() + 1) / 2 <= max_folded) {
    sc.seen.clear();
    fold_keys(bare, [&](std::string_view key) {
      if (!may_fold_to_brand(key)) return;
      const auto* lids = folded.find(key);
      if (lids == nullptr) return;
      for (const std::uint32_t lid : *lids) {
        if (std::find(sc.seen.begin(), sc.seen.end(), lid) != sc.seen.end()) continue;
        sc.seen.push_back(lid);
        const Label& l = labels[lid];
        if (l.ascii == f.label) continue;
        const int d = osa_distance(f.raw, l.unicode, static_cast<int>(kMaxLabel));
        for (const std::uint32_t b : l.brands) sc.raw.push_back(Raw{b, Rule::homoglyph, subdomain, d, f.label, f.stripped});
      }
    });
  }

  // Edits: probe the label's deletion neighbourhood, verify each brand label once.
  const std::size_t m = q.size();
  // A registrable label may be one deletion shorter than the shortest brand with edits (eba.de
  // for ebay.de); a subdomain label must be long enough itself, or www/api/dev would meet every
  // four-letter brand one insertion away.
  const std::size_t k1 = options.k1_min_length;
  const std::size_t min_m = subdomain || k1 == 0 ? k1 : k1 - 1;
  // Without its hyphens a label is probed for compositions only (which include one plain edit
  // for labels of composed_min_length and more): the full probe again would double the cost of
  // every hyphenated name for the rare hyphen plus edit of a short brand.
  sc.edited.clear();
  if (!f.stripped && m >= min_m && m > 0 && m <= max_label + 2) {
    const int kq = m + 2 >= options.k2_min_length ? 2 : 1;
    sc.seen.clear();
    const DeleteIndex::Filter filter = deletions.filter();
    for_each_deletion(q, kq, [&](std::uint64_t k) {
      if (!filter.may_contain(k)) return;
      for (const std::uint32_t lid : deletions.find(k)) {
        if (std::find(sc.seen.begin(), sc.seen.end(), lid) != sc.seen.end()) continue;
        sc.seen.push_back(lid);
        const Label& l = labels[lid];
        const int d = osa_distance(q, l.unicode, l.k);
        if (d > l.k) continue;
        sc.edited.push_back(lid);
        if (d == 0) continue;  // the exact or tld-swap lookup reports it
        const Rule rule = d == 1 && keyboard_typo(q, l.unicode, options.keyboards) ? Rule::keyboard : Rule::edit;
        for (const std::uint32_t b : l.brands) sc.raw.push_back(Raw{b, rule, subdomain, d, f.label});
      }
    }, variant_lengths);
  }

  if (!subdomain && m + 2 >= composed_min && m <= composed_max + 2) check_composed(f, subdomain, sc);
}

// Glyphs, a vowel swap and kc real edits together (dr0pbox4, paypais, papyil), and a brand seen
// through glyphs with a short prefix or suffix (paypaily): probe keys make glyphs and vowels one
// symbol, composed_distance() verifies.
void Matcher::Impl::check_composed(const Form& f, bool subdomain, Scratch& sc) const {
  // For A-labels the glyphs are compared on the skeleton (ASCII letters for what they imitate).
  CodePoints skel;
  std::u32string_view q = f.q;
  if (f.label.starts_with("xn--")) {
    if (f.bare.empty() || !decode_utf8(f.bare, skel)) return;
    q = skel.view();
  }
  const std::size_t m = q.size();
  if (m == 0) return;
  sc.composed.clear();
  const DeleteIndex::Filter filter = composed.filter();
  const auto report = [&](const Label& l, Rule rule) {
    const int d = osa_distance(f.raw, l.unicode, static_cast<int>(kMaxLabel));
    for (const std::uint32_t b : l.brands) sc.raw.push_back(Raw{b, rule, subdomain, d, f.label, true});
  };
  CodePoints probe;
  probe_key(q, probe);
  for_each_deletion(probe.view(), 1, [&](std::uint64_t key) {
    if (!filter.may_contain(key)) return;
    for (const std::uint32_t lid : composed.find(key)) {
      if (std::find(sc.composed.begin(), sc.composed.end(), lid) != sc.composed.end()) continue;
      sc.composed.push_back(lid);
      // Already a plain edit (the common case of a typo): nothing to add.
      if (std::find(sc.edited.begin(), sc.edited.end(), lid) != sc.edited.end()) continue;
      const Label& l = labels[lid];
      // The composed distance first: it rejects most of what the coarse key lets through.
      const ComposedDistance c = composed_distance(q, l.unicode, 2 * l.kc + 1);
      const bool composed_ok = c.weighted <= 2 * l.kc + 1 && c.edits <= l.kc + 1;
      if (!composed_ok && !f.stripped) continue;
      // Within the plain edit distance it is an edit, reported as such by the edit probe (which
      // does not probe a label without its hyphens: reported here then).
      const int plain = osa_distance(q, l.unicode, l.k + 1);
      if (plain <= l.k) {
        if (f.stripped && plain > 0) report(l, Rule::edit);
        continue;
      }
      if (!composed_ok) continue;
      // A vowel swap on top of the real edits only where the word keeps its shape: its length and
      // its exterior letters, which readers rely on most (a word with its first and last letters
      // in place still reads as itself), so papyil passes for paypal and giggle not for google.
      if (c.edits > l.kc && (m != l.unicode.size() || glyph_letter(q.front()) != glyph_letter(l.unicode.front()) ||
                             glyph_letter(q.back()) != glyph_letter(l.unicode.back()))) {
        continue;
      }
      // Fewer changes once glyphs are free: a glyph is part of it.
      report(l, c.edits < plain ? Rule::homoglyph : Rule::edit);
    }
  }, composed_lengths);

  // The brand through glyphs with a prefix or suffix of up to two characters (paypaily): the
  // plain brand inside a label is a combosquat, found by the automaton.
  if (m < composed_min + 1) return;
  const std::size_t probed = sc.composed.size();  // labels verified above may still be affixed
  const PrefixHash h(probe.view());
  for (std::size_t cut = 1; cut <= 2; ++cut) {
    for (std::size_t a = 0; a <= cut; ++a) {
      const std::size_t len = m - cut;
      const std::uint64_t key = key_of(h.sub(a, a + len), len);
      if (len >= 64 || ((composed_lengths >> len) & 1U) == 0 || !filter.may_contain(key)) continue;
      const std::u32string_view inner = q.substr(a, len);
      for (const std::uint32_t lid : composed.find(key)) {
        const Label& l = labels[lid];
        if (inner == l.unicode || !glyph_equal(inner, l.unicode)) continue;
        const auto affixed = sc.composed.begin() + static_cast<std::ptrdiff_t>(probed);
        if (std::find(affixed, sc.composed.end(), lid) != sc.composed.end()) continue;
        sc.composed.push_back(lid);
        report(l, Rule::homoglyph);
      }
    }
  }
}

// Two adjacent labels that spell a brand label once the dot is removed (pay.pal.com) or replaces
// a hyphen (example.bank for example-bank.com): one edit.
void Matcher::Impl::check_pair(std::string_view joined_view, std::string_view left, std::string_view right,
                               Scratch& sc) const {
  if (left.size() + right.size() > 2 * kMaxLabel || left.starts_with("xn--") || right.starts_with("xn--")) return;
  std::array<char, 2 * kMaxLabel> buf;
  std::copy(left.begin(), left.end(), buf.begin());
  std::copy(right.begin(), right.end(), buf.begin() + static_cast<std::ptrdiff_t>(left.size()));
  const std::string_view joined(buf.data(), left.size() + right.size());
  if (joined.size() < options.k1_min_length) return;
  if (const auto* lids = dehyphened.find(joined)) {
    for (const std::uint32_t lid : *lids) {
      for (const std::uint32_t b : labels[lid].brands) sc.raw.push_back(Raw{b, Rule::edit, false, 1, joined_view});
    }
  }
}

void Matcher::match(std::string_view name, std::vector<Match>& out) const {
  if (!impl_) return;
  const Impl& im = *impl_;
  if (name.starts_with("*.")) name.remove_prefix(2);
  if (name.ends_with('.')) name.remove_suffix(1);
  if (name.empty() || name.size() > kMaxName) return;

  std::array<Piece, kMaxLabels> labels;
  std::size_t n = 0;
  for (std::size_t start = 0;;) {
    const std::size_t dot = name.find('.', start);
    const std::size_t end = dot == std::string_view::npos ? name.size() : dot;
    if (end == start || n == kMaxLabels) return;  // empty label or absurd depth: not a name
    labels[n++] = Piece{name.data() + start, end - start};
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  const std::size_t suffix = count_suffix_labels(name, labels.data(), n);
  if (suffix >= n) return;
  const std::size_t reg = n - suffix - 1;

  thread_local Scratch sc;
  thread_local detail::LabelMemo memo;
  memo.bind(im.memo_owner);
  sc.raw.clear();
  for (std::size_t i = 0; i <= reg; ++i) {
    const std::string_view label = labels[i].view();
    const unsigned role = i != reg ? 1U : 0U;
    const detail::LabelMemo::Key key = detail::LabelMemo::key(label, role);
    if (memo.known_empty(key)) continue;
    const std::size_t before = sc.raw.size();
    im.check_label(label, role == 1, sc);
    if (sc.raw.size() == before) memo.remember_empty(key);
  }
  auto span_of = [&](std::size_t a, std::size_t b) {
    return std::string_view(labels[a].p, static_cast<std::size_t>(labels[b].p + labels[b].n - labels[a].p));
  };
  if (reg > 0) im.check_pair(span_of(reg - 1, reg), labels[reg - 1].view(), labels[reg].view(), sc);
  im.check_pair(span_of(reg, reg + 1), labels[reg].view(), labels[reg + 1].view(), sc);
  if (sc.raw.empty()) return;

  // Brands that own this name (it is, or is under, one of their domains) never match it.
  sc.excluded.clear();
  for (std::size_t i = 0; i + suffix < n; ++i) {
    const std::string_view tail(labels[i].p, static_cast<std::size_t>(name.data() + name.size() - labels[i].p));
    if (const auto* owners = im.owners.find(tail)) sc.excluded.insert(sc.excluded.end(), owners->begin(), owners->end());
  }

  // Composed matches rank after plain edits: a name that is both a plain edit and a composed
  // look-alike of a brand is reported as the simpler one.
  auto rank = [](const Raw& r) {
    return std::tuple(r.composed ? static_cast<int>(Rule::edit) * 2 + 1 : static_cast<int>(r.rule) * 2, r.subdomain,
                      r.distance);
  };
  std::sort(sc.raw.begin(), sc.raw.end(), [&](const Raw& a, const Raw& b) {
    return a.brand != b.brand ? a.brand < b.brand : rank(a) < rank(b);
  });
  for (std::size_t i = 0; i < sc.raw.size(); ++i) {
    const Raw& r = sc.raw[i];
    if (i > 0 && sc.raw[i - 1].brand == r.brand) continue;
    if (std::find(sc.excluded.begin(), sc.excluded.end(), r.brand) != sc.excluded.end()) continue;
    out.push_back(Match{im.brands[r.brand].registrable, r.rule, r.distance, r.label});
  }
}

}  // namespace lookalike::generator
