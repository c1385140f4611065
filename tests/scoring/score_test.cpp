// The score table: a fixture world whose scores and ranking are pinned exactly, so changing a
// weight in data/score-weights.json is a deliberate act that updates this file too.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "scoring/scoring.hpp"

namespace lookalike::scoring {
namespace {

struct Case {
  const char* name;
  Facts facts;
  int expected;
  Level level;
};

std::vector<Case> fixture_world() {
  std::vector<Case> w;
  auto add = [&](const char* name, Facts f, int expected, Level level) { w.push_back({name, f, expected, level}); };
  Facts f;
  // Homoglyph with everything ready for phishing: mail, SPF/DMARC, TLS, CT, a cloned page.
  f = {};
  f.kind = SimilarityKind::homoglyph;
  f.registered = f.mx_live = f.spf = f.web_live = f.tls_covers_name = f.ct_seen = true;
  f.mail.mx_record = true;
  f.mail.dmarc = DmarcPolicy::reject;
  f.page_similarity = 0.9;
  add("xn--pypal-4ve.com", f, 100, Level::critical);
  // Keyboard typo that accepts mail for any recipient and can send it.
  f = {};
  f.kind = SimilarityKind::keyboard_typo;
  f.edit_distance = 1;
  f.registered = f.mx_live = f.mx_accepts_mail = f.spf = f.mail.mx_record = true;
  f.mail.dmarc = DmarcPolicy::reject;
  add("paypol.com", f, 86, Level::critical);
  // Keyboard typo with live MX and SPF, no DMARC.
  f = {};
  f.kind = SimilarityKind::keyboard_typo;
  f.edit_distance = 1;
  f.registered = f.mx_live = f.spf = f.mail.mx_record = true;
  f.mail.dmarc = DmarcPolicy::missing;
  add("paypak.com", f, 84, Level::critical);
  // TLD swap with live MX and a DMARC that asks for nothing (p=none).
  f = {};
  f.kind = SimilarityKind::tld_swap;
  f.registered = f.mx_live = f.mail.mx_record = true;
  f.mail.dmarc = DmarcPolicy::none;
  add("paypal.co", f, 67, Level::high);
  // Combosquat phishing page: web, TLS, CT and a page resembling the brand's (0.8 -> 10 pts).
  f = {};
  f.kind = SimilarityKind::combosquat;
  f.registered = f.web_live = f.tls_covers_name = f.ct_seen = true;
  f.page_similarity = 0.8;
  add("paypal-login.com", f, 54, Level::medium);
  // One edit, parked.
  f = {};
  f.kind = SimilarityKind::one_edit;
  f.edit_distance = 1;
  f.registered = f.web_live = f.parked = true;
  add("pyapal.com", f, 30, Level::low);
  // Unregistered homoglyph: capped.
  f = {};
  f.kind = SimilarityKind::homoglyph;
  f.ct_seen = true;
  add("xn--ypal-43d9g.com", f, 25, Level::low);
  // Defensive registration: MX and web, but it redirects to the brand.
  f = {};
  f.kind = SimilarityKind::tld_swap;
  f.registered = f.mx_live = f.web_live = f.redirects_to_brand = true;
  add("paypal.net", f, 23, Level::low);
  // Two edits under a wildcard zone; unrelated page (below the floor: no points).
  f = {};
  f.kind = SimilarityKind::two_edits;
  f.edit_distance = 2;
  f.registered = f.web_live = f.wildcard = true;
  f.page_similarity = 0.45;
  add("pyapl.com", f, 19, Level::info);
  // Some other fuzzer, registered only.
  f = {};
  f.kind = SimilarityKind::other;
  f.registered = true;
  add("paypal-cdn.net", f, 18, Level::info);
  // Owned by the brand: always 0, whatever else is true.
  f = {};
  f.kind = SimilarityKind::homoglyph;
  f.registered = f.mx_live = f.spf = f.web_live = f.ct_seen = f.owned = true;
  add("paypal-owned.com", f, 0, Level::info);
  return w;
}

TEST(ScoreTable, FixtureWorldScoresArePinnedExactly) {
  for (const Case& c : fixture_world()) {
    const Score s = score(c.facts);
    EXPECT_EQ(s.value, c.expected) << c.name;
    EXPECT_EQ(s.level, c.level) << c.name << " got " << level_name(s.level);
  }
}

TEST(ScoreTable, FixtureWorldRankingIsPinnedExactly) {
  auto world = fixture_world();
  std::stable_sort(world.begin(), world.end(),
                   [](const Case& a, const Case& b) { return score(a.facts).value > score(b.facts).value; });
  std::vector<std::string> order;
  for (const Case& c : world) order.emplace_back(c.name);
  const std::vector<std::string> expected = {"xn--pypal-4ve.com", "paypol.com",         "paypak.com", "paypal.co",
                                             "paypal-login.com",  "pyapal.com",         "xn--ypal-43d9g.com",
                                             "paypal.net",        "pyapl.com",          "paypal-cdn.net",
                                             "paypal-owned.com"};
  EXPECT_EQ(order, expected);
}

TEST(ScoreTable, ReasonsAddUpToTheValueBeforeClamping) {
  for (const Case& c : fixture_world()) {
    const Score s = score(c.facts);
    int sum = 0;
    for (const Reason& r : s.reasons) sum += r.points;
    EXPECT_EQ(std::clamp(sum, 0, 100), s.value) << c.name;
    EXPECT_FALSE(s.reasons.empty()) << c.name;
  }
}

TEST(ScoreTable, LiveMxIsTheHeaviestEvidence) {
  const Weights& w = default_weights();
  for (int v : {w.registered, w.spf, w.web_live, w.ct_seen, w.tls_covers_name, w.page_max_points, w.mx_record,
                w.spf_all_pass, w.spf_all_neutral, w.dmarc_missing, w.dmarc_none, w.dkim_key}) {
    EXPECT_GT(w.mx_live, v);
  }
  for (int v : w.similarity) EXPECT_GE(w.mx_live, v);
}

TEST(ScoreTable, SimilarityKindsAreOrderedHomoglyphKeyboardOneEditTwoEditsCombosquat) {
  const Weights& w = default_weights();
  auto at = [&](SimilarityKind k) { return w.similarity[static_cast<int>(k)]; };
  EXPECT_GT(at(SimilarityKind::homoglyph), at(SimilarityKind::keyboard_typo));
  EXPECT_GT(at(SimilarityKind::keyboard_typo), at(SimilarityKind::one_edit));
  EXPECT_GT(at(SimilarityKind::one_edit), at(SimilarityKind::two_edits));
  EXPECT_GT(at(SimilarityKind::two_edits), at(SimilarityKind::combosquat));
}

TEST(ScoreTable, OwnedNameScoresZeroWithOneReason) {
  Facts f;
  f.owned = true;
  f.mx_live = true;
  const Score s = score(f);
  EXPECT_EQ(s.value, 0);
  ASSERT_EQ(s.reasons.size(), 1u);
  EXPECT_EQ(s.reasons[0].code, "owned");
}

TEST(ScoreTable, ReasonCodesNameTheEvidence) {
  Facts f;
  f.kind = SimilarityKind::keyboard_typo;
  f.edit_distance = 1;
  f.registered = f.mx_live = f.wildcard = true;
  const Score s = score(f);
  std::vector<std::string> codes;
  for (const auto& r : s.reasons) codes.push_back(r.code);
  EXPECT_EQ(codes, (std::vector<std::string>{"similarity.keyboard_typo", "registered", "mx_live", "discount.wildcard"}));
  EXPECT_NE(s.reasons[0].text.find("edit distance 1"), std::string::npos);
}

// ---- likelihood (the generator's model of how likely an attacker registers the name) -------

int reason_points(const Score& s, std::string_view code) {
  for (const Reason& r : s.reasons) {
    if (r.code == code) return r.points;
  }
  return 0;
}

TEST(Likelihood, MoreLikelySquatRanksAboveAnOtherwiseEqualRegisteredOne) {
  Facts slip;
  slip.kind = SimilarityKind::keyboard_typo;
  slip.edit_distance = 1;
  slip.registered = slip.mx_live = true;
  Facts unlikely = slip;
  slip.likelihood = 3e-3;
  slip.likelihood_path = "keyboard slip under .com";
  unlikely.likelihood = 2e-7;
  const Score a = score(slip);
  const Score b = score(unlikely);
  EXPECT_EQ(a.value, 71);  // 26 + 10 + 30 + 5 (3e-3: five decades above 1e-8)
  EXPECT_EQ(b.value, 67);  // 26 + 10 + 30 + 1 (2e-7: 1.3 decades)
  EXPECT_GT(a.value, b.value);
  ASSERT_EQ(reason_points(a, "likelihood"), 5);
  const auto it =
      std::find_if(a.reasons.begin(), a.reasons.end(), [](const Reason& r) { return r.code == "likelihood"; });
  EXPECT_EQ(it->text, "likely squat (model likelihood 3e-03, keyboard slip under .com)");
  EXPECT_EQ(a.reasons[1].code, "likelihood");  // next to the similarity it qualifies
}

TEST(Likelihood, PointsFollowTheDecadesBetweenFloorAndCeiling) {
  Facts f;
  f.kind = SimilarityKind::one_edit;
  f.registered = true;
  const int base = score(f).value;
  const std::pair<double, int> cases[] = {{1.0, 6}, {1e-2, 6}, {1e-3, 5}, {1e-5, 3}, {1e-8, 0}, {1e-12, 0}, {0.0, 0}};
  for (auto [p, points] : cases) {
    f.likelihood = p;
    EXPECT_EQ(score(f).value, base + points) << p;
    EXPECT_EQ(reason_points(score(f), "likelihood"), points) << p;
  }
}

TEST(Likelihood, AbsentOrNegligibleLikelihoodLeavesTheScoreAndReasonsUnchanged) {
  for (const Case& c : fixture_world()) {
    Facts f = c.facts;
    f.likelihood = 1e-10;
    const Score with = score(f);
    const Score without = score(c.facts);
    EXPECT_EQ(with.value, without.value) << c.name;
    EXPECT_EQ(with.reasons.size(), without.reasons.size()) << c.name;
  }
}

TEST(Likelihood, ADefensiveRedirectToTheBrandGainsNothingFromLikelihood) {
  // The sandbox's examplepay.com: the brand's label under .com (likelihood 0.1), registered, a web
  // site that redirects to the brand's own (so the page compared is the brand's: 100% alike).
  Facts f;
  f.kind = SimilarityKind::tld_swap;
  f.registered = f.web_live = f.tls_covers_name = f.redirects_to_brand = true;
  f.page_similarity = 1.0;
  const Score without = score(f);
  EXPECT_EQ(without.value, 0);  // 18 + 10 + 10 + 4 - 45: neither the brand's own page nor the model lifts it
  EXPECT_EQ(reason_points(without, "page_similarity"), 0);
  f.likelihood = 0.1;
  f.likelihood_path = "unchanged p=0.1, tld com p=1";
  const Score with = score(f);
  EXPECT_EQ(with.value, without.value);
  EXPECT_EQ(reason_points(with, "likelihood"), 0);
  EXPECT_EQ(with.reasons.size(), without.reasons.size());
  // The same name without the redirect does get the points.
  f.redirects_to_brand = false;
  EXPECT_EQ(reason_points(score(f), "likelihood"), 6);
}

TEST(Likelihood, LikelyUnregisteredNameStaysBelowTheSameNameRegistered) {
  for (int k = 0; k < 7; ++k) {
    Facts unregistered;
    unregistered.kind = static_cast<SimilarityKind>(k);
    unregistered.likelihood = 0.5;
    Facts registered = unregistered;
    registered.registered = true;
    registered.likelihood = 1e-9;
    const Score u = score(unregistered);
    const Score r = score(registered);
    EXPECT_LT(u.value, r.value) << similarity_kind_name(unregistered.kind);
    EXPECT_LE(u.value, default_weights().unregistered_cap);
  }
  // And the shipped table keeps it so by construction.
  EXPECT_LT(default_weights().likelihood_max_points, default_weights().registered);
}

TEST(Weights, ShippedFileIsTheCompiledInDefault) {
  const std::string path = std::string(LOOKALIKE_SOURCE_DIR) + "/data/score-weights.json";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), default_weights_json());
  auto w = load_weights(path);
  ASSERT_TRUE(w) << w.error();
  EXPECT_EQ(w->mx_live, default_weights().mx_live);
  EXPECT_EQ(w->critical, default_weights().critical);
}

