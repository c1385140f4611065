// posture::UnboundDns against a real nsd on loopback (stub zone, no validation anchor).
#include "posture/unbound_dns.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "posture/rdata.hpp"
#include "tests/support/nsd_server.hpp"

using namespace lookalike::posture;
using lookalike::test_support::NsdServer;

namespace {

std::unique_ptr<NsdServer> serve() {
  return std::make_unique<NsdServer>(std::vector<lookalike::test_support::Zone>{{"mail.test",
                     "@ SOA ns1 host 1 3600 600 86400 60\n"
                     "@ NS ns1\n"
                     "ns1 A 127.0.0.1\n"
                     "@ MX 10 mx1\n"
                     "@ MX 20 mx2\n"
                     "@ TXT \"v=spf1 \" \"ip4:192.0.2.0/24 -all\"\n"
                     "mx1 A 192.0.2.10\n"
                     "mx1 AAAA 2001:db8::10\n"
                     "alias CNAME mx1\n"
                     "_25._tcp.mx1 TLSA 3 1 1 abcdef\n"}});
}

UnboundOptions stub(const std::string& zone, const std::string& address, int timeout_ms) {
  UnboundOptions options;
  options.stubs = {{zone, address}};
  options.timeout_ms = timeout_ms;
  return options;
}

}  // namespace

TEST(UnboundDns, AnswersABatchInOrderWithRdataAndRcodes) {
  auto nsd = serve();
  auto dns = UnboundDns::create(stub("mail.test", nsd->address(), 5000));
  ASSERT_TRUE(dns) << dns.error();
  EXPECT_FALSE((*dns)->validating());
  std::vector<Question> qs = {{"mail.test", rrtype::mx},       {"mail.test", rrtype::txt},
                              {"mx1.mail.test", rrtype::aaaa}, {"nope.mail.test", rrtype::a},
                              {"alias.mail.test", rrtype::a},  {"_25._tcp.mx1.mail.test", rrtype::tlsa},
                              {"mx2.mail.test", rrtype::a}};
  auto answers = (*dns)->resolve(qs);
  ASSERT_EQ(answers.size(), qs.size());

  ASSERT_EQ(answers[0].rcode, Answer::Rcode::noerror);
  ASSERT_EQ(answers[0].rdata.size(), 2u);
  std::vector<std::string> hosts;
  for (const auto& r : answers[0].rdata) hosts.push_back(mx_record(r).value().host);
  std::sort(hosts.begin(), hosts.end());
  EXPECT_EQ(hosts, (std::vector<std::string>{"mx1.mail.test", "mx2.mail.test"}));

  ASSERT_EQ(answers[1].rdata.size(), 1u);
  EXPECT_EQ(txt_text(answers[1].rdata[0]), "v=spf1 ip4:192.0.2.0/24 -all");

  ASSERT_EQ(answers[2].rdata.size(), 1u);
  EXPECT_EQ(address_text(answers[2].rdata[0]), "2001:db8::10");

  EXPECT_EQ(answers[3].rcode, Answer::Rcode::nxdomain);
  EXPECT_TRUE(answers[3].rdata.empty());

  ASSERT_EQ(answers[4].rcode, Answer::Rcode::noerror);
  EXPECT_EQ(answers[4].canonical_name, "mx1.mail.test");
  ASSERT_EQ(answers[4].rdata.size(), 1u);
  EXPECT_EQ(address_text(answers[4].rdata[0]), "192.0.2.10");

  ASSERT_EQ(answers[5].rdata.size(), 1u);
  EXPECT_EQ(to_text(tlsa_record(answers[5].rdata[0]).value()), "3 1 1 abcdef");
  EXPECT_TRUE(answers[0].canonical_name.empty());

  // mx2 has no address record: NXDOMAIN (the name does not exist at all).
  EXPECT_EQ(answers[6].rcode, Answer::Rcode::nxdomain);
  EXPECT_EQ(answers[0].security, Security::indeterminate);
}

TEST(UnboundDns, UnansweredQuestionsTimeOutWithinTheBound) {
  // A stub pointing at a loopback port nobody listens on: every answer is a timeout or SERVFAIL.
  const auto port = lookalike::test_support::free_loopback_port();
  auto dns = UnboundDns::create(stub("dead.test", "127.0.0.1:" + std::to_string(port), 800));
  ASSERT_TRUE(dns) << dns.error();
  std::vector<Question> qs = {{"dead.test", rrtype::mx}, {"x.dead.test", rrtype::txt}};
  auto answers = (*dns)->resolve(qs);
  for (const auto& a : answers) {
    EXPECT_TRUE(a.rcode == Answer::Rcode::timeout || a.rcode == Answer::Rcode::servfail) << static_cast<int>(a.rcode);
    EXPECT_TRUE(a.rdata.empty());
  }
  // The context stays usable after a timed-out batch.
  auto again = (*dns)->resolve(qs);
  EXPECT_EQ(again.size(), 2u);
}

TEST(UnboundDns, RejectsAMalformedResolverAddressAndAMissingTrustAnchor) {
  UnboundOptions bad_resolver;
  bad_resolver.forwarders = {"not-an-address"};
  EXPECT_FALSE(UnboundDns::create(bad_resolver));
  UnboundOptions bad_anchor;
  bad_anchor.trust_anchor_file = "/nonexistent/anchor.key";
  EXPECT_FALSE(UnboundDns::create(bad_anchor));
}
