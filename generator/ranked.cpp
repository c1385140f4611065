// Ranked generation: the most likely look-alikes of a brand first, within a budget of names.
//
// Three lazy, best-first streams feed each other, so a budget of N costs about N steps whatever
// the size of the space:
//   1. edits: every single edit of the brand label (typo, glyph, hyphen, affix), each a span of the
//      brand label and its replacement with the model's prior, sorted by prior;
//   2. labels: the brand label itself, then edited labels by likelihood: single edits straight from
//      the sorted list merged with pairs of compatible edits (disjoint spans) from a frontier heap
//      over the upper triangle of edits x edits (popping (i, j) pushes (i, j+1), and (i+1, i+2)
//      when j == i+1: every pair is pushed after one at least as likely was popped); a label is
//      kept once, with its first (most likely) path;
//   3. names: labels x TLDs (sorted by prior) merged through a second frontier heap: popping
//      (label i, TLD j) pushes (i, j+1), and pulls label i+1 with (i+1, 0) when j == 0.
#include <algorithm>
#include <cstdio>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "generator/flat_set.hpp"
#include "generator/generator.hpp"
#include "generator/keyboards.hpp"
#include "generator/label.hpp"
#include "generator/likelihood.hpp"
#include "generator/tables.hpp"
#include "generator/unicode.hpp"

namespace lookalike::generator {
namespace detail {
std::expected<std::vector<std::string>, std::string> icann_rules();  // data.cpp
}  // namespace detail

namespace {

using U32 = std::u32string;
using U32View = std::u32string_view;

Fuzzer fuzzer_of(EditKind k) noexcept {
  switch (k) {
    case EditKind::omission:
      return Fuzzer::omission;
    case EditKind::repetition:
      return Fuzzer::repetition;
    case EditKind::transposition:
      return Fuzzer::transposition;
    case EditKind::keyboard_substitution:
    case EditKind::substitution:
      return Fuzzer::replacement;
    case EditKind::keyboard_insertion:
    case EditKind::insertion:
      return Fuzzer::insertion;
    case EditKind::vowel_swap:
      return Fuzzer::vowel_swap;
    case EditKind::bitsquat:
      return Fuzzer::bitsquatting;
    case EditKind::hyphen:
      return Fuzzer::hyphenation;
    case EditKind::hyphen_strip:
      return Fuzzer::hyphen_strip;
    case EditKind::subdomain_join:
      return Fuzzer::missing_dot;
    case EditKind::glyph_ascii:
    case EditKind::glyph_leet:
      return Fuzzer::ascii_homoglyph;
    case EditKind::accent:
    case EditKind::accent_rare:
    case EditKind::accent_marks:
    case EditKind::accent_pair:
    case EditKind::accent_all:
      return Fuzzer::homoglyph;
    case EditKind::confusable:
    case EditKind::confusable_mixed:
      return Fuzzer::confusable;
    case EditKind::script:
      return Fuzzer::cyrillic;
    case EditKind::affix_digit:
    case EditKind::affix_letter:
    case EditKind::affix_two:
      return Fuzzer::addition;
    case EditKind::affix_keyword:
    case EditKind::affix_country:
      return Fuzzer::combosquat;
  }
  return Fuzzer::addition;
}

// Look-alike glyph edits of one or a few letters, which compose as one choice (glyph-compose).
bool is_glyph(EditKind k) noexcept {
  switch (k) {
    case EditKind::glyph_ascii:
    case EditKind::glyph_leet:
    case EditKind::accent:
    case EditKind::accent_rare:
    case EditKind::accent_marks:
    case EditKind::confusable:
    case EditKind::confusable_mixed:
      return true;
    default:
      return false;
  }
}

std::string utf8(U32View s) {
  std::string out;
  detail::append_utf8(s, out);
  return out;
}

// "0.003", "1.2e-05": short and exact enough to read a ranking from.
std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// How a path step describes an edit; the text is made only for edits that reach the output.
enum class Form : std::uint8_t {
  change,  // "l>k @5": the span replaced
  insert,  // "+k @5"
  remove,  // "-l @5"
  prefix,  // "prefix my-"
  suffix,  // "suffix -2"
  every,   // "o>ö every @5,6": one glyph for every occurrence of a sequence
  pair,    // "a>á @2 o>ó @4": two vowels accented
  name,    // the replacement itself ("www-", or "cyrillic" for a whole-script label)
};

// One edit of the brand label: `repl` replaces the code points [start, end).
struct Edit {
  double p = 0;
  std::uint8_t start = 0, end = 0;
  EditKind kind{};
  Form form{};
  std::uint8_t from_len = 0, to_len = 0;  // Form::every: the sequence and its glyph
  bool whole = false;                     // rewrites the whole label (another script): never composed
  Keyboard layout{};                      // keyboard-substitution / -insertion: the layout of the slip
  U32 repl;
};

// Builds the single edits of one label, each change once with its most likely kind.
class EditList {
 public:
  EditList(const domain::Name& brand, const U32& label, const Options& o, const Model& m)
      : label_(label), opt_(o), m_(m) {
    build(brand);
    std::stable_sort(edits_.begin(), edits_.end(), [](const Edit& a, const Edit& b) { return a.p > b.p; });
    steps_.resize(edits_.size());
  }
  const std::vector<Edit>& edits() const { return edits_; }