TEST(Weights, BadTablesAreRejectedWithTheKeyNamed) {
  auto bad = [](std::string_view needle, std::string_view replacement) {
    std::string text(default_weights_json());
    const auto at = text.find(needle);
    EXPECT_NE(at, std::string::npos) << needle;
    text.replace(at, needle.size(), replacement);
    auto w = parse_weights(text);
    EXPECT_FALSE(w);
    return w ? std::string() : w.error();
  };
  EXPECT_NE(bad("\"mx_live\": 30", "\"mx_live\": 300").find("evidence.mx_live"), std::string::npos);
  EXPECT_NE(bad("\"homoglyph\": 30", "\"homoglyf\": 30").find("similarity.homoglyph"), std::string::npos);
  EXPECT_NE(bad("\"high\": 60", "\"high\": 90").find("levels"), std::string::npos);
  EXPECT_NE(bad("\"floor\": 0.5", "\"floor\": 1.5").find("floor"), std::string::npos);
  EXPECT_NE(bad("\"max_points\": 6", "\"max_points\": 10").find("likelihood.max_points"), std::string::npos);
  EXPECT_NE(bad("\"ceiling\": 1e-2", "\"ceiling\": 1e-9").find("likelihood"), std::string::npos);
  EXPECT_NE(bad("\"floor\": 1e-8", "\"floor\": 0").find("likelihood.floor"), std::string::npos);
  EXPECT_FALSE(parse_weights("{not json"));
  EXPECT_FALSE(load_weights("/nonexistent/weights.json"));
}

