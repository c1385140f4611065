// Ranked generation: the likelihood model's hand-checked orderings, an exact budget, best-first
// order, no duplicates, valid registrable names, and paths whose priors multiply to the likelihood.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <string>

#include "domain/domain.hpp"
#include "generator/generator.hpp"
#include "generator/likelihood.hpp"
#include "tests/generator/brand.hpp"

namespace g = lookalike::generator;
namespace d = lookalike::domain;

namespace {

using lookalike::generator_test::brand;

g::Options ranked_options(std::vector<std::string> tlds) {
  g::Options o;
  o.tlds = std::move(tlds);
  o.keywords = g::default_keywords();
  o.depth = 2;
  return o;
}

std::vector<g::Candidate> ranked(std::string_view domain, const g::Options& o, std::size_t budget) {
  std::vector<g::Candidate> out;
  (void)g::generate_ranked(brand(domain), o, budget, [&](const g::Candidate& c) {
    out.push_back(c);
    return true;
  });
  return out;
}

// Rank of each name in a ranked list.
std::map<std::string, std::size_t> ranks(const std::vector<g::Candidate>& list) {
  std::map<std::string, std::size_t> r;
  for (std::size_t i = 0; i < list.size(); ++i) r.emplace(list[i].unicode, i);
  return r;
}

}  // namespace

TEST(Ranked, KeyboardSlipUnderComOutranksBitsquatUnderCf) {
  const auto list = ranked("paypal.com", ranked_options({"com", "cf"}), 20000);
  const auto r = ranks(list);
  // l>k: neighbouring keys on qwerty; l (0x6c) ^ 0x04 = h: one flipped bit (and no neighbour of l).
  ASSERT_TRUE(r.contains("paypak.com"));
  ASSERT_TRUE(r.contains("paypah.cf"));
  EXPECT_LT(r.at("paypak.com"), r.at("paypah.cf"));
  EXPECT_NE(list[r.at("paypah.cf")].path.front().find("bitsquat l>h"), std::string::npos);
  EXPECT_NE(list[r.at("paypak.com")].path.front().find("keyboard-substitution l>k @5"), std::string::npos);
}

TEST(Ranked, OwnTldWithOneTypoOutranksTwoTyposAndACheapTld) {
  const auto r = ranks(ranked("paypal.com", ranked_options({"com", "top", "de"}), 20000));
  ASSERT_TRUE(r.contains("paypak.com") && r.contains("paypak.top") && r.contains("aypak.com"));
  EXPECT_LT(r.at("paypak.com"), r.at("aypak.com"));   // one slip before two
  EXPECT_LT(r.at("paypak.com"), r.at("paypak.top"));  // own TLD before an abused one
  // An abused TLD (Interisle's second) before a TLD the model does not rank.
  ASSERT_TRUE(r.contains("paypak.de"));
  EXPECT_LT(r.at("paypak.top"), r.at("paypak.de"));
}

TEST(Ranked, OmissionOutranksAccentAndAccentOutranksTwoAccents) {
  const auto r = ranks(ranked("netflix.com", ranked_options({"com"}), 20000));
  ASSERT_TRUE(r.contains("netflx.com") && r.contains("nétflix.com") && r.contains("nétflìx.com"));
  EXPECT_LT(r.at("netflx.com"), r.at("nétflix.com"));
  EXPECT_LT(r.at("nétflix.com"), r.at("nétflìx.com"));
}

TEST(Ranked, ComposesAGlyphWithAnAffixAndHyphensWithATypo) {
  const auto r = ranks(ranked("amazon.com", ranked_options({"com", "top"}), 100000));
  EXPECT_TRUE(r.contains("amaz0n8.com"));    // look-alike glyph + extra digit
  EXPECT_TRUE(r.contains("am-azon.top"));    // hyphen inside the label, cheap TLD
  EXPECT_TRUE(r.contains("ama-zom.com"));    // hyphen + keyboard slip
  EXPECT_TRUE(r.contains("amazon-fr.com"));  // country code affix
}