  // The path step of edit i, e.g. "keyboard-substitution l>k @5 p=0.003" (made once, on first use).
  const std::string& step(std::size_t i) {
    std::string& s = steps_[i];
    if (s.empty()) s = describe(edits_[i]);
    return s;
  }

 private:
  double prior(EditKind k) const { return (opt_.fuzzers & bit(fuzzer_of(k))) != 0 ? m_.prior(k) : 0.0; }

  void add(EditKind kind, double p, std::size_t start, std::size_t end, U32View repl, Form form,
           std::size_t from_len = 0, std::size_t to_len = 0, Keyboard layout = Keyboard::qwerty) {
    if (p <= 0) return;
    if (label_.compare(start, end - start, repl) == 0) return;  // no change
    key_.clear();
    key_ += static_cast<char32_t>(start);
    key_ += static_cast<char32_t>(end);
    key_ += repl;
    const std::string_view bytes(reinterpret_cast<const char*>(key_.data()), key_.size() * sizeof(char32_t));
    const auto [at, added] = index_.insert(bytes, static_cast<std::uint32_t>(edits_.size()));
    Edit* e = nullptr;
    if (added) {
      e = &edits_.emplace_back();
      e->start = static_cast<std::uint8_t>(start);
      e->end = static_cast<std::uint8_t>(end);
      e->repl = U32(repl);
    } else {
      e = &edits_[at];
      if (p <= e->p) return;
    }
    e->p = p;
    e->kind = kind;
    e->form = form;
    e->from_len = static_cast<std::uint8_t>(from_len);
    e->to_len = static_cast<std::uint8_t>(to_len);
    e->whole = kind == EditKind::script;
    e->layout = layout;
  }

  std::string describe(const Edit& e) const;
  void typos();
  void glyphs();
  void affixes(const domain::Name& brand);
  void build(const domain::Name& brand) {
    if (label_.size() > 63) return;
    typos();
    glyphs();
    affixes(brand);
  }