TEST(Levels, NamesRoundTrip) {
  for (Level l : {Level::info, Level::low, Level::medium, Level::high, Level::critical}) {
    auto parsed = parse_level(level_name(l));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, l);
  }
  EXPECT_FALSE(parse_level("severe"));
  EXPECT_EQ(level_for(80, default_weights()), Level::critical);
  EXPECT_EQ(level_for(79, default_weights()), Level::high);
  EXPECT_EQ(level_for(19, default_weights()), Level::info);
}

TEST(ApplyProbe, CopiesProbeEvidenceIntoFacts) {
  ProbeResult r;
  r.mx_live = r.web_live = r.parked = true;
  r.page_similarity = 0.75;
  Facts f;
  f.spf = true;
  apply_probe(r, f);
  EXPECT_TRUE(f.mx_live);
  EXPECT_TRUE(f.web_live);
  EXPECT_TRUE(f.parked);
  EXPECT_TRUE(f.spf);
  EXPECT_FALSE(f.redirects_to_brand);
  EXPECT_DOUBLE_EQ(f.page_similarity, 0.75);
}

// The DNS-only mail readiness reasons: each one's hit and a near miss that must not fire.
const Reason* reason(const Score& s, std::string_view code) {
  for (const Reason& r : s.reasons) {
    if (r.code == code) return &r;
  }
  return nullptr;
}

