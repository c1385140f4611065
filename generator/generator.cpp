#include "generator/generator.hpp"

#include <idn2.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <fstream>
#include <span>
#include <unordered_map>
#include <unordered_set>

#include "generator/flat_set.hpp"
#include "generator/label.hpp"
#include "generator/tables.hpp"
#include "generator/unicode.hpp"

namespace lookalike::generator {
namespace {

using U32 = std::u32string;
using U32View = std::u32string_view;

constexpr std::array<std::string_view, kFuzzerCount> kNames{
    "addition",   "bitsquatting", "cyrillic",      "homoglyph",   "hyphenation",   "insertion",     "omission",
    "plural",     "repetition",   "replacement",   "subdomain",   "transposition", "vowel-swap",    "various",
    "dictionary", "tld-swap",     "confusable",    "ascii-homoglyph", "numeral-swap", "hyphen-strip", "dot-dash",
    "missing-dot", "wrong-sld",   "tld-insertion", "combosquat"};

using detail::Confusable;
using detail::Glyphs;
using detail::kAsciiLookalikes;
using detail::kConfusables;
using detail::kCyrillic;
using detail::kGlyphs;
using detail::kScriptCommon;
using detail::kScriptInherited;
using detail::kScriptLatin;

constexpr std::pair<std::u32string_view, std::u32string_view> kNumerals[] = {
    {U"zero", U"0"}, {U"one", U"1"}, {U"two", U"2"},   {U"three", U"3"}, {U"four", U"4"}, {U"five", U"5"},
    {U"six", U"6"},  {U"seven", U"7"}, {U"eight", U"8"}, {U"nine", U"9"}, {U"ten", U"10"}, {U"for", U"4"},
    {U"to", U"2"},   {U"too", U"2"},   {U"won", U"1"},   {U"ate", U"8"}};

constexpr std::string_view kCommonSlds[] = {"co", "com", "net", "org", "ac", "ltd", "plc", "me", "biz", "info", "gov", "edu"};

using detail::is_ldh32;

U32 widen(std::string_view ascii) { return U32(ascii.begin(), ascii.end()); }

void replace_all(U32& s, U32View from, U32View to) {
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != U32::npos; pos += to.size()) s.replace(pos, from.size(), to);
}

// The generation state for one brand.
class Run {
 public:
  Run(const domain::Name& brand, const Options& options, const Sink& sink)
      : brand_(brand), opt_(options), sink_(sink) {
    const auto u = detail::to_u32(brand.unicode);
    // Unicode forms of subdomain / label / suffix, split the same way as the ASCII forms.
    const std::size_t sub_labels = brand.subdomain.empty() ? 0 : std::count(brand.subdomain.begin(), brand.subdomain.end(), '.') + 1;
    std::vector<U32> labels;
    U32 cur;
    for (char32_t c : u) {
      if (c == '.') {
        labels.push_back(std::move(cur));
        cur.clear();
      } else {
        cur += c;
      }
    }
    labels.push_back(std::move(cur));
    for (std::size_t i = 0; i < sub_labels; ++i) {
      if (i) sub_ += '.';
      sub_ += labels[i];
    }
    label_ = labels[sub_labels];
    for (std::size_t i = sub_labels + 1; i < labels.size(); ++i) {
      if (i > sub_labels + 1) suffix_u_ += '.';
      suffix_u_ += labels[i];
    }
    suffix_ = brand.suffix;
    entries_.reserve(kExpected);
    text_.reserve(kExpected * 32);
    brand_ascii_label_ = std::all_of(label_.begin(), label_.end(), [](char32_t c) { return c < 0x80; });
    if (!sub_.empty()) {
      sub_ascii_ = brand.subdomain;
      sub_ascii_ += '.';
    }
  }

  std::size_t run();

 private:
  static constexpr std::size_t kExpected = 16384;
  // Converts one label to its A-label, appending to `out`; false when the label is not a valid
  // IDNA2008 label.
  bool label_to_ascii(U32View l, std::string& out) const { return detail::append_label(l, brand_ascii_label_, out); }