  const U32& label_;
  const Options& opt_;
  const Model& m_;
  std::vector<Edit> edits_;
  std::vector<std::string> steps_;
  detail::FlatIndex index_{16384};  // (start, end, replacement) -> edit
  U32 key_;
};

std::string EditList::describe(const Edit& e) const {
  const U32View l(label_);
  const std::string at = " @" + std::to_string(e.start);
  std::string what;
  switch (e.form) {
    case Form::change:
      what = utf8(l.substr(e.start, e.end - e.start)) + ">" + utf8(e.repl) + at;
      break;
    case Form::insert:
      what = "+" + utf8(e.repl) + at;
      break;
    case Form::remove:
      what = "-" + utf8(l.substr(e.start, e.end - e.start)) + at;
      break;
    case Form::prefix:
      what = "prefix " + utf8(e.repl);
      break;
    case Form::suffix:
      what = "suffix " + utf8(e.repl);
      break;
    case Form::name:
      what = e.whole ? std::string("cyrillic") : utf8(e.repl);
      break;
    case Form::pair:
      what = utf8(l.substr(e.start, 1)) + ">" + utf8(e.repl.substr(0, 1)) + at + " " + utf8(l.substr(e.end - 1, 1)) +
             ">" + utf8(e.repl.substr(e.repl.size() - 1)) + " @" + std::to_string(e.end - 1);
      break;
    case Form::every: {
      const U32View from = l.substr(e.start, e.from_len);
      what = utf8(from) + ">" + utf8(e.repl.substr(0, e.to_len)) + " every @";
      bool first = true;
      for (std::size_t pos = l.find(from, e.start); pos != U32View::npos && pos < e.end;
           pos = l.find(from, pos + from.size())) {
        what += (first ? "" : ",") + std::to_string(pos);
        first = false;
      }
      break;
    }
  }
  if (e.kind == EditKind::keyboard_substitution || e.kind == EditKind::keyboard_insertion) {
    what += " ";
    what += keyboard_name(e.layout);
  }
  return std::string(edit_kind_name(e.kind)) + " " + what + " p=" + number(e.p);
}

constexpr U32View kLdh = U"abcdefghijklmnopqrstuvwxyz0123456789";

void EditList::typos() {
  const std::size_t n = label_.size();
  U32 r(1, U' ');
  for (std::size_t i = 0; i < n; ++i) {
    const char32_t c = label_[i];
    add(EditKind::omission, prior(EditKind::omission), i, i + 1, U"", Form::remove);
    if (c != '-')
      add(EditKind::repetition, prior(EditKind::repetition), i + 1, i + 1, U32View(&label_[i], 1), Form::insert);
    if (i + 1 < n && c != label_[i + 1]) {
      const char32_t swapped[2] = {label_[i + 1], c};
      add(EditKind::transposition, prior(EditKind::transposition), i, i + 2, U32View(swapped, 2), Form::change);
    }
    if (c == '-') {
      add(EditKind::hyphen_strip, prior(EditKind::hyphen_strip), i, i + 1, U"", Form::remove);
      continue;
    }
    if (c >= 0x80) continue;
    for (Keyboard k : opt_.keyboards) {
      const double f = m_.layout[static_cast<std::size_t>(k)];
      for (char nb : neighbours(k, static_cast<char>(c))) {
        r[0] = static_cast<char32_t>(nb);
        add(EditKind::keyboard_substitution, prior(EditKind::keyboard_substitution) * f, i, i + 1, r, Form::change, 0,
            0, k);
        add(EditKind::keyboard_insertion, prior(EditKind::keyboard_insertion) * f, i, i, r, Form::insert, 0, 0, k);
        add(EditKind::keyboard_insertion, prior(EditKind::keyboard_insertion) * f, i + 1, i + 1, r, Form::insert, 0, 0,
            k);
      }
    }
    constexpr U32View vowels = U"aeiou";
    if (vowels.find(c) != U32View::npos) {
      for (char32_t v : vowels)
        add(EditKind::vowel_swap, prior(EditKind::vowel_swap), i, i + 1, U32View(&v, 1), Form::change);
    }
    for (const char32_t& x : kLdh)
      add(EditKind::substitution, prior(EditKind::substitution), i, i + 1, U32View(&x, 1), Form::change);
    for (char32_t mask = 1; mask < 128; mask <<= 1) {
      const char32_t b = c ^ mask;
      if (detail::is_ldh32(b))
        add(EditKind::bitsquat, prior(EditKind::bitsquat), i, i + 1, U32View(&b, 1), Form::change);
    }
  }
  for (std::size_t pos = 1; pos < n; ++pos) {
    for (const char32_t& x : kLdh)
      add(EditKind::insertion, prior(EditKind::insertion), pos, pos, U32View(&x, 1), Form::insert);
    if (label_[pos - 1] != '-' && label_[pos] != '-')
      add(EditKind::hyphen, prior(EditKind::hyphen), pos, pos, U"-", Form::insert);
  }
}

void EditList::glyphs() {
  const std::size_t n = label_.size();
  // One glyph for one occurrence of a letter, or for every occurrence (faceböök, 0utl00k).
  std::vector<std::size_t> at_pos;
  auto place = [&](EditKind kind, double p, U32View from, U32View to) {
    if (p <= 0) return;
    at_pos.clear();
    for (std::size_t pos = label_.find(from); pos != U32::npos; pos = label_.find(from, pos + from.size()))
      at_pos.push_back(pos);
    for (std::size_t pos : at_pos) add(kind, p, pos, pos + from.size(), to, Form::change);
    if (at_pos.size() < 2) return;
    U32 r = label_.substr(at_pos.front(), at_pos.back() + from.size() - at_pos.front());
    for (std::size_t i = at_pos.size(); i-- > 0;) r.replace(at_pos[i] - at_pos.front(), from.size(), to);
    add(kind, p * m_.every_occurrence, at_pos.front(), at_pos.back() + from.size(), r, Form::every, from.size(),
        to.size());
  };
  // Sequences that read the same in most fonts (rn/m, 0/o, 1/l) versus leet digits (a/4, e/3, s/5)
  // and near shapes (u/v, q/g), which a reader notices more easily.
  constexpr std::pair<U32View, U32View> kSame[] = {{U"m", U"rn"}, {U"rn", U"m"}, {U"m", U"nn"}, {U"nn", U"m"},
                                                   {U"d", U"cl"}, {U"cl", U"d"}, {U"w", U"vv"}, {U"vv", U"w"},
                                                   {U"o", U"0"},  {U"0", U"o"},  {U"l", U"1"},  {U"1", U"l"},
                                                   {U"i", U"1"},  {U"1", U"i"},  {U"l", U"i"},  {U"i", U"l"}};
  for (const auto& [from, to] : detail::kAsciiLookalikes) {
    const bool same = std::find(std::begin(kSame), std::end(kSame), std::pair{from, to}) != std::end(kSame);
    const EditKind k = same ? EditKind::glyph_ascii : EditKind::glyph_leet;
    place(k, prior(k), from, to);
  }

  // An accented letter of a Unicode brand (münchen) without its mark or with another one.
  auto accent_kind = [](int tier) {
    return tier == 1 ? EditKind::accent : tier == 2 ? EditKind::accent_rare : EditKind::accent_marks;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const auto it = std::find_if(std::begin(detail::kAccents), std::end(detail::kAccents),
                                 [c = label_[i]](const detail::Accent& a) { return a.cp == c; });
    if (it == std::end(detail::kAccents) || label_.find(label_[i]) != i) continue;  // once per letter
    const U32View from(&label_[i], 1);
    const auto base = static_cast<char32_t>(it->ascii);
    place(accent_kind(it->tier), prior(accent_kind(it->tier)), from, U32View(&base, 1));
    for (const auto& a : detail::kAccents) {
      if (a.ascii == it->ascii && a.cp != it->cp)
        place(accent_kind(a.tier), prior(accent_kind(a.tier)), from, U32View(&a.cp, 1));
    }
  }
  std::array<bool, 128> done{};
  for (std::size_t i = 0; i < n; ++i) {
    const char32_t c = label_[i];
    if (c >= 128 || done[c]) continue;
    done[c] = true;
    const U32View from(&label_[i], 1);
    for (const auto& a : detail::kAccents) {
      if (static_cast<char32_t>(a.ascii) != c) continue;
      place(accent_kind(a.tier), prior(accent_kind(a.tier)), from, U32View(&a.cp, 1));
    }
    for (const auto& e : detail::kConfusables) {
      if (static_cast<char32_t>(e.ascii) != c) continue;
      const bool same_script =
          e.script == detail::kScriptLatin || e.script == detail::kScriptCommon || e.script == detail::kScriptInherited;
      // Another script's glyph in a Latin label is ranked at its own, lower prior unless the
      // caller asked for mixed scripts (then it is as likely as a same-script confusable).
      const EditKind k = same_script || opt_.mixed_script ? EditKind::confusable : EditKind::confusable_mixed;
      place(k, prior(k), from, U32View(&e.cp, 1));
    }
    for (const auto& g : detail::kGlyphs) {
      if (static_cast<char32_t>(g.from) != c) continue;
      for (U32View to : g.to) {
        if (to.size() == 1 && to[0] >= 0x80) place(EditKind::confusable, prior(EditKind::confusable), from, to);
      }
    }
  }
  // Two vowels accented at once (amázón, sántandér): one edit, not two composed ones, because an
  // attacker who reaches for accents marks several letters as one choice.
  const double pair = prior(EditKind::accent_pair);
  constexpr U32View vowels = U"aeiou";
  U32 r;
  for (std::size_t i = 0; pair > 0 && i < n; ++i) {
    if (vowels.find(label_[i]) == U32View::npos) continue;
    for (std::size_t j = i + 1; j < n; ++j) {
      if (vowels.find(label_[j]) == U32View::npos) continue;
      for (const auto& a : detail::kAccents) {
        if (a.tier != 1 || static_cast<char32_t>(a.ascii) != label_[i]) continue;
        for (const auto& b : detail::kAccents) {
          if (b.tier != 1 || static_cast<char32_t>(b.ascii) != label_[j]) continue;
          r.assign(label_, i, j + 1 - i);
          r.front() = a.cp;
          r.back() = b.cp;
          add(EditKind::accent_pair, pair, i, j + 1, r, Form::pair);
        }
      }
    }
  }
  // One accent on every vowel that takes it (ăpplĕ): the attacker picks a mark, not letters.
  const double all = prior(EditKind::accent_all);
  std::vector<char32_t> marks;
  for (const auto& a : detail::kAccents) {
    if (a.tier == 1 && std::find(marks.begin(), marks.end(), a.mark) == marks.end()) marks.push_back(a.mark);
  }
  for (std::size_t m = 0; all > 0 && m < marks.size(); ++m) {
    r = label_;
    std::size_t first = n, last = 0, changed = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (vowels.find(label_[i]) == U32View::npos) continue;
      const auto it = std::find_if(std::begin(detail::kAccents), std::end(detail::kAccents), [&](const auto& a) {
        return a.tier == 1 && a.mark == marks[m] && static_cast<char32_t>(a.ascii) == label_[i];
      });
      if (it == std::end(detail::kAccents)) continue;
      r[i] = it->cp;
      first = std::min(first, i);
      last = i;
      ++changed;
    }
    if (changed >= 2) add(EditKind::accent_all, all, first, last + 1, U32View(r).substr(first, last + 1 - first), Form::change);
  }
  // The whole label in Cyrillic look-alikes (dnstwist's table), when every letter has one.
  U32 cyr = label_;
  bool complete = true;
  for (char32_t& c : cyr) {
    if (c < 'a' || c > 'z') continue;
    const auto it = std::find_if(std::begin(detail::kCyrillic), std::end(detail::kCyrillic),
                                 [c](const auto& e) { return e.first == c; });
    if (it == std::end(detail::kCyrillic)) {
      complete = false;
      break;
    }
    c = it->second;
  }
  if (complete && n > 0) add(EditKind::script, prior(EditKind::script), 0, n, cyr, Form::name);
}

// Two-letter country-code TLDs: the ISO 3166-1 codes, taken from the Public Suffix List.
const std::vector<std::string>& country_codes() {
  static const std::vector<std::string> codes = [] {
    std::vector<std::string> out;
    for (char a = 'a'; a <= 'z'; ++a) {
      for (char b = 'a'; b <= 'z'; ++b) {
        const std::string cc{a, b};
        if (domain::is_public_suffix(cc)) out.push_back(cc);
      }
    }
    return out;
  }();
  return codes;
}

void EditList::affixes(const domain::Name& brand) {
  const std::size_t n = label_.size();
  U32 r;
  auto affix = [&](EditKind k, double p, std::string_view word) {
    if (p <= 0 || word.empty()) return;
    for (bool prefix : {false, true}) {
      for (bool hyphen : {false, true}) {
        const double q = p * (prefix ? m_.affix_prefix : 1.0) * (hyphen ? m_.affix_hyphen : 1.0);
        r.clear();
        if (hyphen && !prefix) r += U'-';
        r.append(word.begin(), word.end());
        if (hyphen && prefix) r += U'-';
        add(k, q, prefix ? 0 : n, prefix ? 0 : n, r, prefix ? Form::prefix : Form::suffix);
      }
    }
  };
  for (char d = '0'; d <= '9'; ++d) affix(EditKind::affix_digit, prior(EditKind::affix_digit), std::string_view(&d, 1));
  for (char l = 'a'; l <= 'z'; ++l)
    affix(EditKind::affix_letter, prior(EditKind::affix_letter), std::string_view(&l, 1));
  for (const std::string& w : opt_.keywords) affix(EditKind::affix_keyword, prior(EditKind::affix_keyword), w);
  for (const std::string& cc : country_codes()) affix(EditKind::affix_country, prior(EditKind::affix_country), cc);
  // Any two letters or digits as one token (a country code keeps its larger prior).
  char two[2];
  for (const char32_t x : kLdh) {
    for (const char32_t y : kLdh) {
      two[0] = static_cast<char>(x);
      two[1] = static_cast<char>(y);
      affix(EditKind::affix_two, prior(EditKind::affix_two), std::string_view(two, 2));
    }
  }
  // The subdomain (or "www") joined to the label: a missing dot (wwwpaypal) or a dash for it.
  std::string sub = brand.subdomain.empty() ? "www" : brand.subdomain;
  std::replace(sub.begin(), sub.end(), '.', '-');
  const U32 s(sub.begin(), sub.end());
  const double p = prior(EditKind::subdomain_join);
  add(EditKind::subdomain_join, p, 0, 0, s, Form::name);
  add(EditKind::subdomain_join, p * m_.affix_hyphen, 0, 0, s + U'-', Form::name);
}

// Which names need the Public Suffix List's word on whether they are registrable: "label.tld" is
// a public suffix only when the list has that rule ("co" + "uk") or a wildcard under the TLD
// ("*.ck"). The labels of such rules are collected once from the list, so the (costly) lookup runs
// for the few labels that are one; without the list file every name is looked up.
struct SuffixRules {
  bool known = false;                                   // the list file was read
  detail::FlatIndex labels{16384};                      // first labels of every multi-label rule ("co", "kawasaki")
  std::set<std::string, std::less<>> wildcard_parents;  // "ck" for "*.ck"
};

const SuffixRules& suffix_rules() {
  static const SuffixRules rules = [] {
    SuffixRules r;
    auto lines = detail::icann_rules();
    if (!lines) return r;
    r.known = true;
    for (std::string line : *lines) {
      if (line.front() == '!') line.erase(0, 1);
      const std::size_t dot = line.find('.');
      if (dot == std::string::npos) continue;
      const std::string first = line.substr(0, dot);
      if (first == "*") {
        auto parent = domain::to_ascii(line.substr(dot + 1));
        if (parent) r.wildcard_parents.insert(*parent);
      } else if (auto a = domain::to_ascii(first)) {
        (void)r.labels.insert(*a, 0);
      }
    }
    return r;
  }();
  return rules;
}

struct Tld {
  std::string ascii, unicode, step;
  double p = 0;
  bool own = false, idn = true;
  bool wildcard = false;  // the list has "*.<this TLD>" (or was not read): look every name up
};

// The ranked enumeration of one brand.
class Ranker {
 public:
  Ranker(const domain::Name& brand, const Options& o, const Model& m)
      : brand_(brand),
        opt_(o),
        m_(m),
        label_(brand_label(brand)),
        ascii_brand_(std::all_of(label_.begin(), label_.end(), [](char32_t c) { return c < 0x80; })),
        edits_(brand, label_, o, m) {
    seen_.insert(brand.label, 0);
    if (o.depth >= 2) {
      const auto& e = edits_.edits();
      for (std::size_t i = 0; i + 1 < e.size(); ++i) {
        if (!e[i].whole) {
          pairs_.push(Pair{e[i].p * e[i + 1].p, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i + 1)});
          break;
        }
      }
      // Given a first look-alike glyph, a second one with probability glyph-compose, spread over
      // the label's glyph variants in proportion to their priors: p(a) p(b) glyph-compose / sum.
      double sum = 0;
      for (std::size_t i = 0; i < e.size(); ++i) {
        if (!is_glyph(e[i].kind)) continue;
        glyphs_.push_back(static_cast<std::uint32_t>(i));
        sum += e[i].p;
      }
      glyph_factor_ = sum > 0 ? m.glyph_compose / sum : 0;
      // Only where that makes a pair more likely than two independent choices.
      if (glyphs_.size() >= 2 && glyph_factor_ > 1) glyph_pairs_.push(Pair{glyph_pair_p(0, 1), 0, 1});
      glyph_compose_step_ = "glyph-compose p=" + number(glyph_factor_);
    }
    build_tlds();
  }

