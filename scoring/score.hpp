// The threat score: a pure function from what we know about one look-alike (Facts) to a 0-100
// value, a level and the reasons behind it, driven by one table of weights
// (data/score-weights.json, compiled in as the defaults).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::scoring {

// How a candidate resembles its brand; the strongest applicable kind is the one to pass.
enum class SimilarityKind : std::uint8_t {
  homoglyph,      // same confusable skeleton (TR39) or visually identical characters
  keyboard_typo,  // one edit using a keyboard-adjacent key (replacement/insertion)
  one_edit,       // any other single edit (omission, transposition, bitsquat, ...)
  tld_swap,       // same label under another public suffix
  two_edits,      // two edits
  combosquat,     // brand plus a keyword ("brand-login")
  other,          // anything else a fuzzer or CT matcher produced
};

// Severity bands; thresholds come from the weights table.
enum class Level : std::uint8_t { info, low, medium, high, critical };

// "critical", "high", "medium", "low", "info".
[[nodiscard]] std::string_view level_name(Level level) noexcept;
// Parses a level name as printed by level_name; the error names the unknown input.
[[nodiscard]] std::expected<Level, std::string> parse_level(std::string_view name);
// "homoglyph", "keyboard-typo", ... (stable: used in reports and JSON).
[[nodiscard]] std::string_view similarity_kind_name(SimilarityKind kind) noexcept;

// The qualifier of a look-alike's SPF "all" (none: no SPF, no "all", or an unparsable record).
enum class SpfAll : std::uint8_t { none, pass, neutral, softfail, fail };
// A look-alike's DMARC policy (unknown: `_dmarc` not asked or not answered; missing: no valid record).
enum class DmarcPolicy : std::uint8_t { unknown, missing, none, quarantine, reject };

// DNS-only mail readiness of a look-alike (no connection made), read from the answers the
// resolver already has (MX, TXT, `_dmarc` TXT) plus the bounded DKIM lookups of existing names,
// by pipeline/ with posture's record readers.
struct MailReadiness {
  bool mx_record = false;  // an MX other than the null MX: mail for the name goes somewhere
  bool null_mx = false;    // only the null MX "." (RFC 7505): the name accepts no mail
  SpfAll spf_all = SpfAll::none;
  DmarcPolicy dmarc = DmarcPolicy::unknown;
  // A published DKIM key that makes signatures count (usable RSA/Ed25519, not t=y), under one of
  // the documented selectors: mail signed in its name passes DKIM, and so DMARC.
  bool dkim_key = false;
  std::string dkim_selector;  // the first such selector, shown in the reason
};

// Everything the score looks at, gathered by the resolver, CT follower and probes.
struct Facts {
  SimilarityKind kind = SimilarityKind::other;
  int edit_distance = 0;          // informational (shown in the reason text when > 0)
  bool registered = false;        // DNS says the name exists (not NXDOMAIN)
  bool mx_live = false;           // at least one MX host answered SMTP with 2xx
  bool mx_accepts_mail = false;   // mx_check: RCPT TO for an address at the look-alike accepted
  bool spf = false;               // the look-alike's SPF authorises some sender (a '+' term before "all")
  MailReadiness mail;             // MX / SPF "all" / DMARC as DNS has them
  bool web_live = false;          // HTTP or HTTPS answered with a status line
  bool tls_covers_name = false;   // the served certificate is valid for the name
  bool ct_seen = false;           // a certificate for the name appeared in CT
  bool wildcard = false;          // the parent zone answers for random labels
  bool parked = false;            // parking name servers or a parking page
  bool owned = false;             // owned / allow-listed by the brand: never a threat
  bool redirects_to_brand = false;  // web redirects to the brand's own domain (defensive)
  double page_similarity = 0.0;   // 0..1, the page's similarity hash vs the brand's page
  // How likely an attacker is to register the name, from the generator's model (per-edit priors
  // times a TLD prior, in 0..1); absent for names only seen in CT: no points, no reason.
  std::optional<double> likelihood;
  std::string likelihood_path;  // the model's account of it ("keyboard slip under .com"), shown in the reason
};

// One line of explanation: a stable code, the signed points it contributed, and a human text.
struct Reason {
  std::string code;  // "mx_live", "similarity.homoglyph", "discount.parked", ...
  int points = 0;
  std::string text;
};

// The result: value in 0..100, its level, and the reasons in the order they were applied.
struct Score {
  int value = 0;
  Level level = Level::info;
  std::vector<Reason> reasons;
};

// The weights table; see data/score-weights.json for the meaning of each number.
struct Weights {
  int similarity[7] = {};  // indexed by SimilarityKind
  int registered = 0, mx_live = 0, mx_accepts_mail = 0, spf = 0, web_live = 0, tls_covers_name = 0, ct_seen = 0;
  // DNS-only mail readiness ("mail" section); dmarc_* apply only to a name set up for mail.
  int mx_record = 0, spf_all_pass = 0, spf_all_neutral = 0, dmarc_missing = 0, dmarc_none = 0, dkim_key = 0;
  int page_max_points = 0;
  double page_floor = 0.5;
  int wildcard = 0, parked = 0, redirects_to_brand = 0, defensively_parked = 0;
  // Likelihood points: max_points * (log10 p - log10 floor) / (log10 ceiling - log10 floor),
  // rounded and clamped to 0..max_points; max_points < registered (checked when parsing).
  int likelihood_max_points = 0;
  double likelihood_floor = 1e-8, likelihood_ceiling = 1e-2;
  int unregistered_cap = 100;
  int critical = 80, high = 60, medium = 40, low = 20;
  std::string source = "built-in";  // where the table came from: "built-in" or the file path
};

// The table compiled into the binary (the shipped data/score-weights.json at build time).
[[nodiscard]] const Weights& default_weights();
// The JSON text of the compiled-in table (for `--print-weights`-style documentation).
[[nodiscard]] std::string_view default_weights_json() noexcept;

// Parses a weights table; every key is required, numbers must be in range (points 0..100,
// thresholds strictly decreasing). The error names the offending key.
[[nodiscard]] std::expected<Weights, std::string> parse_weights(std::string_view json);
// Reads and parses a weights file; the error names the file.
[[nodiscard]] std::expected<Weights, std::string> load_weights(const std::string& path);

// Scores one candidate. Pure, allocation only for the reasons.
[[nodiscard]] Score score(const Facts& facts, const Weights& weights = default_weights());

// The level of a value under the table's thresholds.
[[nodiscard]] Level level_for(int value, const Weights& weights) noexcept;

}  // namespace lookalike::scoring