// Checks that f's score has the reason `code` with `text`; returns its points (0 when absent).
int expect_reason(const Facts& f, std::string_view code, std::string_view text) {
  const Score s = score(f);
  const Reason* r = reason(s, code);
  EXPECT_NE(r, nullptr) << code;
  if (r == nullptr) return 0;
  EXPECT_EQ(r->text, text) << code;
  return r->points;
}

Facts registered_typo() {
  Facts f;
  f.kind = SimilarityKind::keyboard_typo;
  f.registered = true;
  return f;
}

TEST(MailReadiness, RealMxAcceptsMailButANullMxDoesNot) {
  Facts f = registered_typo();
  f.mail.mx_record = true;
  EXPECT_EQ(expect_reason(f, "mail.mx_record", "accepts mail (MX)"), default_weights().mx_record);
  f.mail.mx_record = false;
  f.mail.null_mx = true;
  EXPECT_EQ(reason(score(f), "mail.mx_record"), nullptr);
  EXPECT_EQ(score(f).value, score(registered_typo()).value);
}

TEST(MailReadiness, SpfThatAuthorisesSendersButNotOneThatRefusesAll) {
  Facts f = registered_typo();
  f.spf = true;
  f.mail.spf_all = SpfAll::softfail;
  expect_reason(f, "spf", "SPF authorises senders: set up to send mail");
  f.spf = false;
  f.mail.spf_all = SpfAll::fail;  // "v=spf1 -all"
  EXPECT_EQ(reason(score(f), "spf"), nullptr);
  EXPECT_EQ(score(f).value, score(registered_typo()).value);
}

TEST(MailReadiness, SpfPlusAllAndQuestionAllButNotSoftfail) {
  Facts f = registered_typo();
  f.mail.spf_all = SpfAll::pass;
  f.mail.dmarc = DmarcPolicy::reject;
  const Score pass = score(f);
  expect_reason(f, "mail.spf_all_pass", "SPF +all: anyone may send as it");
  f.mail.spf_all = SpfAll::neutral;
  const Score neutral = score(f);
  expect_reason(f, "mail.spf_all_neutral", "SPF ?all: no sender is refused");
  EXPECT_GT(pass.value, neutral.value);
  f.mail.spf_all = SpfAll::softfail;
  const Score soft = score(f);
  EXPECT_EQ(reason(soft, "mail.spf_all_pass"), nullptr);
  EXPECT_EQ(reason(soft, "mail.spf_all_neutral"), nullptr);
  EXPECT_GT(neutral.value, soft.value);
}