  std::size_t run(std::size_t budget, const Sink& sink);

 private:
  static U32 brand_label(const domain::Name& brand) {
    const U32 u = detail::to_u32(brand.unicode);
    // The registrable label is the Unicode name's label just left of the suffix.
    const std::size_t suffix_labels =
        static_cast<std::size_t>(std::count(brand.suffix.begin(), brand.suffix.end(), '.')) + 1;
    std::size_t end = u.size();
    for (std::size_t k = 0; k < suffix_labels; ++k) end = u.rfind(U'.', end - 1);
    const std::size_t start = u.rfind(U'.', end - 1);
    return u.substr(start == U32::npos ? 0 : start + 1, end - (start == U32::npos ? 0 : start + 1));
  }

  struct Pair {
    double p;
    std::uint32_t i, j;
    // Max-heap on p; equal p: the smaller (i, j) first, so the order is deterministic.
    bool operator<(const Pair& o) const { return p != o.p ? p < o.p : (i != o.i ? i > o.i : j > o.j); }
  };
  struct Label {
    double p;
    std::int32_t e1, e2;   // edits in label order (-1: none)
    bool glyph_compose;    // e1 and e2 are look-alike glyphs composed as one choice
    std::uint32_t offset;  // ASCII form at text_[offset], Unicode form right after it
    std::uint16_t ascii_len, unicode_len;
    bool idn;
    bool rule_label = true;  // the label is the first label of a public-suffix rule: look names up
  };
  struct Cell {
    double p;
    std::uint32_t label, tld;
    bool operator<(const Cell& o) const {
      return p != o.p ? p < o.p : (label != o.label ? label > o.label : tld > o.tld);
    }
  };