TEST(Ranked, OneGlyphForEveryOccurrenceOfALetter) {
  const auto r = ranks(ranked("facebook.com", ranked_options({"com"}), 20000));
  EXPECT_TRUE(r.contains("faceböök.com"));
  EXPECT_TRUE(r.contains("faceb00k.com"));
}

TEST(Ranked, BudgetIsExactBestFirstAndWithoutDuplicates) {
  for (const std::size_t budget : {1u, 7u, 1000u, 25000u}) {
    const auto list = ranked("bankofamerica.com", ranked_options(g::ranked_tlds()), budget);
    ASSERT_EQ(list.size(), budget);
    std::set<std::string> names;
    for (std::size_t i = 0; i < list.size(); ++i) {
      EXPECT_TRUE(names.insert(list[i].ascii).second) << "duplicate " << list[i].ascii;
      if (i > 0) {
        EXPECT_LE(list[i].likelihood, list[i - 1].likelihood) << list[i].ascii << " after " << list[i - 1].ascii;
      }
    }
  }
}

TEST(Ranked, EveryNameIsAValidRegistrableNameOtherThanTheBrand) {
  const auto list = ranked("paypal.com", ranked_options(g::ranked_tlds()), 30000);
  for (const auto& c : list) {
    auto n = d::parse(c.ascii);
    ASSERT_TRUE(n) << c.ascii;
    EXPECT_EQ(n->ascii, c.ascii);
    EXPECT_EQ(n->registrable(), c.ascii);  // registrable, no subdomain
    EXPECT_TRUE(n->subdomain.empty()) << c.ascii;
    EXPECT_EQ(c.registrable, c.ascii);
    EXPECT_NE(c.ascii, "paypal.com");
    auto u = d::to_unicode(c.ascii);
    ASSERT_TRUE(u);
    EXPECT_EQ(*u, c.unicode);
  }
}

TEST(Ranked, UnicodeLabelsOnlyUnderTldsThatAcceptThem) {
  const auto list = ranked("paypal.com", ranked_options({"com", "uk", "us"}), 20000);
  std::size_t idn_com = 0;
  for (const auto& c : list) {
    const bool idn = c.ascii.find("xn--") != std::string::npos;
    if (c.ascii.ends_with(".uk") || c.ascii.ends_with(".us")) {
      EXPECT_FALSE(idn) << c.ascii;
    } else if (idn) {
      ++idn_com;
    }
  }
  EXPECT_GT(idn_com, 0u);
}

TEST(Ranked, PathPriorsMultiplyToTheLikelihood) {
  const auto list = ranked("google.com", ranked_options(g::ranked_tlds()), 5000);
  ASSERT_EQ(list.size(), 5000u);
  for (const auto& c : list) {
    ASSERT_FALSE(c.path.empty());
    EXPECT_TRUE(c.path.back().starts_with("tld ")) << c.path.back();
    double product = 1;
    for (const std::string& step : c.path) {
      const auto at = step.rfind(" p=");
      ASSERT_NE(at, std::string::npos) << step;
      product *= std::strtod(step.c_str() + at + 3, nullptr);
    }
    // Steps show three significant digits.
    EXPECT_NEAR(product / c.likelihood, 1.0, 0.01) << c.ascii;
  }
}

TEST(Ranked, SmallSpaceIsExhaustedAndMaxLowersTheBudget) {
  g::Options o = ranked_options({"com"});
  o.depth = 1;
  o.fuzzers = g::bit(g::Fuzzer::omission);
  const auto all = ranked("abc.com", o, 1000);
  EXPECT_EQ(all.size(), 3u);  // bc, ac, ab
  o.fuzzers = g::kAllFuzzers;
  o.max = 10;
  EXPECT_EQ(ranked("abc.com", o, 1000).size(), 10u);
}