  // A candidate whose only change is the registrable label (may contain dots: subdomain fuzzer).
  void add_label(U32View label, Fuzzer f) {
    if (label == label_) return;
    if (label.find(U'.') != U32View::npos) {
      U32 name = sub_;
      if (!name.empty()) name += '.';
      name += label;
      name += '.';
      name += suffix_u_;
      add_name(name, f);
      return;
    }
    std::string& ascii = scratch_;  // reused: no allocation per variant
    ascii = sub_ascii_;
    const std::size_t label_start = ascii.size();
    if (!label_to_ascii(label, ascii)) return;
    ascii += '.';
    ascii += suffix_;
    if (ascii.size() > 253) return;
    const std::size_t reg_len = ascii.size() - label_start;
    commit(ascii, reg_len, f, [&](std::string& u) {
      detail::append_utf8(sub_, u);
      if (!sub_.empty()) u += '.';
      detail::append_utf8(label, u);
      u += '.';
      detail::append_utf8(suffix_u_, u);
    });
  }

  // Any candidate name (Unicode, dot-separated); the public suffix is looked up.
  void add_name(U32View name, Fuzzer f) {
    std::string ascii;
    std::size_t start = 0;
    while (true) {
      const std::size_t dot = name.find(U'.', start);
      const U32View label = name.substr(start, dot == U32View::npos ? U32View::npos : dot - start);
      if (!label_to_ascii(label, ascii)) return;
      if (dot == U32View::npos) break;
      ascii += '.';
      start = dot + 1;
    }
    if (ascii.size() > 253) return;
    bool known = false;
    const std::string_view suffix = domain::public_suffix(ascii, &known);
    if (!known || suffix.size() >= ascii.size()) return;  // unknown TLD or not registrable
    const std::string_view rest = std::string_view(ascii).substr(0, ascii.size() - suffix.size() - 1);
    const std::size_t dot = rest.rfind('.');
    const std::size_t reg_len = ascii.size() - (dot == std::string_view::npos ? 0 : dot + 1);
    commit(ascii, reg_len, f, [&](std::string& u) { detail::append_utf8(name, u); });
  }

  // A candidate's names live in one text arena (ASCII form, then Unicode form): no allocation
  // per candidate; they become Candidate objects only on delivery.
  struct Entry {
    std::uint32_t offset;      // ASCII form at text_[offset], Unicode form right after it
    std::uint16_t ascii_len;
    std::uint16_t unicode_len;
    std::uint16_t registrable_len;  // the ASCII form's last registrable_len bytes
    FuzzerSet fuzzers;
  };

  template <class MakeUnicode>
  void commit(std::string_view ascii, std::size_t registrable_len, Fuzzer f, MakeUnicode&& make_unicode) {
    if (stopped_ || ascii == brand_.ascii) return;
    const auto [at, added] = seen_.insert(ascii, static_cast<std::uint32_t>(entries_.size()));
    if (!added) {
      entries_[at].fuzzers |= bit(f);
      return;
    }
    if (opt_.max != 0 && entries_.size() >= opt_.max) {
      seen_.erase_last();
      stopped_ = true;
      return;
    }
    const std::size_t offset = text_.size();
    text_ += ascii;
    make_unicode(text_);
    entries_.push_back(Entry{static_cast<std::uint32_t>(offset), static_cast<std::uint16_t>(ascii.size()),
                             static_cast<std::uint16_t>(text_.size() - offset - ascii.size()),
                             static_cast<std::uint16_t>(registrable_len), bit(f)});
  }

  // Delivers entry i through `c` (reused: its strings keep their capacity).
  bool deliver(const Entry& e, Candidate& c) const {
    const std::string_view ascii(text_.data() + e.offset, e.ascii_len);
    c.ascii.assign(ascii);
    c.unicode.assign(text_.data() + e.offset + e.ascii_len, e.unicode_len);
    c.registrable.assign(ascii.substr(ascii.size() - e.registrable_len));
    c.fuzzers = e.fuzzers;
    c.edits = 1;
    return sink_(c);
  }

