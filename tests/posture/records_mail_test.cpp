// The pure readers the look-alike score uses (through pipeline/): the SPF "all" qualifier, whether
// an SPF record passes any sender, and the DMARC policy.
#include <gtest/gtest.h>

#include "posture/records.hpp"

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
