#include "scoring/score.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "scoring/probe.hpp"
#include "scoring/score_weights_embedded.hpp"

namespace lookalike::scoring {
namespace {

constexpr std::array<std::string_view, 7> kKindKeys = {"homoglyph",  "keyboard_typo", "one_edit", "tld_swap",
                                                       "two_edits",  "combosquat",    "other"};
constexpr std::array<std::string_view, 7> kKindNames = {"homoglyph",  "keyboard-typo", "one-edit", "tld-swap",
                                                        "two-edits",  "combosquat",    "other"};
constexpr std::array<std::string_view, 7> kKindText = {
    "visually identical to the brand (homoglyph / confusable skeleton)",
    "one keyboard-adjacent typo of the brand",
    "one edit away from the brand",
    "the brand's label under another suffix",
    "two edits away from the brand",
    "the brand combined with a keyword",
    "resembles the brand",
};

using Json = nlohmann::json;

// Reads one 0..100 integer; on failure the returned text names the key. (A plain struct, not
// std::expected<int, ...>: clang 14, which builds the fuzzers, cannot destroy that type.)
struct Points {
  int value = 0;
  std::string error;
};

Points points_at(const Json& obj, std::string_view section, std::string_view key) {
  const std::string k(key);
  const std::string where = section.empty() ? k : std::string(section) + "." + k;
  if (!obj.is_object() || !obj.contains(k)) return {0, where + ": missing"};
  const Json& v = obj.at(k);
  if (!v.is_number_integer()) return {0, where + ": not an integer"};
  const auto n = v.get<long long>();
  if (n < 0 || n > 100) return {0, where + ": must be within 0..100"};
  return {static_cast<int>(n), {}};
}

std::expected<Weights, std::string> from_json(const Json& j) {
  Weights w;
  if (!j.is_object()) return std::unexpected("top level: not an object");
  if (!j.contains("version") || j.at("version") != 1) return std::unexpected("version: must be 1");
  auto section = [&](const char* name) -> const Json* {
    return j.contains(name) && j.at(name).is_object() ? &j.at(name) : nullptr;
  };
  const Json* sim = section("similarity");
  const Json* ev = section("evidence");
  const Json* page = section("page_similarity");
  const Json* disc = section("discounts");
  const Json* lev = section("levels");
  const Json* mail = section("mail");
  for (auto [p, n] : {std::pair{sim, "similarity"}, std::pair{ev, "evidence"}, std::pair{page, "page_similarity"},
                      std::pair{disc, "discounts"}, std::pair{lev, "levels"},
                      std::pair{mail, "mail"}}) {
    if (p == nullptr) return std::unexpected(std::string(n) + ": missing or not an object");
  }
  for (std::size_t i = 0; i < kKindKeys.size(); ++i) {
    auto v = points_at(*sim, "similarity", kKindKeys[i]);
    if (!v.error.empty()) return std::unexpected(v.error);
    w.similarity[i] = v.value;
  }
  const std::pair<const char*, int*> evidence[] = {
      {"registered", &w.registered}, {"mx_live", &w.mx_live},       {"mx_accepts_mail", &w.mx_accepts_mail},
      {"spf", &w.spf},               {"web_live", &w.web_live},
      {"tls_covers_name", &w.tls_covers_name}, {"ct_seen", &w.ct_seen}};
  for (auto [k, out] : evidence) {
    auto v = points_at(*ev, "evidence", k);
    if (!v.error.empty()) return std::unexpected(v.error);
    *out = v.value;
  }
  const std::pair<const char*, int*> discounts[] = {
      {"wildcard", &w.wildcard}, {"parked", &w.parked}, {"redirects_to_brand", &w.redirects_to_brand},
      {"defensively_parked", &w.defensively_parked}};
  for (auto [k, out] : discounts) {
    auto v = points_at(*disc, "discounts", k);
    if (!v.error.empty()) return std::unexpected(v.error);
    *out = v.value;
  }
  const std::pair<const char*, int*> mail_points[] = {
      {"mx_record", &w.mx_record},         {"spf_all_pass", &w.spf_all_pass}, {"spf_all_neutral", &w.spf_all_neutral},
      {"dmarc_missing", &w.dmarc_missing}, {"dmarc_none", &w.dmarc_none},      {"dkim_key", &w.dkim_key}};
  for (auto [k, out] : mail_points) {
    auto v = points_at(*mail, "mail", k);
    if (!v.error.empty()) return std::unexpected(v.error);
    *out = v.value;
  }
  auto maxp = points_at(*page, "page_similarity", "max_points");
  if (!maxp.error.empty()) return std::unexpected(maxp.error);
  w.page_max_points = maxp.value;
  if (!page->contains("floor") || !page->at("floor").is_number()) {
    return std::unexpected("page_similarity.floor: missing or not a number");
  }
  w.page_floor = page->at("floor").get<double>();
  if (!(w.page_floor >= 0.0 && w.page_floor < 1.0)) return std::unexpected("page_similarity.floor: must be within [0,1)");
  const Json* like = section("likelihood");
  if (like == nullptr) return std::unexpected("likelihood: missing or not an object");
  auto like_max = points_at(*like, "likelihood", "max_points");
  if (!like_max.error.empty()) return std::unexpected(like_max.error);
  w.likelihood_max_points = like_max.value;
  if (w.likelihood_max_points >= w.registered && w.likelihood_max_points > 0) {
    // Otherwise a likely but unregistered name could outrank the same name registered.
    return std::unexpected("likelihood.max_points: must be below evidence.registered");
  }
  for (auto [k, out] : {std::pair{"floor", &w.likelihood_floor}, std::pair{"ceiling", &w.likelihood_ceiling}}) {
    if (!like->contains(k) || !like->at(k).is_number()) {
      return std::unexpected(std::string("likelihood.") + k + ": missing or not a number");
    }
    *out = like->at(k).get<double>();
    if (!(*out > 0.0 && *out <= 1.0)) return std::unexpected(std::string("likelihood.") + k + ": must be within (0,1]");
  }
  if (!(w.likelihood_floor < w.likelihood_ceiling)) {
    return std::unexpected("likelihood: floor must be below ceiling");
  }
  auto cap = points_at(j, "", "unregistered_cap");
  if (!cap.error.empty()) return std::unexpected(cap.error);
  w.unregistered_cap = cap.value;
  const std::pair<const char*, int*> levels[] = {
      {"critical", &w.critical}, {"high", &w.high}, {"medium", &w.medium}, {"low", &w.low}};
  for (auto [k, out] : levels) {
    auto v = points_at(*lev, "levels", k);
    if (!v.error.empty()) return std::unexpected(v.error);
    *out = v.value;
  }
  if (!(w.critical > w.high && w.high > w.medium && w.medium > w.low && w.low > 0)) {
    return std::unexpected("levels: thresholds must decrease strictly: critical > high > medium > low > 0");
  }
  return w;
}

const Weights& embedded() {
  static const Weights w = [] {
    auto parsed = parse_weights(kEmbeddedScoreWeights);
    // The embedded table is our own build input: a failure is a broken build, not bad input.
    if (!parsed) throw std::logic_error("embedded data/score-weights.json is invalid: " + parsed.error());
    return *parsed;
  }();
  return w;
}

void add(Score& s, int& total, std::string code, int points, std::string text) {
  if (points == 0) return;
  total += points;
  s.reasons.push_back(Reason{std::move(code), points, std::move(text)});
}

// Points on a log scale: each decade of likelihood between floor and ceiling is worth the same.
int likelihood_points(double p, const Weights& w) {
  if (!(p > 0.0) || !std::isfinite(p) || w.likelihood_max_points == 0) return 0;
  const double lo = std::log10(w.likelihood_floor);
  const double span = std::log10(w.likelihood_ceiling) - lo;
  const double x = w.likelihood_max_points * (std::log10(std::min(p, 1.0)) - lo) / span;
  return static_cast<int>(std::clamp(std::lround(x), 0L, static_cast<long>(w.likelihood_max_points)));
}

std::string likelihood_text(double p, int points, const Weights& w, const std::string& path) {
  char num[32];
  std::snprintf(num, sizeof num, "%.0e", p);
  std::string text = 3 * points >= 2 * w.likelihood_max_points ? "likely squat" : "plausible squat";
  text += " (model likelihood ";
  text += num;
  if (!path.empty()) text += ", " + sanitize_text(path, 80);
  return text + ")";
}

}  // namespace

std::string_view level_name(Level level) noexcept {
  switch (level) {
    case Level::critical: return "critical";
    case Level::high: return "high";
    case Level::medium: return "medium";
    case Level::low: return "low";
    case Level::info: break;
  }
  return "info";
}

std::expected<Level, std::string> parse_level(std::string_view name) {
  for (Level l : {Level::info, Level::low, Level::medium, Level::high, Level::critical}) {
    if (level_name(l) == name) return l;
  }
  return std::unexpected("unknown level \"" + sanitize_text(name, 32) + "\" (critical, high, medium, low, info)");
}

std::string_view similarity_kind_name(SimilarityKind kind) noexcept {
  const auto i = static_cast<std::size_t>(kind);
  return i < kKindNames.size() ? kKindNames[i] : "other";
}

const Weights& default_weights() { return embedded(); }

std::string_view default_weights_json() noexcept { return kEmbeddedScoreWeights; }

std::expected<Weights, std::string> parse_weights(std::string_view json) {
  Json j = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/true);
  if (j.is_discarded()) return std::unexpected("not valid JSON");
  return from_json(j);
}