  bool on(Fuzzer f) const { return (opt_.fuzzers & bit(f)) != 0; }

  // --- dnstwist's fuzzers, on the label d ---
  // The typo fuzzers build each variant in one buffer per call: no allocation per variant.
  template <class Emit> static void addition(const U32& d, Emit&& emit) {
    U32 x = d;
    x += U' ';
    for (char32_t c : U32View(U"0123456789abcdefghijklmnopqrstuvwxyz")) {
      x.back() = c;
      emit(x);
    }
  }
  template <class Emit> static void bitsquatting(const U32& d, Emit&& emit) {
    U32 x = d;
    for (std::size_t i = 0; i < d.size(); ++i) {
      for (char32_t mask = 1; mask < 256; mask <<= 1) {
        const char32_t b = d[i] ^ mask;
        if (is_ldh32(b)) {
          x[i] = b;
          emit(x);
        }
      }
      x[i] = d[i];
    }
  }
  template <class Emit> static void hyphenation(const U32& d, Emit&& emit) {
    U32 x;
    for (std::size_t i = 1; i < d.size(); ++i) {
      x.assign(d).insert(i, 1, U'-');
      emit(x);
    }
  }
  template <class Emit> void insertion(const U32& d, Emit&& emit) const {
    U32 x;
    for (std::size_t i = 1; i + 1 < d.size(); ++i) {
      if (d[i] >= 0x80) continue;
      for (Keyboard k : opt_.keyboards) {
        for (char n : neighbours(k, static_cast<char>(d[i]))) {
          x.assign(d).insert(i, 1, static_cast<char32_t>(n));
          emit(x);
          x.assign(d).insert(i + 1, 1, static_cast<char32_t>(n));
          emit(x);
        }
      }
    }
  }
  template <class Emit> static void omission(const U32& d, Emit&& emit) {
    U32 x;
    for (std::size_t i = 0; i < d.size(); ++i) {
      x.assign(d).erase(i, 1);
      emit(x);
    }
  }
  template <class Emit> static void repetition(const U32& d, Emit&& emit) {
    U32 x;
    for (std::size_t i = 0; i < d.size(); ++i) {
      x.assign(d).insert(i, 1, d[i]);
      emit(x);
    }
  }
  template <class Emit> void replacement(const U32& d, Emit&& emit) const {
    U32 x = d;
    for (std::size_t i = 0; i < d.size(); ++i) {
      if (d[i] >= 0x80) continue;
      for (Keyboard k : opt_.keyboards) {
        for (char n : neighbours(k, static_cast<char>(d[i]))) {
          x[i] = static_cast<char32_t>(n);
          emit(x);
        }
      }
      x[i] = d[i];
    }
  }
  template <class Emit> static void transposition(const U32& d, Emit&& emit) {
    U32 x = d;
    for (std::size_t i = 0; i + 1 < d.size(); ++i) {
      std::swap(x[i], x[i + 1]);
      emit(x);
      std::swap(x[i], x[i + 1]);
    }
  }
  template <class Emit> static void vowel_swap(const U32& d, Emit&& emit) {
    constexpr U32View vowels = U"aeiou";
    U32 x = d;
    for (std::size_t i = 0; i < d.size(); ++i) {
      if (vowels.find(d[i]) == U32View::npos) continue;
      for (char32_t v : vowels) {
        x[i] = v;
        emit(x);
      }
      x[i] = d[i];
    }
  }
  template <class Emit> static void plural(const U32& d, Emit&& emit) {
    // dnstwist (2023+): pluralise at every inner position; plus the plain plural at the end.
    auto suffix = [](char32_t c) { return c == 's' || c == 'x' || c == 'z' ? U32(U"es") : U32(U"s"); };
    for (std::size_t i = 2; i + 2 < d.size(); ++i) emit(d.substr(0, i + 1) + suffix(d[i]) + d.substr(i + 1));
    if (!d.empty()) emit(d + suffix(d.back()));
  }

