#include "generator/generator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <unordered_set>
#include <vector>

#include "generator/unicode.hpp"
#include "tests/generator/brand.hpp"

namespace g = lookalike::generator;
namespace d = lookalike::domain;

namespace {

using lookalike::generator_test::brand;

// The ASCII names a single fuzzer produces for `domain`.
std::set<std::string> names_of(std::string_view domain, g::Fuzzer f, g::Options o = {}) {
  o.fuzzers = g::bit(f);
  std::set<std::string> out;
  for (const auto& c : g::generate_all(brand(domain), o)) out.insert(c.ascii);
  return out;
}

using Names = std::set<std::string>;

}  // namespace

TEST(Addition, AppendsEveryLetterAndDigit) {
  const auto n = names_of("ab.com", g::Fuzzer::addition);
  EXPECT_EQ(n.size(), 36u);
  EXPECT_TRUE(n.contains("ab0.com"));
  EXPECT_TRUE(n.contains("abz.com"));
}

TEST(Bitsquatting, FlipsOneBitIntoAnLdhCharacter) {
  // 'a' = 0x61: flips give 0x60 '`' (no), 0x63 'c', 0x65 'e', 0x69 'i', 0x71 'q', 0x41 'A' (no), 0x21 (no), 0xe1 (no).
  EXPECT_EQ(names_of("a.com", g::Fuzzer::bitsquatting), (Names{"c.com", "e.com", "i.com", "q.com"}));
}

TEST(Bitsquatting, NeverEmitsLeadingOrTrailingHyphen) {
  // 'm' (0x6d) xor 0x40 = '-' : a leading hyphen is invalid, so no "-x.com".
  for (const auto& n : names_of("mx.com", g::Fuzzer::bitsquatting)) EXPECT_NE(n.front(), '-') << n;
}

TEST(Hyphenation, InsertsAHyphenBetweenCharacters) {
  EXPECT_EQ(names_of("abc.com", g::Fuzzer::hyphenation), (Names{"a-bc.com", "ab-c.com"}));
}

TEST(Omission, DropsEachCharacter) {
  EXPECT_EQ(names_of("abc.com", g::Fuzzer::omission), (Names{"ab.com", "ac.com", "bc.com"}));
}

TEST(Repetition, DoublesEachCharacter) {
  EXPECT_EQ(names_of("abc.com", g::Fuzzer::repetition), (Names{"aabc.com", "abbc.com", "abcc.com"}));
}

TEST(Transposition, SwapsNeighbours) {
  EXPECT_EQ(names_of("abc.com", g::Fuzzer::transposition), (Names{"bac.com", "acb.com"}));
}

TEST(VowelSwap, ReplacesEachVowelWithEveryOther) {
  EXPECT_EQ(names_of("bat.com", g::Fuzzer::vowel_swap), (Names{"bet.com", "bit.com", "bot.com", "but.com"}));
}

TEST(Replacement, UsesOnlyTheChosenKeyboards) {
  g::Options o;
  o.keyboards = {g::Keyboard::qwerty};
  // qwerty neighbours of 'q' are "12wa", of 'z' "asx".
  EXPECT_EQ(names_of("qz.com", g::Fuzzer::replacement, o),
            (Names{"1z.com", "2z.com", "wz.com", "az.com", "qa.com", "qs.com", "qx.com"}));
}

TEST(Insertion, InsertsNeighbourKeysAroundInnerCharacters) {
  g::Options o;
  o.keyboards = {g::Keyboard::qwerty};
  // Only inner positions (dnstwist): for "aqb", 'q' -> neighbours 1 2 w a on either side.
  EXPECT_EQ(names_of("aqb.com", g::Fuzzer::insertion, o),
            (Names{"a1qb.com", "aq1b.com", "a2qb.com", "aq2b.com", "awqb.com", "aqwb.com", "aaqb.com", "aqab.com"}));
}

TEST(Subdomain, InsertsADotAwayFromHyphens) {
  // dnstwist: positions 1 .. len-2, not next to '-' or '.'.
  EXPECT_EQ(names_of("abcd.com", g::Fuzzer::subdomain), (Names{"a.bcd.com", "ab.cd.com"}));
  EXPECT_EQ(names_of("ab-cd.com", g::Fuzzer::subdomain), (Names{"a.b-cd.com"}));
}

