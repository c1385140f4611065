// The likelihood model of ranked generation: how likely an attacker is to register one look-alike.
// A candidate's likelihood is the product of the priors of the edits on its path times the prior of
// its TLD; every number comes from data/likelihood.tsv (compiled in), which gives each one a source.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "generator/keyboards.hpp"

namespace lookalike::generator {

// One kind of label edit, each with its own prior per variant.
enum class EditKind : std::uint8_t {
  omission,
  repetition,
  transposition,
  keyboard_substitution,
  keyboard_insertion,
  vowel_swap,
  substitution,
  insertion,
  bitsquat,
  hyphen,
  hyphen_strip,
  subdomain_join,
  glyph_ascii,
  glyph_leet,
  accent,
  accent_rare,
  accent_marks,
  accent_pair,
  accent_all,
  confusable,
  confusable_mixed,
  script,
  affix_digit,
  affix_letter,
  affix_keyword,
  affix_country,
  affix_two,
};
inline constexpr std::size_t kEditKindCount = 27;

// The data file's name of a kind ("keyboard-substitution"), also the first word of a path step.
[[nodiscard]] std::string_view edit_kind_name(EditKind k) noexcept;

struct Model {
  std::array<double, kEditKindCount> edit{};         // prior of one variant of each kind
  double affix_prefix = 1;                           // factor: affix before the label
  double affix_hyphen = 1;                           // factor: affix joined with a hyphen
  double every_occurrence = 1;                       // factor: a glyph for every occurrence of a letter
  double glyph_compose = 1;                          // factor: two look-alike glyph edits composed
  double unchanged = 1;                              // prior of the brand's own label (under another TLD)
  std::array<double, 4> layout{1, 1, 1, 1};          // factor of a keyboard slip per layout (Keyboard order)
  double tld_own = 1;                                // prior of the brand's own suffix
  double tld_rest = 0;                               // prior of a TLD the table does not rank
  std::vector<std::pair<std::string, double>> tlds;  // ranked TLD priors, as in the file
  std::vector<std::string> no_idn;                   // suffixes that accept no Latin IDN label

  [[nodiscard]] double prior(EditKind k) const noexcept { return edit[static_cast<std::size_t>(k)]; }
  // Prior of suffix `tld` (A-label) for a brand whose own suffix is `own`.
  [[nodiscard]] double tld_prior(std::string_view tld, std::string_view own) const;
  // Whether a label with non-ASCII characters can be registered under `tld`.
  [[nodiscard]] bool accepts_idn(std::string_view tld) const;
};

// Parses the model's TSV (section, key, value, source; '#' comments). Every edit kind and factor
// must be present; errors name the line.
[[nodiscard]] std::expected<Model, std::string> parse_model(std::string_view tsv);

// The compiled-in model (data/likelihood.tsv); a broken data file is a build defect and throws.
[[nodiscard]] const Model& default_model();

// The TSV text of the compiled-in model, for --help style explanations and tests.
[[nodiscard]] std::string_view default_model_text() noexcept;

}  // namespace lookalike::generator