  void homoglyph();
  void cyrillic();
  void confusable();
  void subdomain();
  void various();
  void words(const std::vector<std::string>& list, Fuzzer f);
  void typo_edits(const U32& d, FuzzerSet which, const std::function<void(U32View, Fuzzer)>& emit) const;
  std::size_t depth2();

  const domain::Name& brand_;
  const Options& opt_;
  const Sink& sink_;
  U32 sub_, label_, suffix_u_;
  std::string suffix_, sub_ascii_;
  bool brand_ascii_label_ = true;
  bool stopped_ = false;
  detail::FlatIndex seen_{4096};  // ASCII form -> index in entries_
  std::vector<Entry> entries_;
  std::string text_;     // every candidate's ASCII and Unicode forms, back to back
  std::string scratch_;  // add_label's ASCII name under construction
};

constexpr FuzzerSet kTypoFuzzers = bit(Fuzzer::addition) | bit(Fuzzer::bitsquatting) | bit(Fuzzer::hyphenation) |
                                   bit(Fuzzer::insertion) | bit(Fuzzer::omission) | bit(Fuzzer::repetition) |
                                   bit(Fuzzer::replacement) | bit(Fuzzer::transposition) | bit(Fuzzer::vowel_swap);

void Run::typo_edits(const U32& d, FuzzerSet which, const std::function<void(U32View, Fuzzer)>& emit) const {
  auto with = [&](Fuzzer f) { return [&emit, f](const U32& x) { emit(x, f); }; };
  if (which & bit(Fuzzer::addition)) addition(d, with(Fuzzer::addition));
  if (which & bit(Fuzzer::bitsquatting)) bitsquatting(d, with(Fuzzer::bitsquatting));
  if (which & bit(Fuzzer::hyphenation)) hyphenation(d, with(Fuzzer::hyphenation));
  if (which & bit(Fuzzer::insertion)) insertion(d, with(Fuzzer::insertion));
  if (which & bit(Fuzzer::omission)) omission(d, with(Fuzzer::omission));
  if (which & bit(Fuzzer::repetition)) repetition(d, with(Fuzzer::repetition));
  if (which & bit(Fuzzer::replacement)) replacement(d, with(Fuzzer::replacement));
  if (which & bit(Fuzzer::transposition)) transposition(d, with(Fuzzer::transposition));
  if (which & bit(Fuzzer::vowel_swap)) vowel_swap(d, with(Fuzzer::vowel_swap));
}

// dnstwist's homoglyph fuzzer: a window of the label, one character in it, every occurrence of
// that character in the window replaced by one glyph; then the same again on each result.
// A window selects exactly a contiguous run of that character's occurrences, and any run fits in
// a window of width < len unless it spans the whole label, so we enumerate runs instead of
// windows: the same set, without dnstwist's many duplicates.
void Run::homoglyph() {
  // Keys are the labels in UTF-8 (a quarter of their UTF-32 bytes to hash and compare, and most
  // of round 2's keys are repeats); round-1 labels are also kept in a list for round 2.
  std::string key;
  auto bytes = [&key](U32View x) {
    key.clear();
    detail::append_utf8(x, key);
    return std::string_view(key);
  };
  detail::FlatIndex all(8192);
  std::vector<U32> round1;
  U32 r;  // reused for every result: no allocation per string
  std::vector<std::size_t> pos;
  auto mix = [&r, &pos](const U32& s, auto&& out) {
    const std::size_t len = s.size();
    std::array<bool, 128> done{};
    for (std::size_t first = 0; first < len; ++first) {
      const char32_t c = s[first];
      if (c >= 128 || done[c]) continue;
      done[c] = true;
      const Glyphs* g = nullptr;
      for (const auto& e : kGlyphs) {
        if (static_cast<char32_t>(e.from) == c) g = &e;
      }
      if (g == nullptr) continue;
      pos.clear();
      for (std::size_t i = first; i < len; ++i) {
        if (s[i] == c) pos.push_back(i);
      }
      for (std::size_t a = 0; a < pos.size(); ++a) {
        for (std::size_t b = a; b < pos.size(); ++b) {
          if (pos[a] == 0 && pos[b] == len - 1) continue;  // would need a window as wide as the label
          for (U32View glyph : g->to) {
            if (glyph.empty()) break;
            if (glyph.size() == 1) {  // the common case: overwrite the run's positions in a copy
              r.assign(s);
              for (std::size_t k = a; k <= b; ++k) r[pos[k]] = glyph[0];
              out(U32View(r));
              continue;
            }
            r.clear();
            std::size_t next = a;
            for (std::size_t i = 0; i < len; ++i) {
              if (next <= b && i == pos[next]) {
                r += glyph;
                ++next;
              } else {
                r += s[i];
              }
            }
            out(U32View(r));
          }
        }
      }
    }
  };
  mix(label_, [&](U32View x) {
    if (all.insert(bytes(x), 0).second) round1.emplace_back(x);
  });
  // Round 2 is ~100x larger than round 1 and half of it repeats (two substitutions commute): the
  // same index catches the repeats before they cost an A-label conversion and a lookup. Both
  // indexes are sized for it up front (about n^2/2 new names from n round-1 names): growing
  // them step by step would copy them and touch fresh memory each time.
  const std::size_t expected = std::min<std::size_t>(round1.size() * round1.size() / 2, std::size_t{1} << 20);
  all.reserve(round1.size() + expected);
  seen_.reserve(entries_.size() + expected);
  // Round 2's index is several MiB and nearly every lookup misses the caches: labels go through
  // a short FIFO, each one's slot prefetched when it enters and looked up kLag labels later, so
  // the misses overlap. The order of add_label() calls, and so the output, is unchanged.
  struct Pending {
    U32 label;
    std::string key;  // UTF-8 of label, the index key
    std::uint32_t hash = 0;
    bool known = false;  // a round-1 label: already in the index, added without a lookup
  };
  constexpr std::size_t kLag = 8;
  std::array<Pending, kLag> fifo;
  std::size_t head = 0;  // next slot to fill; the oldest pending label once the FIFO is full
  std::size_t pending = 0;
  auto settle = [&](Pending& p) {
    if (p.known || all.insert_hashed(p.key, p.hash, 0).second) add_label(p.label, Fuzzer::homoglyph);
  };
  auto push = [&](U32View x, bool known) {
    if (pending == kLag) settle(fifo[head]);
    else ++pending;
    Pending& p = fifo[head];
    head = (head + 1) % kLag;
    p.label.assign(x);
    p.known = known;
    if (known) return;
    p.key.clear();
    detail::append_utf8(x, p.key);
    p.hash = detail::FlatIndex::hash_of(p.key);
    all.prefetch(p.hash);
  };
  for (const U32& first : round1) {
    push(first, true);
    mix(first, [&](U32View x) { push(x, false); });
  }
  for (std::size_t i = 0; i < pending; ++i) settle(fifo[(head + kLag - pending + i) % kLag]);
}

void Run::cyrillic() {
  U32 c = label_;
  for (char32_t& ch : c) {
    for (const auto& [l, cy] : kCyrillic) {
      if (ch == l) {
        ch = cy;
        break;
      }
    }
  }
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (c[i] == label_[i]) return;  // dnstwist: only whole-label conversions
  }
  add_label(c, Fuzzer::cyrillic);
}