  void build_tlds();
  bool next_label();
  bool keep(const U32& label, double p, std::int32_t e1, std::int32_t e2, bool glyph_compose = false);
  // Likelihood of the glyph pair (i, j) of glyphs_ (i < j): both priors times the glyph-compose factor.
  double glyph_pair_p(std::uint32_t i, std::uint32_t j) const {
    const auto& e = edits_.edits();
    return e[glyphs_[i]].p * e[glyphs_[j]].p * glyph_factor_;
  }
  // Pops the best pair of `heap` (indices into a list of `size` sorted entries) and pushes its
  // successors, so every pair is pushed after one at least as likely was popped.
  template <class Prob>
  static Pair pop_pair(std::priority_queue<Pair>& heap, std::size_t size, const Prob& prob) {
    const Pair top = heap.top();
    heap.pop();
    if (top.j + 1 < size) heap.push(Pair{prob(top.i, top.j + 1), top.i, top.j + 1});
    if (top.j == top.i + 1 && top.i + 2 < size) heap.push(Pair{prob(top.i + 1, top.i + 2), top.i + 1, top.i + 2});
    return top;
  }
  // The brand label with one edit, or two disjoint ones (a before b), in a reused buffer.
  const U32& apply(const Edit& a) {
    work_.assign(label_, 0, a.start);
    work_ += a.repl;
    work_.append(label_, a.end);
    return work_;
  }
  const U32& apply(const Edit& a, const Edit& b) {
    work_.assign(label_, 0, a.start);
    work_ += a.repl;
    work_.append(label_, a.end, b.start - a.end);
    work_ += b.repl;
    work_.append(label_, b.end);
    return work_;
  }