TEST(MailReadiness, NoDmarcCountsOnlyForANameSetUpForMail) {
  Facts f = registered_typo();
  f.mail.mx_record = true;
  f.mail.dmarc = DmarcPolicy::missing;
  expect_reason(f, "mail.dmarc_missing", "no DMARC");
  // Near misses: no mail set-up at all; the _dmarc lookup not answered; an enforcing policy.
  Facts no_mail = registered_typo();
  no_mail.mail.dmarc = DmarcPolicy::missing;
  EXPECT_EQ(reason(score(no_mail), "mail.dmarc_missing"), nullptr);
  f.mail.dmarc = DmarcPolicy::unknown;
  EXPECT_EQ(reason(score(f), "mail.dmarc_missing"), nullptr);
  f.mail.dmarc = DmarcPolicy::quarantine;
  EXPECT_EQ(reason(score(f), "mail.dmarc_missing"), nullptr);
}

TEST(MailReadiness, DmarcPnoneIsWeakButQuarantineIsNot) {
  Facts f = registered_typo();
  f.spf = true;
  f.mail.dmarc = DmarcPolicy::none;
  expect_reason(f, "mail.dmarc_none", "weak DMARC (p=none)");
  f.mail.dmarc = DmarcPolicy::quarantine;
  EXPECT_EQ(reason(score(f), "mail.dmarc_none"), nullptr);
}

TEST(MailReadiness, NullMxMinusAllAndRejectIsDefensivelyParked) {
  Facts f = registered_typo();
  f.mail.null_mx = true;
  f.mail.spf_all = SpfAll::fail;
  f.mail.dmarc = DmarcPolicy::reject;
  const Score parked = score(f);
  EXPECT_EQ(expect_reason(f, "discount.defensively_parked", "defensively parked: null MX, -all, p=reject"),
            -default_weights().defensively_parked);
  EXPECT_LT(parked.value, score(registered_typo()).value);
  EXPECT_LE(parked.level, Level::low);
  // Near misses: each of the three parts weaker, or an SPF that still lets someone send.
  for (auto weaken : {+[](Facts& x) { x.mail.dmarc = DmarcPolicy::quarantine; },
                      +[](Facts& x) { x.mail.spf_all = SpfAll::softfail; },
                      +[](Facts& x) { x.mail.null_mx = false; }, +[](Facts& x) { x.spf = true; },
                      +[](Facts& x) { x.mail.dkim_key = true; }}) {
    Facts g = f;
    weaken(g);
    EXPECT_EQ(reason(score(g), "discount.defensively_parked"), nullptr);
  }
}

TEST(MailReadiness, ADkimKeyThatSignsIsAReasonAndMakesMissingDmarcCount) {
  Facts f = registered_typo();
  f.mail.dkim_key = true;
  f.mail.dkim_selector = "s1";
  EXPECT_EQ(expect_reason(f, "mail.dkim_key", "publishes a DKIM key (selector s1): can sign mail in its name"),
            default_weights().dkim_key);
  EXPECT_GT(score(f).value, score(registered_typo()).value);
  // A signing key alone sets the name up to send: no DMARC then counts too.
  f.mail.dmarc = DmarcPolicy::missing;
  expect_reason(f, "mail.dmarc_missing", "no DMARC");
  // Near miss: no key (pipeline leaves dkim_key false for revoked, t=y or unusable keys).
  EXPECT_EQ(reason(score(registered_typo()), "mail.dkim_key"), nullptr);
}

TEST(MailReadiness, WeightsNeedTheMailSection) {
  auto j = nlohmann::json::parse(std::string(default_weights_json()), nullptr, true, true);
  j.erase("mail");
  auto w = parse_weights(j.dump());
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().find("mail"), std::string::npos) << w.error();
  j = nlohmann::json::parse(std::string(default_weights_json()), nullptr, true, true);
  j["mail"].erase("dmarc_none");
  w = parse_weights(j.dump());
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error(), "mail.dmarc_none: missing");
  j = nlohmann::json::parse(std::string(default_weights_json()), nullptr, true, true);
  j["mail"].erase("dkim_key");
  w = parse_weights(j.dump());
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error(), "mail.dkim_key: missing");
}

}  // namespace
}  // namespace lookalike::scoring