void Run::confusable() {
  // One substitution per position, restricted to the label's own script (Latin) unless mixed
  // scripts are allowed: registries refuse mixed-script labels.
  for (std::size_t i = 0; i < label_.size(); ++i) {
    for (const auto& e : kConfusables) {
      if (static_cast<char32_t>(e.ascii) != label_[i]) continue;
      const bool same_script = e.script == kScriptLatin || e.script == kScriptCommon || e.script == kScriptInherited;
      if (!same_script && !opt_.mixed_script) continue;
      U32 x = label_;
      x[i] = e.cp;
      add_label(x, Fuzzer::confusable);
    }
  }
  // Whole-script confusables: every letter replaced by a look-alike of one other script.
  std::vector<int> scripts;
  for (const auto& e : kConfusables) {
    if (e.script != kScriptLatin && e.script > kScriptInherited &&
        std::find(scripts.begin(), scripts.end(), e.script) == scripts.end()) {
      scripts.push_back(e.script);
    }
  }
  for (int script : scripts) {
    U32 x = label_;
    bool complete = true;
    for (char32_t& ch : x) {
      if (ch >= 'a' && ch <= 'z') {
        const auto it = std::find_if(std::begin(kConfusables), std::end(kConfusables), [&](const Confusable& e) {
          return e.script == script && static_cast<char32_t>(e.ascii) == ch;
        });
        if (it == std::end(kConfusables)) {
          complete = false;
          break;
        }
        ch = it->cp;
      }
    }
    if (complete) add_label(x, Fuzzer::confusable);
  }
}