TEST(Ranked, DepthOneHasNoComposedEdits) {
  g::Options o = ranked_options({"com", "top"});
  o.depth = 1;
  for (const auto& c : ranked("paypal.com", o, 5000)) EXPECT_LE(c.path.size(), 2u) << c.ascii;
}

TEST(LikelihoodModel, BuiltInModelParsesAndRanksComFirst) {
  const g::Model& m = g::default_model();
  EXPECT_EQ(m.tld_prior("com", "de"), 1.0);
  EXPECT_EQ(m.tld_prior("de", "de"), m.tld_own);
  EXPECT_GT(m.tld_prior("top", "com"), m.tld_prior("xyz", "com"));
  EXPECT_EQ(m.tld_prior("example-unranked", "com"), m.tld_rest);
  EXPECT_FALSE(m.accepts_idn("uk"));
  EXPECT_TRUE(m.accepts_idn("com"));
  for (std::size_t k = 0; k < g::kEditKindCount; ++k)
    EXPECT_GT(m.edit[k], 0.0) << g::edit_kind_name(static_cast<g::EditKind>(k));
}

TEST(LikelihoodModel, ErrorsNameTheLineAndTheMissingPrior) {
  const auto bad_value = g::parse_model("edit\tomission\tlots\tsource\n");
  ASSERT_FALSE(bad_value);
  EXPECT_NE(bad_value.error().find("line 1"), std::string::npos) << bad_value.error();
  const auto no_source = g::parse_model("# c\nedit\tomission\t0.1\n");
  ASSERT_FALSE(no_source);
  EXPECT_NE(no_source.error().find("line 2"), std::string::npos) << no_source.error();
  const auto missing = g::parse_model("edit\tomission\t0.1\tx\n");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("no prior for edit repetition"), std::string::npos) << missing.error();
}

TEST(LikelihoodModel, ACustomModelChangesTheOrder) {
  std::string text(g::default_model_text());
  // Make omissions rarer than bitsquats: the order follows the data, not the code.
  const auto at = text.find("edit\tomission\t0.025");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, std::string("edit\tomission\t0.025").size(), "edit\tomission\t0.00001");
  auto m = g::parse_model(text);
  ASSERT_TRUE(m) << m.error();
  g::Options o = ranked_options({"com"});
  o.model = &*m;
  const auto r = ranks(ranked("paypal.com", o, 20000));
  ASSERT_TRUE(r.contains("paypl.com") && r.contains("paypam.com"));
  EXPECT_GT(r.at("paypl.com"), r.at("paypam.com"));
}

TEST(Ranked, AUnicodeBrandLosesOrChangesItsAccents) {
  const auto list = ranked("münchen.de", ranked_options({"de", "com"}), 2000);
  const auto r = ranks(list);
  ASSERT_TRUE(r.contains("munchen.de") && r.contains("mûnchen.de") && r.contains("münchen.com"));
  EXPECT_EQ(list[r.at("munchen.de")].path.front(), "accent ü>u @1 p=0.001");
  EXPECT_EQ(list[r.at("mûnchen.de")].path.front(), "accent ü>û @1 p=0.001");
  for (const auto& c : list) EXPECT_TRUE(d::parse(c.ascii)) << c.unicode;
}

// ---- classes added after the misses by class (two glyphs, mixed scripts, one accent, two-character affixes)

// The path step of `name` in `list` that starts with `kind`, or "".
std::string step_of(const std::vector<g::Candidate>& list, const std::map<std::string, std::size_t>& r,
                    const std::string& name, std::string_view kind) {
  if (!r.contains(name)) return "";
  for (const std::string& s : list[r.at(name)].path) {
    if (s.starts_with(kind)) return s;
  }
  return "";
}

