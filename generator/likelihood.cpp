#include "generator/likelihood.hpp"

#include <algorithm>
#include <charconv>
#include <set>
#include <stdexcept>

namespace lookalike::generator {
namespace detail {
std::string_view embedded_likelihood();
}  // namespace detail

namespace {

constexpr std::array<std::string_view, kEditKindCount> kKindNames{
    "omission",           "repetition",   "transposition", "keyboard-substitution",
    "keyboard-insertion", "vowel-swap",   "substitution",  "insertion",
    "bitsquat",           "hyphen",       "hyphen-strip",  "subdomain-join",
    "glyph-ascii",        "glyph-leet",   "accent",        "accent-rare",
    "accent-marks",       "accent-pair",  "accent-all",    "confusable",
    "confusable-mixed",   "script",       "affix-digit",   "affix-letter",
    "affix-keyword",      "affix-country", "affix-two"};

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (tab == std::string_view::npos) break;
    start = tab + 1;
  }
  return out;
}

// Every factor of the file and the model field it sets.
std::array<std::pair<std::string_view, double*>, 9> factor_fields(Model& m) {
  return {{{"affix-prefix", &m.affix_prefix},
           {"affix-hyphen", &m.affix_hyphen},
           {"every-occurrence", &m.every_occurrence},
           {"glyph-compose", &m.glyph_compose},
           {"unchanged", &m.unchanged},
           {"layout-qwerty", &m.layout[static_cast<std::size_t>(Keyboard::qwerty)]},
           {"layout-qwertz", &m.layout[static_cast<std::size_t>(Keyboard::qwertz)]},
           {"layout-azerty", &m.layout[static_cast<std::size_t>(Keyboard::azerty)]},
           {"layout-dvorak", &m.layout[static_cast<std::size_t>(Keyboard::dvorak)]}}};
}

}  // namespace

std::string_view edit_kind_name(EditKind k) noexcept { return kKindNames[static_cast<std::size_t>(k)]; }

double Model::tld_prior(std::string_view tld, std::string_view own) const {
  double p = tld == own ? tld_own : 0.0;
  for (const auto& [name, value] : tlds) {
    if (name == tld) return std::max(p, value);
  }
  return std::max(p, tld_rest);
}

bool Model::accepts_idn(std::string_view tld) const {
  return std::find(no_idn.begin(), no_idn.end(), tld) == no_idn.end();
}

std::expected<Model, std::string> parse_model(std::string_view tsv) {
  Model m;
  std::array<bool, kEditKindCount> seen{};
  std::set<std::string> factors_seen;
  bool own = false, rest = false;
  std::size_t line_no = 0;
  while (!tsv.empty()) {
    const std::size_t nl = tsv.find('\n');
    std::string_view line = tsv.substr(0, nl);
    tsv.remove_prefix(nl == std::string_view::npos ? tsv.size() : nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const auto f = split_tabs(line);
    const std::string where = "likelihood model line " + std::to_string(line_no) + ": ";
    if (f.size() < 4 || f[3].empty()) return std::unexpected(where + "want section, key, value and source");
    double v = 0;
    const auto [ptr, ec] = std::from_chars(f[2].data(), f[2].data() + f[2].size(), v);
    if (ec != std::errc{} || ptr != f[2].data() + f[2].size() || v < 0 || v > 1) {
      return std::unexpected(where + "value \"" + std::string(f[2]) + "\" is not a number in [0, 1]");
    }
    const std::string_view section = f[0], key = f[1];
    if (section == "edit") {
      const auto it = std::find(kKindNames.begin(), kKindNames.end(), key);
      if (it == kKindNames.end()) return std::unexpected(where + "unknown edit kind \"" + std::string(key) + "\"");
      const auto i = static_cast<std::size_t>(it - kKindNames.begin());
      m.edit[i] = v;
      seen[i] = true;
    } else if (section == "factor") {
      double* slot = nullptr;
      for (const auto& [name, field] : factor_fields(m)) {
        if (key == name) slot = field;
      }
      if (slot == nullptr) return std::unexpected(where + "unknown factor \"" + std::string(key) + "\"");
      *slot = v;
      factors_seen.insert(std::string(key));
    } else if (section == "tld") {
      if (key == "own") {
        m.tld_own = v;
        own = true;
      } else if (key == "rest") {
        m.tld_rest = v;
        rest = true;
      } else {
        m.tlds.emplace_back(std::string(key), v);
      }
    } else if (section == "no-idn") {
      m.no_idn.emplace_back(key);
    } else {
      return std::unexpected(where + "unknown section \"" + std::string(section) + "\"");
    }
  }
  for (std::size_t i = 0; i < kEditKindCount; ++i) {
    if (!seen[i]) return std::unexpected("likelihood model: no prior for edit " + std::string(kKindNames[i]));
  }
  for (const auto& [name, field] : factor_fields(m)) {
    if (!factors_seen.contains(std::string(name))) {
      return std::unexpected("likelihood model: no factor " + std::string(name));
    }
  }
  if (!own || !rest) return std::unexpected(std::string("likelihood model: no tld own or tld rest"));
  return m;
}

std::string_view default_model_text() noexcept { return detail::embedded_likelihood(); }

const Model& default_model() {
  static const Model model = [] {
    auto m = parse_model(detail::embedded_likelihood());
    if (!m) throw std::logic_error("built-in " + m.error());
    return *m;
  }();
  return model;
}

}  // namespace lookalike::generator