void Run::subdomain() {
  for (std::size_t i = 1; i + 1 < label_.size(); ++i) {
    const auto sep = [](char32_t c) { return c == '-' || c == '.'; };
    if (!sep(label_[i]) && !sep(label_[i - 1])) add_label(label_.substr(0, i) + U'.' + label_.substr(i), Fuzzer::subdomain);
  }
}

void Run::various() {
  const bool dotted = suffix_u_.find(U'.') != U32::npos;
  auto join = [](std::initializer_list<U32View> parts) {
    U32 r;
    for (U32View p : parts) {
      if (p.empty()) continue;
      if (!r.empty()) r += '.';
      r += p;
    }
    return r;
  };
  if (dotted) {
    add_name(join({sub_, label_, suffix_u_.substr(suffix_u_.rfind(U'.') + 1)}), Fuzzer::various);
    add_name(join({sub_, label_ + suffix_u_}), Fuzzer::various);
  } else {
    add_name(join({sub_, label_ + suffix_u_, suffix_u_}), Fuzzer::various);
    if (suffix_u_ != U"com") add_name(join({sub_, label_ + U'-' + suffix_u_, U"com"}), Fuzzer::various);
  }
  if (!sub_.empty()) {
    U32 flat = sub_, dashed = sub_;
    std::erase(flat, U'.');
    std::replace(dashed.begin(), dashed.end(), U'.', U'-');
    add_name(join({sub_ + label_, suffix_u_}), Fuzzer::various);
    add_name(join({flat + label_, suffix_u_}), Fuzzer::various);
    add_name(join({sub_ + U'-' + label_, suffix_u_}), Fuzzer::various);
    add_name(join({dashed + U'-' + label_, suffix_u_}), Fuzzer::various);
  }
}

// dnstwist's dictionary fuzzer; also used with our keyword list for combosquatting.
void Run::words(const std::vector<std::string>& list, Fuzzer f) {
  for (const std::string& w8 : list) {
    const U32 w = widen(w8);
    if (w.empty()) continue;
    if (!(label_.starts_with(w) && label_.ends_with(w))) {
      add_label(label_ + U'-' + w, f);
      add_label(label_ + w, f);
      add_label(w + U'-' + label_, f);
      add_label(w + label_, f);
    }
  }
  if (label_.find(U'-') != U32::npos) {
    const std::size_t first = label_.find(U'-'), last = label_.rfind(U'-');
    for (const std::string& w8 : list) {
      const U32 w = widen(w8);
      add_label(label_.substr(0, last) + U'-' + w, f);
      add_label(w + U'-' + label_.substr(first + 1), f);
    }
  }
}