TEST(Ranked, TwoLookAlikeGlyphsComposeAsOneChoice) {
  const auto list = ranked("amazon.com", ranked_options({"com"}), 20000);
  const auto r = ranks(list);
  // m>rn and o>0: 0.01 x 0.01 x 0.5 / (sum of amazon's glyph priors, ~0.1) = ~5e-4, above one
  // glyph and an omission (0.01 x 0.025 = 2.5e-4), which independent priors (1e-4) would put first.
  ASSERT_TRUE(r.contains("arnaz0n.com") && r.contains("arnazn.com"));
  EXPECT_LT(r.at("arnaz0n.com"), r.at("arnazn.com"));
  const std::string factor = step_of(list, r, "arnaz0n.com", "glyph-compose p=");
  ASSERT_FALSE(factor.empty());
  const double f = std::strtod(factor.c_str() + std::string_view("glyph-compose p=").size(), nullptr);
  EXPECT_GT(f, 2.5);
  EXPECT_LT(f, 10.0);
  EXPECT_NEAR(list[r.at("arnaz0n.com")].likelihood / (1e-4 * f), 1.0, 0.01);
  // A glyph and a typo are two choices: no factor.
  EXPECT_EQ(step_of(list, r, "arnazn.com", "glyph-compose"), "");
}

TEST(Ranked, MixedScriptGlyphsRankBelowSameScriptOnesUnlessAsked) {
  // Cyrillic а (U+0430) for both a's of instagram against Latin alpha (U+0251).
  const std::string cyrillic = "inst\u0430gr\u0430m.com", latin = "inst\u0251gr\u0251m.com";
  auto o = ranked_options({"com"});
  const auto list = ranked("instagram.com", o, 20000);
  const auto r = ranks(list);
  ASSERT_TRUE(r.contains(cyrillic) && r.contains(latin));
  EXPECT_LT(r.at(latin), r.at(cyrillic));
  EXPECT_NE(step_of(list, r, cyrillic, "confusable-mixed"), "");
  o.mixed_script = true;  // asked for: as likely as a same-script confusable
  const auto mixed = ranked("instagram.com", o, 20000);
  const auto m = ranks(mixed);
  ASSERT_TRUE(m.contains(cyrillic) && m.contains(latin));
  EXPECT_EQ(mixed[m.at(cyrillic)].likelihood, mixed[m.at(latin)].likelihood);
}

TEST(Ranked, OneAccentOnEveryVowelIsOneEdit) {
  const auto list = ranked("amazon.com", ranked_options({"com"}), 20000);
  const auto r = ranks(list);
  ASSERT_TRUE(r.contains("àmàzòn.com"));
  EXPECT_EQ(list[r.at("àmàzòn.com")].path.size(), 2u);  // accent-all, tld
  EXPECT_NE(step_of(list, r, "àmàzòn.com", "accent-all amazo>àmàzò"), "");
  EXPECT_NEAR(list[r.at("àmàzòn.com")].likelihood, 1e-3, 1e-12);  // as likely as one accented letter
  // The same mark on two of the three vowels is an accent pair (0.0003), below it.
  ASSERT_TRUE(r.contains("àmazòn.com"));
  EXPECT_LT(r.at("àmàzòn.com"), r.at("àmazòn.com"));
}

TEST(Ranked, TwoCharacterAffixesAreOneTokenBelowALetterAndACountryCode) {
  const auto list = ranked("paypal.com", ranked_options({"com"}), 20000);
  const auto r = ranks(list);
  ASSERT_TRUE(r.contains("paypalxq.com") && r.contains("paypalx.com") && r.contains("paypalfr.com"));
  EXPECT_LT(r.at("paypalx.com"), r.at("paypalxq.com"));
  EXPECT_LT(r.at("paypalfr.com"), r.at("paypalxq.com"));
  EXPECT_EQ(list[r.at("paypalxq.com")].path.size(), 2u);  // one token, not two letters
  EXPECT_NE(step_of(list, r, "paypalxq.com", "affix-two suffix xq"), "");
  // A country code keeps its own, larger prior.
  EXPECT_NE(step_of(list, r, "paypalfr.com", "affix-country suffix fr"), "");
  EXPECT_TRUE(r.contains("24paypal.com"));  // digits before the label
}