  const domain::Name& brand_;
  const Options& opt_;
  const Model& m_;
  U32 label_;
  bool ascii_brand_;
  EditList edits_;
  std::vector<Tld> tlds_;
  bool unchanged_done_ = false;
  std::size_t d1_ = 0;                                                             // next single edit
  std::priority_queue<Pair> pairs_;                                                // frontier of edit pairs
  std::vector<std::uint32_t> glyphs_;                                              // glyph edits, as indices of edits
  std::priority_queue<Pair> glyph_pairs_;                                          // frontier of glyph pairs (of glyphs_)
  std::vector<std::pair<double, std::pair<std::int32_t, std::int32_t>>> pending_;  // second order of a same-point pair
  detail::FlatIndex seen_{1024};                                                   // labels kept (A-label)
  std::vector<Label> labels_;
  std::string text_;
  std::string scratch_;
  U32 work_;
  const std::string unchanged_step_ = "unchanged p=" + number(m_.unchanged);
  double glyph_factor_ = 0;          // glyph-compose over the sum of the label's glyph priors
  std::string glyph_compose_step_;
};

void Ranker::build_tlds() {
  std::vector<std::string> list;
  if ((opt_.fuzzers & bit(Fuzzer::tld_swap)) != 0) list = opt_.tlds;
  if (std::find(list.begin(), list.end(), brand_.suffix) == list.end()) list.insert(list.begin(), brand_.suffix);
  for (const std::string& t : list) {
    Tld x;
    x.ascii = t;
    auto u = domain::to_unicode(t);
    x.unicode = u ? *u : t;
    x.own = t == brand_.suffix;
    x.p = m_.tld_prior(t, brand_.suffix);
    x.idn = m_.accepts_idn(t);
    const SuffixRules& rules = suffix_rules();
    x.wildcard = !rules.known || rules.wildcard_parents.contains(t);
    x.step = "tld " + x.unicode + " p=" + number(x.p);
    if (x.p > 0) tlds_.push_back(std::move(x));
  }
  std::stable_sort(tlds_.begin(), tlds_.end(),
                   [](const Tld& a, const Tld& b) { return a.p > b.p || (a.p == b.p && a.own && !b.own); });
}