std::size_t Run::depth2() {
  // Second edits on every typo of the first round, streamed: only a hash of each 2-edit name is
  // kept, so memory stays bounded by --max rather than by the (huge) 2-edit space.
  std::vector<std::pair<U32, FuzzerSet>> firsts;
  typo_edits(label_, opt_.fuzzers & kTypoFuzzers, [&](U32View x, Fuzzer f) {
    if (x != label_ && x.find(U'.') == U32View::npos) firsts.emplace_back(U32(x), bit(f));
  });
  std::unordered_set<std::uint64_t> seen2;
  std::size_t emitted = entries_.size();
  std::size_t delivered = 0;
  std::string ascii;
  for (const auto& [first, f1] : firsts) {
    if (stopped_) break;
    typo_edits(first, opt_.fuzzers & kTypoFuzzers, [&](U32View x, Fuzzer f2) {
      if (stopped_ || x == label_) return;
      ascii = sub_ascii_;
      const std::size_t label_start = ascii.size();
      if (!label_to_ascii(x, ascii)) return;
      ascii += '.';
      ascii += suffix_;
      if (ascii.size() > 253 || seen_.find(ascii) != detail::FlatIndex::kAbsent) return;
      if (!seen2.insert(std::hash<std::string>{}(ascii)).second) return;
      if (opt_.max != 0 && emitted >= opt_.max) {
        stopped_ = true;
        return;
      }
      Candidate c;
      c.registrable = ascii.substr(label_start);
      c.ascii = ascii;
      detail::append_utf8(sub_, c.unicode);
      if (!sub_.empty()) c.unicode += '.';
      detail::append_utf8(x, c.unicode);
      c.unicode += '.';
      detail::append_utf8(suffix_u_, c.unicode);
      c.fuzzers = f1 | bit(f2);
      c.edits = 2;
      ++emitted;
      ++delivered;
      if (!sink_(c)) stopped_ = true;
    });
  }
  return delivered;
}

std::size_t Run::run() {
  if (label_.empty()) return 0;
  typo_edits(label_, opt_.fuzzers & kTypoFuzzers, [&](U32View x, Fuzzer f) { add_label(x, f); });
  if (on(Fuzzer::plural)) plural(label_, [&](const U32& x) { add_label(x, Fuzzer::plural); });
  if (on(Fuzzer::cyrillic)) cyrillic();
  if (on(Fuzzer::homoglyph)) homoglyph();
  if (on(Fuzzer::confusable)) confusable();
  if (on(Fuzzer::subdomain)) subdomain();
  if (on(Fuzzer::dictionary)) words(opt_.dictionary, Fuzzer::dictionary);
  if (on(Fuzzer::combosquat)) words(opt_.keywords, Fuzzer::combosquat);
  if (on(Fuzzer::ascii_homoglyph)) {
    for (const auto& [from, to] : kAsciiLookalikes) {
      for (std::size_t pos = label_.find(from); pos != U32::npos; pos = label_.find(from, pos + 1)) {
        add_label(U32(label_).replace(pos, from.size(), to), Fuzzer::ascii_homoglyph);
      }
      U32 all = label_;
      replace_all(all, from, to);
      add_label(all, Fuzzer::ascii_homoglyph);
    }
  }
  if (on(Fuzzer::numeral_swap)) {
    for (const auto& [word, digits] : kNumerals) {
      for (const auto& [from, to] : {std::pair{word, digits}, std::pair{digits, word}}) {
        for (std::size_t pos = label_.find(from); pos != U32::npos; pos = label_.find(from, pos + 1)) {
          add_label(U32(label_).replace(pos, from.size(), to), Fuzzer::numeral_swap);
        }
      }
    }
  }
  if (on(Fuzzer::hyphen_strip) && label_.find(U'-') != U32::npos) {
    for (std::size_t pos = label_.find(U'-'); pos != U32::npos; pos = label_.find(U'-', pos + 1)) {
      add_label(U32(label_).erase(pos, 1), Fuzzer::hyphen_strip);
    }
    U32 all = label_;
    std::erase(all, U'-');
    add_label(all, Fuzzer::hyphen_strip);
  }
  if (on(Fuzzer::dot_dash)) {
    for (std::size_t pos = label_.find(U'-'); pos != U32::npos; pos = label_.find(U'-', pos + 1)) {
      add_label(U32(label_).replace(pos, 1, U"."), Fuzzer::dot_dash);
    }
    if (!sub_.empty()) {
      const U32 full = sub_ + U'.' + label_;
      for (std::size_t pos = full.find(U'.'); pos != U32::npos; pos = full.find(U'.', pos + 1)) {
        add_name(U32(full).replace(pos, 1, U"-") + U'.' + suffix_u_, Fuzzer::dot_dash);
      }
    }
  }
  if (on(Fuzzer::missing_dot)) {
    U32 flat = sub_.empty() ? U32(U"www") : sub_;
    std::erase(flat, U'.');
    add_name(flat + label_ + U'.' + suffix_u_, Fuzzer::missing_dot);
  }
  if (on(Fuzzer::various)) various();
  const U32 sub_prefix = sub_.empty() ? U32() : sub_ + U'.';
  if (on(Fuzzer::wrong_sld)) {
    const std::size_t dot = suffix_.find('.');
    const std::string tld = dot == std::string::npos ? suffix_ : suffix_.substr(suffix_.rfind('.') + 1);
    if (dot != std::string::npos) {
      add_name(sub_prefix + label_ + U'.' + widen(tld), Fuzzer::wrong_sld);
      add_name(sub_prefix + label_ + U".com", Fuzzer::wrong_sld);
    }
    for (std::string_view sld : kCommonSlds) {
      const std::string s = std::string(sld) + "." + tld;
      if (s != suffix_ && domain::is_public_suffix(s)) add_name(sub_prefix + label_ + U'.' + widen(s), Fuzzer::wrong_sld);
    }
  }
  for (const std::string& tld : opt_.tlds) {
    if (on(Fuzzer::tld_swap) && tld != suffix_) add_name(sub_prefix + label_ + U'.' + widen(tld), Fuzzer::tld_swap);
    if (on(Fuzzer::tld_insertion)) add_name(sub_prefix + label_ + U'.' + suffix_u_ + U'.' + widen(tld), Fuzzer::tld_insertion);
  }

  std::size_t n = 0;
  Candidate c;
  for (const Entry& e : entries_) {
    ++n;
    if (!deliver(e, c)) return n;
  }
  if (opt_.depth >= 2 && !stopped_) n += depth2();
  return n;
}

}  // namespace