TEST(Plural, AddsSOrEs) {
  const auto n = names_of("class.com", g::Fuzzer::plural);
  EXPECT_TRUE(n.contains("classes.com"));
  EXPECT_TRUE(n.contains("classs.com"));  // dnstwist's inner plural after position 2
}

TEST(Cyrillic, ConvertsOnlyWholeLabels) {
  g::Options o;
  o.fuzzers = g::bit(g::Fuzzer::cyrillic);
  const auto all = g::generate_all(brand("paypal.com"), o);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].unicode, "раураӏ.com");
  EXPECT_TRUE(names_of("fun.com", g::Fuzzer::cyrillic).empty());  // 'f', 'u', 'n' have no entry
}

TEST(Homoglyph, ReplacesRunsOfOneCharacterInAWindow) {
  const auto n = names_of("aa.com", g::Fuzzer::homoglyph);
  // Window width < label length: single replacements of either 'a', never both in round 1,
  // but round 2 can replace the other one too.
  EXPECT_TRUE(n.contains("xn--a-sfa.com"));   // àa
  EXPECT_TRUE(n.contains("xn--0caa.com"));    // àà via two rounds
  for (const auto& s : n) EXPECT_TRUE(d::validate_ascii(s)) << s;
}

// The homoglyph fuzzer delivers its names in a fixed order (round 1, then each round-1 label and
// what round 2 makes of it), whatever buffering its index lookups go through; the last names are
// round 2's last. Pinned from the output before the lookups were buffered.
TEST(Homoglyph, KeepsItsOrderToTheLastName) {
  g::Options o;
  o.fuzzers = g::bit(g::Fuzzer::homoglyph);
  std::vector<std::string> n;
  for (const auto& c : g::generate_all(brand("xm.com"), o)) n.push_back(c.ascii);
  ASSERT_EQ(n.size(), 132u);
  EXPECT_EQ(n[0], "xn--m-rtm.com");
  EXPECT_EQ(n[1], "xn--n-rtm.com");
  EXPECT_EQ(n[59], "xn--xn-bra.com");
  EXPECT_EQ(n[60], "xn--xn-n6a.com");
  EXPECT_EQ(n[129], "xn--x-y6l.com");
  EXPECT_EQ(n[130], "xn--x-p2a.com");
  EXPECT_EQ(n[131], "xn--x-gpm.com");
  EXPECT_EQ(std::set<std::string>(n.begin(), n.end()).size(), n.size());
}

TEST(Confusable, StaysInOneScriptUnlessAsked) {
  const auto single = names_of("paypal.com", g::Fuzzer::confusable);
  g::Options mixed;
  mixed.mixed_script = true;
  const auto many = names_of("paypal.com", g::Fuzzer::confusable, mixed);
  EXPECT_GT(many.size(), single.size());
  EXPECT_TRUE(many.contains("xn--pypal-4ve.com"));     // Cyrillic а in a Latin label: mixed
  EXPECT_FALSE(single.contains("xn--pypal-4ve.com"));
  EXPECT_TRUE(single.contains("xn--pypal-0jc.com"));  // Latin ɑ (U+0251)
  // Whole-script confusables: every letter from one other script (here Cyrillic and Greek).
  g::Options o;
  o.fuzzers = g::bit(g::Fuzzer::confusable);
  std::set<std::string> unicode;
  for (const auto& c : g::generate_all(brand("pay.com"), o)) unicode.insert(c.unicode);
  EXPECT_TRUE(unicode.contains("рау.com"));
  EXPECT_TRUE(unicode.contains("ραγ.com"));
}

TEST(AsciiHomoglyph, SwapsLookAlikeSequences) {
  const auto n = names_of("modem.com", g::Fuzzer::ascii_homoglyph);
  EXPECT_TRUE(n.contains("rnodem.com"));
  EXPECT_TRUE(n.contains("rnodern.com"));  // all occurrences
  EXPECT_TRUE(n.contains("moclem.com"));
  EXPECT_TRUE(n.contains("m0dem.com"));
}

TEST(NumeralSwap, SwapsDigitsAndWords) {
  const auto n = names_of("one2one.com", g::Fuzzer::numeral_swap);
  EXPECT_TRUE(n.contains("12one.com"));
  EXPECT_TRUE(n.contains("one21.com"));
  EXPECT_TRUE(n.contains("onetwoone.com"));
  EXPECT_TRUE(n.contains("onetooone.com"));
}