std::expected<Weights, std::string> load_weights(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected(path + ": cannot read");
  std::ostringstream text;
  text << in.rdbuf();
  auto w = parse_weights(text.str());
  if (!w) return std::unexpected(path + ": " + w.error());
  w->source = path;
  return w;
}

Level level_for(int value, const Weights& w) noexcept {
  if (value >= w.critical) return Level::critical;
  if (value >= w.high) return Level::high;
  if (value >= w.medium) return Level::medium;
  if (value >= w.low) return Level::low;
  return Level::info;
}

Score score(const Facts& f, const Weights& w) {
  Score s;
  if (f.owned) {
    s.reasons.push_back(Reason{"owned", 0, "owned or allow-listed by the brand"});
    s.level = level_for(0, w);
    return s;
  }
  s.reasons.reserve(8);
  int total = 0;
  const auto k = static_cast<std::size_t>(f.kind) < kKindKeys.size() ? static_cast<std::size_t>(f.kind) : 6;
  std::string sim_text(kKindText[k]);
  if (f.edit_distance > 0 && f.kind != SimilarityKind::homoglyph) {
    sim_text += " (edit distance " + std::to_string(f.edit_distance) + ")";
  }
  add(s, total, "similarity." + std::string(kKindKeys[k]), w.similarity[k], std::move(sim_text));
  // A name that redirects to the brand is most likely the brand's own defensive registration: how
  // likely an attacker would be to pick it says nothing about who holds it, so no points for it.
  if (f.likelihood && !f.redirects_to_brand) {
    const int pts = likelihood_points(*f.likelihood, w);
    if (pts > 0) add(s, total, "likelihood", pts, likelihood_text(*f.likelihood, pts, w, f.likelihood_path));
  }
  if (f.registered) add(s, total, "registered", w.registered, "registered (resolves in DNS)");
  if (f.mx_live) add(s, total, "mx_live", w.mx_live, "live MX: a mail server answers and can receive mis-addressed mail");
  if (f.mx_accepts_mail) add(s, total, "mx_accepts_mail", w.mx_accepts_mail, "mail server accepts recipients at the look-alike");
  const MailReadiness& m = f.mail;
  if (m.mx_record) add(s, total, "mail.mx_record", w.mx_record, "accepts mail (MX)");
  if (f.spf) add(s, total, "spf", w.spf, "SPF authorises senders: set up to send mail");
  if (m.spf_all == SpfAll::pass) add(s, total, "mail.spf_all_pass", w.spf_all_pass, "SPF +all: anyone may send as it");
  if (m.spf_all == SpfAll::neutral) {
    add(s, total, "mail.spf_all_neutral", w.spf_all_neutral, "SPF ?all: no sender is refused");
  }
  if (m.dkim_key) {
    add(s, total, "mail.dkim_key", w.dkim_key,
        "publishes a DKIM key" + (m.dkim_selector.empty() ? std::string() : " (selector " + m.dkim_selector + ")") +
            ": can sign mail in its name");
  }
  // Missing or weak DMARC matters for a name that takes or sends mail: nothing tells receivers to
  // refuse mail in its name that it did not send.
  const bool mail_ready =
      m.mx_record || f.spf || m.spf_all == SpfAll::pass || m.spf_all == SpfAll::neutral || m.dkim_key;
  if (mail_ready && m.dmarc == DmarcPolicy::missing) add(s, total, "mail.dmarc_missing", w.dmarc_missing, "no DMARC");
  if (mail_ready && m.dmarc == DmarcPolicy::none) add(s, total, "mail.dmarc_none", w.dmarc_none, "weak DMARC (p=none)");
  if (f.web_live) add(s, total, "web_live", w.web_live, "live web site");
  if (f.tls_covers_name) add(s, total, "tls_covers_name", w.tls_covers_name, "serves a TLS certificate for the name");
  if (f.ct_seen) add(s, total, "ct_seen", w.ct_seen, "certificate seen in CT");
  // After a redirect to the brand the page compared is the brand's own: its likeness is no clue.
  if (f.web_live && !f.redirects_to_brand && f.page_similarity > w.page_floor && w.page_max_points > 0) {
    const double sim = std::min(f.page_similarity, 1.0);
    const int pts = static_cast<int>(std::lround(w.page_max_points * (sim - w.page_floor) / (1.0 - w.page_floor)));
    add(s, total, "page_similarity", pts,
        "page resembles the brand's (" + std::to_string(static_cast<int>(std::lround(sim * 100))) + "% similar)");
  }
  if (f.wildcard) add(s, total, "discount.wildcard", -w.wildcard, "wildcard zone: answers may not be specific to the name");
  if (f.parked) add(s, total, "discount.parked", -w.parked, "parked (parking name servers or page)");
  if (m.null_mx && m.spf_all == SpfAll::fail && !f.spf && !m.dkim_key && m.dmarc == DmarcPolicy::reject) {
    // Declared to neither take nor send mail (no SPF sender, no DKIM key to pass DMARC with), and
    // to have mail in its name refused: what a brand does with a name it holds defensively.
    add(s, total, "discount.defensively_parked", -w.defensively_parked, "defensively parked: null MX, -all, p=reject");
  }
  if (f.redirects_to_brand) {
    add(s, total, "discount.redirects_to_brand", -w.redirects_to_brand,
        "redirects to the brand's own site: likely a defensive registration");
  }
  if (!f.registered && total > w.unregistered_cap) {
    // Without DNS presence the name is only a possibility: cap it, and say by how much.
    s.reasons.push_back(Reason{"cap.unregistered", w.unregistered_cap - total,
                               "not registered: capped at " + std::to_string(w.unregistered_cap)});
    total = w.unregistered_cap;
  }
  total = std::clamp(total, 0, 100);
  s.value = total;
  s.level = level_for(total, w);
  return s;
}

}  // namespace lookalike::scoring