bool Ranker::keep(const U32& label, double p, std::int32_t e1, std::int32_t e2, bool glyph_compose) {
  scratch_.clear();
  if (!detail::append_label(label, ascii_brand_, scratch_)) return false;
  if (!seen_.insert(scratch_, 0).second) return false;
  Label l{p,     e1, e2, glyph_compose, static_cast<std::uint32_t>(text_.size()), static_cast<std::uint16_t>(scratch_.size()),
          0, false, true};
  text_ += scratch_;
  const std::size_t before = text_.size();
  detail::append_utf8(label, text_);
  l.unicode_len = static_cast<std::uint16_t>(text_.size() - before);
  l.idn = std::any_of(label.begin(), label.end(), [](char32_t c) { return c >= 0x80; });
  const SuffixRules& rules = suffix_rules();
  l.rule_label = !rules.known || rules.labels.find(scratch_) != detail::FlatIndex::kAbsent;
  labels_.push_back(l);
  return true;
}

bool Ranker::next_label() {
  const auto& e = edits_.edits();
  while (true) {
    // The most likely of: the brand's own label, the next single edit, a pending pair order, the
    // best pair on the frontier.
    const double pu = unchanged_done_ ? -1 : m_.unchanged;
    const double p1 = d1_ < e.size() ? e[d1_].p : -1;
    const double pp = pending_.empty() ? -1 : pending_.back().first;
    const double p2 = pairs_.empty() ? -1 : pairs_.top().p;
    const double pg = glyph_pairs_.empty() ? -1 : glyph_pairs_.top().p;
    const double best = std::max({pu, p1, pp, p2, pg});
    if (best <= 0) return false;
    if (pu == best) {
      unchanged_done_ = true;
      labels_.push_back(Label{pu, -1, -1, false, static_cast<std::uint32_t>(text_.size()),
                              static_cast<std::uint16_t>(brand_.label.size()), 0, !ascii_brand_, true});
      text_ += brand_.label;
      const std::size_t before = text_.size();
      detail::append_utf8(label_, text_);
      labels_.back().unicode_len = static_cast<std::uint16_t>(text_.size() - before);
      return true;
    }
    if (p1 == best) {
      const auto i = static_cast<std::int32_t>(d1_++);
      if (keep(apply(e[static_cast<std::size_t>(i)]), p1, i, -1)) return true;
      continue;
    }
    if (pp == best) {
      const auto [a, b] = pending_.back().second;
      pending_.pop_back();
      if (keep(apply(e[static_cast<std::size_t>(a)], e[static_cast<std::size_t>(b)]), pp, a, b)) return true;
      continue;
    }
    if (pg == best) {
      const Pair top = pop_pair(glyph_pairs_, glyphs_.size(), [this](std::uint32_t i, std::uint32_t j) {
        return glyph_pair_p(i, j);
      });
      auto a = static_cast<std::int32_t>(glyphs_[top.i]), b = static_cast<std::int32_t>(glyphs_[top.j]);
      if (e[static_cast<std::size_t>(b)].start < e[static_cast<std::size_t>(a)].start) std::swap(a, b);
      const Edit& x = e[static_cast<std::size_t>(a)];
      const Edit& y = e[static_cast<std::size_t>(b)];
      if (x.end > y.start) continue;  // overlapping spans
      if (keep(apply(x, y), top.p, a, b, true)) return true;
      continue;
    }
    const Pair top = pairs_.top();
    pairs_.pop();
    if (top.j + 1 < e.size()) pairs_.push(Pair{e[top.i].p * e[top.j + 1].p, top.i, top.j + 1});
    if (top.j == top.i + 1) {
      for (std::uint32_t i = top.i + 1; i + 1 < e.size(); ++i) {
        if (!e[i].whole) {
          pairs_.push(Pair{e[i].p * e[i + 1].p, i, i + 1});
          break;
        }
      }
    }
    if (e[top.j].whole) continue;
    auto a = static_cast<std::int32_t>(top.i), b = static_cast<std::int32_t>(top.j);
    const Edit* x = &e[top.i];
    const Edit* y = &e[top.j];
    if (y->start < x->start || (y->start == x->start && y->end < x->end)) {
      std::swap(x, y);
      std::swap(a, b);
    }
    if (x->end > y->start) continue;  // overlapping spans
    if (x->start == x->end && y->start == y->end && x->start == y->start) pending_.push_back({top.p, {b, a}});
    if (keep(apply(*x, *y), top.p, a, b)) return true;
  }
}