TEST(HyphenStrip, RemovesHyphens) {
  EXPECT_EQ(names_of("my-big-bank.com", g::Fuzzer::hyphen_strip),
            (Names{"mybig-bank.com", "my-bigbank.com", "mybigbank.com"}));
}

TEST(DotDash, SwapsDotsAndDashes) {
  EXPECT_EQ(names_of("www.my-bank.com", g::Fuzzer::dot_dash),
            (Names{"www.my.bank.com", "www-my-bank.com"}));
}

TEST(MissingDot, JoinsTheSubdomain) {
  EXPECT_EQ(names_of("paypal.com", g::Fuzzer::missing_dot), (Names{"wwwpaypal.com"}));
  EXPECT_EQ(names_of("login.paypal.com", g::Fuzzer::missing_dot), (Names{"loginpaypal.com"}));
}

TEST(WrongSld, SwapsSecondLevelDomains) {
  const auto uk = names_of("bank.co.uk", g::Fuzzer::wrong_sld);
  EXPECT_TRUE(uk.contains("bank.uk"));
  EXPECT_TRUE(uk.contains("bank.com"));
  EXPECT_TRUE(uk.contains("bank.org.uk"));
  EXPECT_FALSE(uk.contains("bank.co.uk"));
  EXPECT_TRUE(names_of("bank.au", g::Fuzzer::wrong_sld).contains("bank.com.au"));
}

TEST(TldSwapAndInsertion, UseTheTldSet) {
  g::Options o;
  o.tlds = {"com", "net", "co"};
  EXPECT_EQ(names_of("paypal.com", g::Fuzzer::tld_swap, o), (Names{"paypal.net", "paypal.co"}));
  EXPECT_EQ(names_of("paypal.com", g::Fuzzer::tld_insertion, o),
            (Names{"paypal.com.com", "paypal.com.net", "paypal.com.co"}));
}

TEST(Combosquat, AddsKeywordsWithAndWithoutHyphen) {
  g::Options o;
  o.keywords = {"login"};
  EXPECT_EQ(names_of("paypal.com", g::Fuzzer::combosquat, o),
            (Names{"paypal-login.com", "paypallogin.com", "login-paypal.com", "loginpaypal.com"}));
}

TEST(Various, MatchesDnstwist) {
  EXPECT_EQ(names_of("paypal.de", g::Fuzzer::various), (Names{"paypalde.de", "paypal-de.com"}));
  EXPECT_EQ(names_of("bank.co.uk", g::Fuzzer::various), (Names{"bank.uk", "bankco.uk"}));
}

TEST(Generate, NeverEmitsTheBrandAndEmitsEachNameOnceWithAllItsFuzzers) {
  g::Options o;
  o.tlds = *g::load_tlds("common", "com");
  o.keywords = g::default_keywords();
  const auto all = g::generate_all(brand("paypal.com"), o);
  std::unordered_set<std::string> seen;
  for (const auto& c : all) {
    EXPECT_NE(c.ascii, "paypal.com");
    EXPECT_TRUE(seen.insert(c.ascii).second) << "duplicate " << c.ascii;
  }
  // paypa1.com comes from replacement? no: from homoglyph (l->1) and ascii-homoglyph.
  const auto it = std::find_if(all.begin(), all.end(), [](const g::Candidate& c) { return c.ascii == "paypa1.com"; });
  ASSERT_NE(it, all.end());
  EXPECT_TRUE(it->fuzzers & g::bit(g::Fuzzer::homoglyph));
  EXPECT_TRUE(it->fuzzers & g::bit(g::Fuzzer::ascii_homoglyph));
}

TEST(Generate, KeepsTheBrandSubdomain) {
  g::Options o;
  o.fuzzers = g::bit(g::Fuzzer::omission);
  const auto all = g::generate_all(brand("www.paypal.com"), o);
  ASSERT_FALSE(all.empty());
  for (const auto& c : all) {
    EXPECT_TRUE(c.ascii.starts_with("www.")) << c.ascii;
    EXPECT_FALSE(c.registrable.starts_with("www.")) << c.registrable;
  }
}

