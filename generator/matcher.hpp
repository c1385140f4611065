// Matching names to brands: the inverse of generation. Given a name seen in a feed (a CT log, a
// list of newly registered domains), which brands does it imitate, and how?
//
// Design (cost per name nearly independent of the number of brands; no allocation per name once
// the thread's scratch buffers have grown):
// - The name is split once into labels; the public suffix comes from the PSL (libpsl via the
//   domain model), with a per-TLD shortcut for TLDs that have no deeper ICANN rule.
// - Every non-suffix label (registrable label and subdomain labels) is looked up in:
//   * an exact map of brand labels (tld-swap for the registrable label, combosquat for a
//     subdomain label such as login.paypal.com.evil.tld);
//   * a symmetric-delete index for Damerau-Levenshtein (optimal string alignment) distance:
//     every brand label's deletion neighbourhood (up to k deletions) is hashed into one
//     open-addressing table behind a cache-sized bit filter; a label probes only its own
//     deletion neighbourhood and verifies the few candidates with a bounded DP. Hashes of
//     deletion variants are O(1) each (polynomial prefix hashes), so nothing is materialised.
//     Labels longer than the longest brand label + 2 skip the probe. Distance-1 edits that hit
//     an adjacent key (substitution, or an insertion next to the key it neighbours) are reported
//     as `keyboard`;
//   * a hash map of homoglyph keys: each label folded by ASCII look-alike classes (rn/m/nn/rr,
//     cl/d, vv/w, 0/o, 1/l/i, b/d, c/e, g/q ... dnstwist's ASCII glyph table). A-labels (xn--)
//     are first decoded and reduced to their UTS #39 skeleton (ICU), lower-cased, stripped of
//     combining marks, then folded the same way; only those labels pay for ICU;
//   * an Aho-Corasick automaton (dense transitions over a-z0-9-) of brand labels and keywords
//     for combosquats: a hit counts at hyphen token boundaries for any length, and inside a
//     token only for patterns of at least `substring_min_length` characters (short brands such
//     as "hp" would otherwise match everywhere).
// - The registrable label alone is also checked for composed look-alikes (an attacker falls back
//   on them when the brand's label is taken; a subdomain label can spell the brand exactly):
//   * strong glyphs (digits for letters, i/l/1) and at most one vowel swap beside one real edit
//     (dr0pbox4, paypais, papyil), for brand labels of `composed_min_length` (6) or more; a vowel
//     swap only when the label keeps the brand's length and first and last letters. One probe of
//     a second symmetric-delete index over a coarse key (vowels, glyphs and l as one symbol),
//     verified by a weighted distance (glyph 0, vowel swap 1/2, other edits 1);
//   * the brand through strong glyphs with a prefix or suffix of up to two characters (paypaily);
//   * the label without its hyphens (am-az-on, pay-pa1): exact, homoglyph and composed checks,
//     distances reported against the label as seen.
//   Composed matches rank after plain edits and are reported as `homoglyph` when a glyph is part
//   of them, `edit` otherwise. Brand labels shorter than 6 need an exact skeleton.
// - Adjacent label pairs around the registrable label are also checked with the dot removed
//   (pay.pal.com, example.bank for example-bank.com) as edits of distance 1.
// - A label that matched nothing is remembered per thread and matcher (a direct-mapped memo of
//   1,024 labels, generator/label_memo.hpp) and skipped when it comes again: CT names repeat
//   their labels (a certificate's SANs share the registrable label, www/mail/autodiscover ...
//   recur), and a label's checks depend on the label and its role (registrable or not) alone.
// - Per name and brand only the strongest match is reported, in the order tld-swap, homoglyph,
//   keyboard, edit, combosquat (registrable label before subdomain labels, then lower distance).
//   Names equal to or under the brand's registrable domain or one of its owned domains never match.
// Edit distance k by brand label length (defaults): none below 4 characters, 1 for 4-7, 2 for 8
// and more (k is capped at 2). A subdomain label must itself be at least 4 characters long to
// match by edits (www, api, dev would otherwise meet every 4-letter brand). Brand labels shorter
// than 4 still match by tld-swap, homoglyph and combosquat tokens. Cost grows with the number of
// matches a name really has (verification and output), not with the number of brands.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "generator/keyboards.hpp"

namespace lookalike::generator {

// How a name imitates a brand, from the most to the least specific.
enum class Rule : std::uint8_t { tld_swap, homoglyph, keyboard, edit, combosquat };

// "tld-swap", "homoglyph", "keyboard", "edit", "combosquat".
[[nodiscard]] std::string_view rule_name(Rule r) noexcept;

// One brand of the watchlist: its domain (any form domain::parse accepts), optional combosquat
// keywords (LDH words) and domains it owns (never reported, with their subdomains).
struct BrandSpec {
  std::string domain;
  std::vector<std::string> keywords;
  std::vector<std::string> owned;
};

struct MatchOptions {
  std::size_t k1_min_length = 4;         // brand labels at least this long allow 1 edit
  std::size_t k2_min_length = 8;         // ... and at least this long allow 2 edits
  std::size_t substring_min_length = 4;  // combosquat inside a token needs a pattern this long
  // Composed look-alikes (strong glyphs and at most one vowel swap beside one real edit, or the
  // brand through glyphs with a prefix or suffix of up to two characters) for brand labels at
  // least this long (0: off). Shorter brands need an exact skeleton.
  std::size_t composed_min_length = 6;
  std::vector<Keyboard> keyboards{kAllKeyboards.begin(), kAllKeyboards.end()};
};

// One brand a name imitates. `brand` points into the Matcher (the brand's registrable domain,
// A-label); `matched_label` points into the name passed to match(). `distance` is the
// Damerau-Levenshtein distance between the matched label and the brand label (code points for
// A-labels), 0 for tld-swap and combosquat.
struct Match {
  std::string_view brand;
  Rule rule = Rule::edit;
  int distance = 0;
  std::string_view matched_label;
};

// Why a watchlist could not be indexed; `index` is the brand's position in the input.
struct MatcherError {
  std::size_t index = 0;
  std::string message;
};

// Number of trailing labels of a lower-case A-label name that form its public suffix (ICANN
// section of the PSL, as domain::public_suffix) from an in-memory table: no libpsl call per name.
[[nodiscard]] std::size_t public_suffix_labels(std::string_view ascii_name);

// An immutable index of brands. Copies share the index; match() is const and thread-safe.
class Matcher {
 public:
  // Indexes `brands` (duplicates merge); errors name the first bad brand, keyword or owned domain.
  [[nodiscard]] static std::expected<Matcher, MatcherError> build(std::span<const BrandSpec> brands,
                                                                  const MatchOptions& options = {});

  // Appends to `out` one Match per brand that `ascii_name` imitates (lower-case A-label form; a
  // leading "*." and a trailing dot are ignored). Never throws on bad input: garbage matches nothing.
  void match(std::string_view ascii_name, std::vector<Match>& out) const;

  // Number of distinct brands indexed.
  [[nodiscard]] std::size_t brand_count() const noexcept;

  struct Impl;

 private:
  explicit Matcher(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace lookalike::generator
