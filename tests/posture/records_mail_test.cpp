// The pure readers the look-alike score uses (through pipeline/): the SPF "all" qualifier, whether
// an SPF record passes any sender, the DMARC policy, and DKIM keys (shared with posture's dkim check).
#include <gtest/gtest.h>

#include <algorithm>

#include "posture/records.hpp"
#include "tests/support/dkim_key.hpp"

using namespace lookalike::posture;

namespace {
std::vector<SpfTerm> spf(std::string_view text) {
  auto t = parse_spf(text);
  EXPECT_TRUE(t) << text;
  return t ? *t : std::vector<SpfTerm>{};
}
}  // namespace

TEST(RecordsMail, SpfAllQualifierIsTheFirstAll) {
  EXPECT_EQ(spf_all_qualifier(spf("v=spf1 +all")), '+');
  EXPECT_EQ(spf_all_qualifier(spf("v=spf1 a ?all")), '?');
  EXPECT_EQ(spf_all_qualifier(spf("v=spf1 mx all")), '+');  // no qualifier means '+'
  EXPECT_EQ(spf_all_qualifier(spf("v=spf1 -all +all")), '-');
  EXPECT_EQ(spf_all_qualifier(spf("v=spf1 ip4:192.0.2.1")), std::nullopt);
}

TEST(RecordsMail, SpfAuthorisesSendersOnlyWithAPassingMechanismBeforeAll) {
  EXPECT_TRUE(spf_authorises_senders(spf("v=spf1 ip4:192.0.2.1 -all")));
  EXPECT_TRUE(spf_authorises_senders(spf("v=spf1 include:x.test ~all")));
  EXPECT_TRUE(spf_authorises_senders(spf("v=spf1 redirect=x.test")));
  EXPECT_FALSE(spf_authorises_senders(spf("v=spf1 -all")));
  EXPECT_FALSE(spf_authorises_senders(spf("v=spf1 -ip4:192.0.2.1 -all")));
  EXPECT_FALSE(spf_authorises_senders(spf("v=spf1 -all a")));  // never reached
  EXPECT_FALSE(spf_authorises_senders(spf("v=spf1 +all")));   // "+all" is graded on its own
}

TEST(RecordsMail, DmarcPolicy) {
  EXPECT_EQ(dmarc_policy("v=DMARC1; p=reject; rua=mailto:d@x.test"), "reject");
  EXPECT_EQ(dmarc_policy("v=DMARC1;p=none"), "none");
  EXPECT_EQ(dmarc_policy("v=DMARC1; p=quarantine"), "quarantine");
  EXPECT_EQ(dmarc_policy("v=DMARC1; rua=mailto:d@x.test"), std::nullopt);  // no p=
  EXPECT_EQ(dmarc_policy("v=DMARC1; p=rejected"), std::nullopt);
  EXPECT_EQ(dmarc_policy("p=reject; v=DMARC1"), std::nullopt);  // v= must come first
  EXPECT_EQ(dmarc_policy("v=DMARC1; p"), std::nullopt);
}

TEST(RecordsMail, DkimKeysThatSignAreUsableAndNotTesting) {
  using lookalike::test_support::dkim_public_key;
  const auto rsa2048 = read_dkim_key("v=DKIM1; k=rsa; p=" + dkim_public_key(2048));
  ASSERT_TRUE(rsa2048);
  EXPECT_EQ(rsa2048->kind, DkimKey::Kind::rsa);
  EXPECT_EQ(rsa2048->bits, 2048);
  EXPECT_EQ(rsa2048->text, "RSA 2048 bits");
  EXPECT_TRUE(dkim_key_signs(*rsa2048));
  const auto ed = read_dkim_key("v=DKIM1; k=ed25519; p=" + dkim_public_key(0));
  ASSERT_TRUE(ed);
  EXPECT_TRUE(dkim_key_signs(*ed));
  const auto rsa1024 = read_dkim_key("k=rsa; p=" + dkim_public_key(1024));  // v= is optional
  ASSERT_TRUE(rsa1024);
  EXPECT_TRUE(dkim_key_signs(*rsa1024));
  // Near misses: testing mode, revoked, too small, not DKIM1, not base64, no key record at all.
  const auto testing = read_dkim_key("v=DKIM1; t=y; p=" + dkim_public_key(2048));
  ASSERT_TRUE(testing);
  EXPECT_EQ(testing->text, "RSA 2048 bits, t=y (testing)");
  EXPECT_FALSE(dkim_key_signs(*testing));
  const auto revoked = read_dkim_key("v=DKIM1; p=");
  ASSERT_TRUE(revoked);
  EXPECT_EQ(revoked->kind, DkimKey::Kind::revoked);
  EXPECT_FALSE(dkim_key_signs(*revoked));
  const auto small = read_dkim_key("v=DKIM1; p=" + dkim_public_key(512));
  ASSERT_TRUE(small);
  EXPECT_EQ(small->text, "RSA 512 bits (RFC 8301: at least 1024)");
  EXPECT_FALSE(dkim_key_signs(*small));
  EXPECT_FALSE(dkim_key_signs(*read_dkim_key("v=DKIM2; p=" + dkim_public_key(0))));
  EXPECT_FALSE(dkim_key_signs(*read_dkim_key("v=DKIM1; p=!!!")));
  EXPECT_FALSE(dkim_key_signs(*read_dkim_key("v=DKIM1; k=ed25519; p=AAAA")));
  EXPECT_FALSE(read_dkim_key("v=spf1 -all"));
}

TEST(RecordsMail, DkimSelectorsAreTheUsersThenTheGuessListWithoutRepeats) {
  const std::vector<std::string> user = {"sel1", "google"};
  const auto all = dkim_selectors(user);
  ASSERT_EQ(all.size(), 1 + std::size(kGuessedDkimSelectors));
  EXPECT_EQ(all[0], "sel1");
  EXPECT_EQ(all[1], "google");
  EXPECT_EQ(std::count(all.begin(), all.end(), "google"), 1);
  EXPECT_EQ(dkim_selectors().size(), std::size(kGuessedDkimSelectors));
  EXPECT_EQ(dkim_hint_name("example.com"), "_domainkey.example.com");
  EXPECT_EQ(dkim_key_name("s1", "example.com"), "s1._domainkey.example.com");
}