// Properties over many brands: valid, registrable, unique, brand excluded, and our fast
// Punycode/validity path agrees with libidn2 on every name.
TEST(Generate, EveryCandidateIsAValidRegistrableIdna2008Name) {
  const char* brands[] = {"paypal.com",    "bankofamerica.com", "google.com", "microsoft.com", "example-bank.co.uk",
                          "amazon.de",     "apple.com",         "x.com",      "münchen.de",    "bücher.example.com",
                          "www.chase.com", "netflix.com",       "sparkasse.de", "ing.nl",      "a-b.io"};
  g::Options o;
  o.keywords = g::default_keywords();
  for (const char* b : brands) {
    const d::Name n = brand(b);
    o.tlds = *g::load_tlds("common", n.suffix);
    std::unordered_set<std::string> seen;
    for (const auto& c : g::generate_all(n, o)) {
      ASSERT_TRUE(seen.insert(c.ascii).second) << b << ": duplicate " << c.ascii;
      EXPECT_NE(c.ascii, n.ascii);
      auto parsed = d::parse(c.ascii);
      ASSERT_TRUE(parsed) << b << ": " << parsed.error().message();
      EXPECT_EQ(parsed->registrable(), c.registrable) << c.ascii;
      EXPECT_TRUE(parsed->known_suffix) << c.ascii;
      EXPECT_EQ(parsed->unicode, c.unicode) << c.ascii;
      auto back = d::to_ascii(c.unicode);
      ASSERT_TRUE(back) << c.unicode << ": " << back.error().message();
      EXPECT_EQ(*back, c.ascii);
      EXPECT_NE(c.fuzzers, 0u);
    }
    EXPECT_GT(seen.size(), 10u) << b;
  }
}

TEST(Generate, DepthTwoAddsTwoEditNamesWithinMax) {
  g::Options o;
  o.fuzzers = g::bit(g::Fuzzer::omission) | g::bit(g::Fuzzer::repetition) | g::bit(g::Fuzzer::insertion);
  o.depth = 2;
  o.max = 5000;
  const auto all = g::generate_all(brand("paypal.com"), o);
  EXPECT_LE(all.size(), 5000u);
  bool two = false;
  std::unordered_set<std::string> seen;
  for (const auto& c : all) {
    EXPECT_TRUE(seen.insert(c.ascii).second) << c.ascii;
    if (c.ascii == "pypl.com" || c.ascii == "ppaypall.com") {
      EXPECT_EQ(c.edits, 2);
      two = true;
    }
  }
  EXPECT_TRUE(two);
}

TEST(Generate, StopsWhenTheSinkSaysSo) {
  std::size_t n = 0;
  (void)g::generate(brand("paypal.com"), {}, [&](const g::Candidate&) { return ++n < 10; });
  EXPECT_EQ(n, 10u);
}

TEST(Fuzzers, ParseListsAndNameTheBadItem) {
  auto ok = g::parse_fuzzers("addition, vowel-swap");
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, g::bit(g::Fuzzer::addition) | g::bit(g::Fuzzer::vowel_swap));
  auto bad = g::parse_fuzzers("addition,typo");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("\"typo\""), std::string::npos);
  EXPECT_EQ(*g::parse_fuzzers("all"), g::kAllFuzzers);
}

TEST(Tlds, LoadsNamedSetsListsAndRejectsNonSuffixes) {
  EXPECT_EQ(*g::load_tlds("original", "co.uk"), std::vector<std::string>{"co.uk"});
  auto common = g::load_tlds("common", "com");
  ASSERT_TRUE(common);
  EXPECT_NE(std::find(common->begin(), common->end(), "co.uk"), common->end());
  auto all = g::load_tlds("all", "com");
  ASSERT_TRUE(all) << all.error();
  EXPECT_GT(all->size(), 1000u);
  EXPECT_NE(std::find(all->begin(), all->end(), "xn--p1ai"), all->end());  // .рф
  auto list = g::load_tlds("com,net", "com");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 2u);
  auto bad = g::load_tlds("com,example", "com");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("line 2"), std::string::npos) << bad.error();
}

TEST(Punycode, EncodesLikeRfc3492) {
  std::string out;
  ASSERT_TRUE(g::detail::append_alabel(U"münchen", out));
  EXPECT_EQ(out, "xn--mnchen-3ya");
  out.clear();
  ASSERT_TRUE(g::detail::append_alabel(U"рф", out));
  EXPECT_EQ(out, "xn--p1ai");
}