std::string_view fuzzer_name(Fuzzer f) noexcept { return kNames[static_cast<std::size_t>(f)]; }

bool parse_fuzzer(std::string_view name, Fuzzer& out) noexcept {
  for (std::size_t i = 0; i < kFuzzerCount; ++i) {
    if (kNames[i] == name) {
      out = static_cast<Fuzzer>(i);
      return true;
    }
  }
  return false;
}

std::expected<FuzzerSet, std::string> parse_fuzzers(std::string_view list) {
  FuzzerSet set = 0;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = list.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == "all") {
      set |= kAllFuzzers;
    } else if (!item.empty()) {
      Fuzzer f{};
      if (!parse_fuzzer(item, f)) {
        return std::unexpected("unknown fuzzer \"" + std::string(item) + "\" (known: all, " + fuzzer_names(kAllFuzzers, ", ") + ")");
      }
      set |= bit(f);
    }
    start = comma + 1;
  }
  if (set == 0) return std::unexpected(std::string("empty fuzzer list"));
  return set;
}

std::string fuzzer_names(FuzzerSet set, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < kFuzzerCount; ++i) {
    if (set & (FuzzerSet{1} << i)) {
      if (!out.empty()) out += sep;
      out += kNames[i];
    }
  }
  return out;
}

std::size_t generate(const domain::Name& brand, const Options& options, const Sink& sink) {
  Run run(brand, options, sink);
  return run.run();
}

std::vector<Candidate> generate_all(const domain::Name& brand, const Options& options) {
  std::vector<Candidate> out;
  (void)generate(brand, options, [&](const Candidate& c) {
    out.push_back(c);
    return true;
  });
  return out;
}

}  // namespace lookalike::generator
