// Look-alike candidate generation: every dnstwist fuzzer with the same meaning, plus UTS #39
// confusables (from ICU, inverted at build time), ASCII look-alikes, numeral swap, hyphen strip,
// dot/dash swaps, missing dot, wrong SLD, TLD insertion, combosquatting and 2-edit typos.
// Every candidate is a valid, registrable IDNA2008 name with the fuzzers that produced it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/domain.hpp"
#include "generator/keyboards.hpp"

namespace lookalike::generator {

struct Model;  // generator/likelihood.hpp

enum class Fuzzer : std::uint8_t {
  // dnstwist's fuzzers, same meaning.
  addition, bitsquatting, cyrillic, homoglyph, hyphenation, insertion, omission, plural, repetition,
  replacement, subdomain, transposition, vowel_swap, various, dictionary, tld_swap,
  // beyond dnstwist.
  confusable,      // UTS #39 skeleton inversion (ICU), single-script unless mixed scripts are allowed
  ascii_homoglyph, // rn/m, cl/d, vv/w, 0/o, 1/l/i ...
  numeral_swap,    // one <-> 1
  hyphen_strip,    // pay-pal -> paypal
  dot_dash,        // www.paypal -> www-paypal, example-bank -> example.bank
  missing_dot,     // www.paypal.com -> wwwpaypal.com
  wrong_sld,       // co.uk <-> com <-> uk <-> org.uk
  tld_insertion,   // paypal.com -> paypal.com.co
  combosquat,      // paypal-login.com, securepaypal.com
};
inline constexpr std::size_t kFuzzerCount = 25;

// A set of fuzzers as a bit mask (bit i = Fuzzer i).
using FuzzerSet = std::uint32_t;
inline constexpr FuzzerSet kAllFuzzers = (FuzzerSet{1} << kFuzzerCount) - 1;
[[nodiscard]] constexpr FuzzerSet bit(Fuzzer f) noexcept { return FuzzerSet{1} << static_cast<unsigned>(f); }

// dnstwist-style name: "vowel-swap", "tld-swap", "ascii-homoglyph".
[[nodiscard]] std::string_view fuzzer_name(Fuzzer f) noexcept;
// Parses one fuzzer name; false when unknown.
[[nodiscard]] bool parse_fuzzer(std::string_view name, Fuzzer& out) noexcept;
// Parses a comma-separated list ("addition,homoglyph" or "all"); the error names the bad item.
[[nodiscard]] std::expected<FuzzerSet, std::string> parse_fuzzers(std::string_view list);
// Names of the fuzzers in `set`, in enum order, joined by `sep`.
[[nodiscard]] std::string fuzzer_names(FuzzerSet set, std::string_view sep = ",");

struct Options {
  FuzzerSet fuzzers = kAllFuzzers;
  std::vector<std::string> tlds;        // A-label TLDs / suffixes for tld-swap and tld-insertion
  std::vector<std::string> keywords;    // combosquat words (defaults: data/keywords.txt)
  std::vector<std::string> dictionary;  // dnstwist's --dictionary words
  std::vector<Keyboard> keyboards{kAllKeyboards.begin(), kAllKeyboards.end()};
  int depth = 1;                        // 2: also two composed edits
  std::size_t max = 0;                  // stop after this many candidates per brand (0: no limit)
  bool mixed_script = false;            // allow confusables that mix scripts within a label
  const Model* model = nullptr;         // likelihood model of generate_ranked (nullptr: data/likelihood.tsv)
};

struct Candidate {
  std::string ascii;        // A-label form
  std::string unicode;      // U-label form
  std::string registrable;  // registrable domain (A-label) of the candidate
  FuzzerSet fuzzers = 0;    // every fuzzer that produced it
  std::uint8_t edits = 1;   // 2 for names only reachable by two composed edits
  // Set by generate_ranked only (0 and empty otherwise): the model's likelihood of the name and the
  // steps that explain it, label edits in label order then the TLD ("omission l @5 p=0.025").
  double likelihood = 0.0;
  std::vector<std::string> path;
};

// Receives each unique candidate; return false to stop generation early.
using Sink = std::function<bool(const Candidate&)>;

// Generates the candidates of one brand, each once, never the brand's own name. Candidates of
// depth 1 are delivered after all depth-1 fuzzers ran (so each carries all its fuzzers); 2-edit
// candidates follow as they are made, without holding them all in memory. Returns the count.
[[nodiscard]] std::size_t generate(const domain::Name& brand, const Options& options, const Sink& sink);

// Names per brand that scan and watch ask for by default: 10,000 names at 1.07 DNS queries each
// (existence first) take 36 s at the polite 300 queries/s (3.4 min asking all six types of each).
inline constexpr std::size_t kDefaultBudget = 10000;

// The `budget` most likely candidates of one brand (registrable names; subdomains dropped), best
// first, each once, exactly `budget` of them when that many exist: label edits up to
// `options.depth` (2 composes two edits) crossed with `options.tlds` and the brand's own suffix,
// ranked by the likelihood model, enumerated lazily (nothing like the whole cross product is
// built). `options.max`, when not 0, lowers the budget. Returns the count delivered.
[[nodiscard]] std::size_t generate_ranked(const domain::Name& brand, const Options& options, std::size_t budget,
                                          const Sink& sink);

// Convenience for tests and small callers: all candidates of one brand in generation order.
[[nodiscard]] std::vector<Candidate> generate_all(const domain::Name& brand, const Options& options);

// A named TLD set ("original", "common", "abused", "all": every ICANN TLD of the PSL) or a file
// with one TLD per line ('#' comments). `brand_suffix` is what "original" means. Errors name the
// set, file and line.
[[nodiscard]] std::expected<std::vector<std::string>, std::string> load_tlds(std::string_view set_or_file,
                                                                           std::string_view brand_suffix);

// The TLD set of ranked generation: every TLD the likelihood model ranks, then the common and
// abused sets (data/tlds), each once.
[[nodiscard]] std::vector<std::string> ranked_tlds();

// Built-in combosquat keywords (data/keywords.txt, embedded at build time).
[[nodiscard]] std::vector<std::string> default_keywords();

// Reads a word list (one per line, '#' comments, lower-cased, validated as LDH labels).
[[nodiscard]] std::expected<std::vector<std::string>, std::string> load_words(std::string_view path);

}  // namespace lookalike::generator