std::size_t Ranker::run(std::size_t budget, const Sink& sink) {
  if (tlds_.empty() || budget == 0) return 0;
  std::priority_queue<Cell> cells;
  if (next_label()) cells.push(Cell{labels_[0].p * tlds_[0].p, 0, 0});
  const auto& e = edits_.edits();
  std::size_t delivered = 0;
  Candidate c;
  while (delivered < budget && !cells.empty()) {
    const Cell top = cells.top();
    cells.pop();
    const Label& l = labels_[top.label];
    if (top.tld + 1 < tlds_.size()) cells.push(Cell{l.p * tlds_[top.tld + 1].p, top.label, top.tld + 1});
    if (top.tld == 0 && next_label()) {
      const auto i = static_cast<std::uint32_t>(labels_.size() - 1);
      cells.push(Cell{labels_[i].p * tlds_[0].p, i, 0});
    }
    const Label& lab = labels_[top.label];  // labels_ may have grown
    const Tld& t = tlds_[top.tld];
    if (lab.e1 < 0 && t.own) continue;  // the brand itself
    if (lab.idn && !t.idn) continue;
    const std::string_view ascii(text_.data() + lab.offset, lab.ascii_len);
    if (ascii.size() + 1 + t.ascii.size() > 253) continue;
    c.ascii.assign(ascii);
    c.ascii += '.';
    c.ascii += t.ascii;
    // A label that makes a longer public suffix with the TLD ("co" + "uk") is not registrable.
    if ((lab.rule_label || t.wildcard) && domain::is_public_suffix(c.ascii)) continue;
    c.unicode.assign(text_.data() + lab.offset + lab.ascii_len, lab.unicode_len);
    c.unicode += '.';
    c.unicode += t.unicode;
    c.registrable = c.ascii;
    c.likelihood = top.p;
    c.fuzzers = t.own ? 0 : bit(Fuzzer::tld_swap);
    c.edits = static_cast<std::uint8_t>((lab.e1 >= 0) + (lab.e2 >= 0) + (t.own ? 0 : 1));
    std::size_t steps = 0;
    auto step = [&](const std::string& s) {
      if (c.path.size() <= steps) c.path.emplace_back();
      c.path[steps++].assign(s);
    };
    if (lab.e1 < 0) step(unchanged_step_);
    for (std::int32_t k : {lab.e1, lab.e2}) {
      if (k < 0) continue;
      c.fuzzers |= bit(fuzzer_of(e[static_cast<std::size_t>(k)].kind));
      step(edits_.step(static_cast<std::size_t>(k)));
    }
    if (lab.glyph_compose) step(glyph_compose_step_);
    step(t.step);
    c.path.resize(steps);
    ++delivered;
    if (!sink(c)) break;
  }
  return delivered;
}

}  // namespace

std::size_t generate_ranked(const domain::Name& brand, const Options& options, std::size_t budget, const Sink& sink) {
  if (options.max != 0) budget = std::min(budget, options.max);
  Ranker r(brand, options, options.model != nullptr ? *options.model : default_model());
  return r.run(budget, sink);
}

}  // namespace lookalike::generator
