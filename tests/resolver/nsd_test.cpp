// Integration tests: the real resolver (c-ares + Asio) against a real nsd on 127.0.0.1.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "resolver/resolver.hpp"
#include "tests/resolver/udp_test_servers.hpp"
#include "tests/support/nsd_server.hpp"

namespace lookalike::resolver {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;
using test_support::NsdServer;
using test_support::Zone;

std::string big_txt() {
  std::string rr;
  for (int i = 0; i < 12; ++i) {
    rr += "big TXT \"record-" + std::to_string(i) + "-" + std::string(60, static_cast<char>('a' + i)) + "\"\n";
  }
  return rr;
}

std::vector<Zone> test_zones() {
  std::string example =
      "@ SOA ns1 hostmaster 2024010101 3600 600 86400 60\n"
      "@ NS ns1\n"
      "ns1 A 192.0.2.53\n"
      "www A 192.0.2.10\n"
      "www AAAA 2001:db8::10\n"
      "v6only AAAA 2001:db8::12\n"
      "mail A 192.0.2.25\n"
      "mail AAAA 2001:db8::25\n"
      "withmx MX 10 mail\n"
      "withmx MX 20 mail2.example.test.\n"
      "nomxaddr MX 10 noaddr\n"
      "noaddr TXT \"a host without addresses\"\n"
      "nullmx MX 0 .\n"
      "txtonly TXT \"just text\"\n"
      "spf A 192.0.2.30\n"
      "spf TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
      "spf TXT \"google-site-verification=abc\"\n"
      "_dmarc.spf TXT \"v=DMARC1; p=reject; rua=mailto:d@example.test\"\n"
      "alias CNAME alias2\n"
      "alias2 CNAME www\n"
      "dangling CNAME missing\n"
      "deleg NS ns.deleg\n"
      "ns.deleg A 192.0.2.54\n"
      "*.wild A 192.0.2.99\n"
      "real.wild A 192.0.2.100\n" +
      big_txt();
  return {Zone{"example.test", example}, Zone{"broken.test", NsdServer::broken_zone_records()}};
}

class NsdResolverTest : public ::testing::TestWithParam<Backend> {
 protected:
  static void SetUpTestSuite() { server_ = std::make_unique<NsdServer>(test_zones()); }
  static void TearDownTestSuite() { server_.reset(); }

  Config config_for(std::uint16_t port, std::vector<RecordType> types) const {
    Config c;
    c.backend = GetParam();
    c.upstreams = {Upstream{"127.0.0.1", port}};
    c.types = std::move(types);
    c.timeout = std::chrono::milliseconds(1000);
    c.retries = 2;
    // nsd echoes the question's case, so 0x20 (off by default on loopback) runs in every test.
    c.case_randomization = CaseRandomization::always;
    return c;
  }

  std::map<std::string, NameResult> resolve(const std::vector<std::string>& names,
                                             std::vector<RecordType> types, Stats* stats = nullptr) const {
    Resolver r(config_for(server_->port(), std::move(types)));
    std::map<std::string, NameResult> out;
    for (auto& res : r.resolve_all(names, stats)) out.emplace(res.name, std::move(res));
    return out;
  }

  static inline std::unique_ptr<NsdServer> server_;
};

const std::vector<RecordType> kAll = {RecordType::a,  RecordType::aaaa, RecordType::mx,
                                      RecordType::ns, RecordType::txt,  RecordType::dmarc};

TEST_P(NsdResolverTest, NameWithAddressesGetsAnswersAndNodataForTheOtherTypes) {
  auto res = resolve({"www.example.test"}, kAll);
  const NameResult& www = res.at("www.example.test");
  ASSERT_EQ(www.types.size(), 6u);
  EXPECT_EQ(www.find(RecordType::a)->outcome, Outcome::answer);
  EXPECT_THAT(www.find(RecordType::a)->records, ElementsAre("192.0.2.10"));
  EXPECT_EQ(www.find(RecordType::a)->ttl, 300u);
  EXPECT_EQ(www.find(RecordType::aaaa)->outcome, Outcome::answer);
  EXPECT_THAT(www.find(RecordType::aaaa)->records, ElementsAre("2001:db8::10"));
  EXPECT_EQ(www.find(RecordType::mx)->outcome, Outcome::nodata);
  ASSERT_TRUE(www.find(RecordType::mx)->soa.has_value());
  EXPECT_EQ(www.find(RecordType::mx)->soa->serial, 2024010101u);
  EXPECT_EQ(www.find(RecordType::mx)->soa->mname, "ns1.example.test");
  EXPECT_EQ(www.find(RecordType::ns)->outcome, Outcome::nodata);
  EXPECT_EQ(www.find(RecordType::txt)->outcome, Outcome::nodata);
  EXPECT_EQ(www.find(RecordType::dmarc)->outcome, Outcome::nxdomain);
  EXPECT_TRUE(www.exists());
  EXPECT_FALSE(www.nxdomain());
  EXPECT_FALSE(www.wildcard);
}

TEST_P(NsdResolverTest, MissingNameIsNxdomainForEveryType) {
  auto res = resolve({"nosuchname.example.test"}, kAll);
  const NameResult& r = res.at("nosuchname.example.test");
  for (const TypeResult& t : r.types) EXPECT_EQ(t.outcome, Outcome::nxdomain) << to_string(t.type);
  ASSERT_TRUE(r.find(RecordType::a)->soa.has_value());
  EXPECT_TRUE(r.nxdomain());
  EXPECT_FALSE(r.exists());
}

TEST_P(NsdResolverTest, NameWithOnlyTxtIsNodataForAddresses) {
  auto res = resolve({"txtonly.example.test", "v6only.example.test"}, {RecordType::a, RecordType::aaaa, RecordType::txt});
  const NameResult& t = res.at("txtonly.example.test");
  EXPECT_EQ(t.find(RecordType::a)->outcome, Outcome::nodata);
  EXPECT_EQ(t.find(RecordType::aaaa)->outcome, Outcome::nodata);
  EXPECT_EQ(t.find(RecordType::txt)->outcome, Outcome::answer);
  EXPECT_THAT(t.find(RecordType::txt)->records, ElementsAre("just text"));
  EXPECT_FALSE(t.spf.has_value());
  const NameResult& v6 = res.at("v6only.example.test");
  EXPECT_EQ(v6.find(RecordType::a)->outcome, Outcome::nodata);
  EXPECT_EQ(v6.find(RecordType::aaaa)->outcome, Outcome::answer);
}

TEST_P(NsdResolverTest, MxHostsComeWithTheirAddressesOrHonestOutcomes) {
  auto res = resolve({"withmx.example.test", "nomxaddr.example.test", "nullmx.example.test"}, {RecordType::mx});
  const TypeResult& mx = *res.at("withmx.example.test").find(RecordType::mx);
  ASSERT_EQ(mx.outcome, Outcome::answer);
  ASSERT_EQ(mx.mx.size(), 2u);
  EXPECT_EQ(mx.mx[0].preference, 10);
  EXPECT_EQ(mx.mx[0].host, "mail.example.test");
  EXPECT_THAT(mx.mx[0].addresses, ElementsAre("192.0.2.25", "2001:db8::25"));
  EXPECT_EQ(mx.mx[0].a_outcome, Outcome::answer);
  EXPECT_EQ(mx.mx[0].aaaa_outcome, Outcome::answer);
  EXPECT_EQ(mx.mx[1].host, "mail2.example.test");
  EXPECT_TRUE(mx.mx[1].addresses.empty());
  EXPECT_EQ(mx.mx[1].a_outcome, Outcome::nxdomain);
  EXPECT_EQ(mx.mx[1].aaaa_outcome, Outcome::nxdomain);

  const TypeResult& noaddr = *res.at("nomxaddr.example.test").find(RecordType::mx);
  ASSERT_EQ(noaddr.mx.size(), 1u);
  EXPECT_EQ(noaddr.mx[0].host, "noaddr.example.test");
  EXPECT_TRUE(noaddr.mx[0].addresses.empty());
  EXPECT_EQ(noaddr.mx[0].a_outcome, Outcome::nodata);
  EXPECT_EQ(noaddr.mx[0].aaaa_outcome, Outcome::nodata);

  const TypeResult& null_mx = *res.at("nullmx.example.test").find(RecordType::mx);
  ASSERT_EQ(null_mx.mx.size(), 1u);
  EXPECT_EQ(null_mx.mx[0].host, "");
  EXPECT_TRUE(null_mx.mx[0].addresses.empty());
}

TEST_P(NsdResolverTest, SpfAndDmarcRecordsAreRecognised) {
  auto res = resolve({"spf.example.test"}, kAll);
  const NameResult& r = res.at("spf.example.test");
  EXPECT_THAT(r.find(RecordType::txt)->records,
              UnorderedElementsAre("v=spf1 ip4:192.0.2.0/24 -all", "google-site-verification=abc"));
  EXPECT_EQ(r.spf, std::optional<std::string>("v=spf1 ip4:192.0.2.0/24 -all"));
  EXPECT_EQ(r.find(RecordType::dmarc)->outcome, Outcome::answer);
  EXPECT_EQ(r.dmarc, std::optional<std::string>("v=DMARC1; p=reject; rua=mailto:d@example.test"));
}

TEST_P(NsdResolverTest, CnameChainsAreFollowedAndRecorded) {
  auto res = resolve({"alias.example.test", "dangling.example.test"}, {RecordType::a});
  const TypeResult& a = *res.at("alias.example.test").find(RecordType::a);
  EXPECT_EQ(a.outcome, Outcome::answer);
  EXPECT_THAT(a.cname_chain, ElementsAre("alias2.example.test", "www.example.test"));
  EXPECT_THAT(a.records, ElementsAre("192.0.2.10"));
  // A dangling alias exists (it has a CNAME): its missing target is not NXDOMAIN for the name.
  const TypeResult& d = *res.at("dangling.example.test").find(RecordType::a);
  EXPECT_EQ(d.outcome, Outcome::nodata);
  EXPECT_THAT(d.cname_chain, ElementsAre("missing.example.test"));
  EXPECT_TRUE(res.at("dangling.example.test").exists());
}

TEST_P(NsdResolverTest, DelegationsReportTheirNameServers) {
  auto res = resolve({"deleg.example.test"}, {RecordType::ns, RecordType::a});
  const NameResult& r = res.at("deleg.example.test");
  EXPECT_EQ(r.find(RecordType::ns)->outcome, Outcome::answer);
  EXPECT_THAT(r.find(RecordType::ns)->records, ElementsAre("ns.deleg.example.test"));
  EXPECT_EQ(r.find(RecordType::a)->outcome, Outcome::referral);
  EXPECT_TRUE(r.exists());
}

TEST_P(NsdResolverTest, WildcardAnswersAreMarkedAndRealNamesAreNot) {
  auto res = resolve({"anything.wild.example.test", "real.wild.example.test", "www.example.test"},
                     {RecordType::a, RecordType::mx});
  const NameResult& w = res.at("anything.wild.example.test");
  EXPECT_EQ(w.find(RecordType::a)->outcome, Outcome::answer);
  EXPECT_THAT(w.find(RecordType::a)->records, ElementsAre("192.0.2.99"));
  EXPECT_TRUE(w.find(RecordType::a)->wildcard);
  EXPECT_TRUE(w.wildcard);
  const NameResult& real = res.at("real.wild.example.test");
  EXPECT_THAT(real.find(RecordType::a)->records, ElementsAre("192.0.2.100"));
  EXPECT_FALSE(real.find(RecordType::a)->wildcard);
  EXPECT_FALSE(real.wildcard);
  EXPECT_FALSE(res.at("www.example.test").wildcard);
}

TEST_P(NsdResolverTest, TruncatedUdpAnswerIsRetriedOverTcp) {
  auto res = resolve({"big.example.test"}, {RecordType::txt});
  const TypeResult& t = *res.at("big.example.test").find(RecordType::txt);
  ASSERT_EQ(t.outcome, Outcome::answer);
  EXPECT_EQ(t.records.size(), 12u);  // about 900 bytes: only TCP can carry it without EDNS
}

TEST_P(NsdResolverTest, ZoneThatFailedToLoadIsServfailNotNxdomain) {
  auto res = resolve({"www.broken.test"}, {RecordType::a});
  const TypeResult& t = *res.at("www.broken.test").find(RecordType::a);
  EXPECT_EQ(t.outcome, Outcome::servfail);
  EXPECT_EQ(t.attempts, 3u);  // first try + 2 retries
  EXPECT_FALSE(res.at("www.broken.test").exists());
  EXPECT_FALSE(res.at("www.broken.test").nxdomain());
}

TEST_P(NsdResolverTest, InvalidNamesGetAnErrorWithoutAQuery) {
  Stats stats;
  auto res = resolve({std::string(70, 'a') + ".example.test"}, {RecordType::a}, &stats);
  const TypeResult& t = res.begin()->second.types.at(0);
  EXPECT_EQ(t.outcome, Outcome::error);
  EXPECT_THAT(t.error, ::testing::HasSubstr("label longer than 63"));
  EXPECT_EQ(stats.queries, 0u);
}

TEST_P(NsdResolverTest, ResolverIsReusableAcrossCalls) {
  Resolver r(config_for(server_->port(), {RecordType::a}));
  for (int round = 0; round < 3; ++round) {
    auto res = r.resolve_all({"www.example.test", "nosuchname.example.test"});
    ASSERT_EQ(res.size(), 2u);
    EXPECT_EQ(res[0].types[0].outcome, Outcome::answer);
    EXPECT_EQ(res[1].types[0].outcome, Outcome::nxdomain);
  }
}

TEST_P(NsdResolverTest, ReloadedZoneIsServedOnTheSamePort) {
  NsdServer own({Zone{"reload.test", "@ SOA ns hm 1 3600 600 86400 60\n@ NS ns\nns A 192.0.2.1\nold A 192.0.2.2\n"}});
  const auto port = own.port();
  own.reload({Zone{"reload.test", "@ SOA ns hm 2 3600 600 86400 60\n@ NS ns\nns A 192.0.2.1\nnew A 192.0.2.3\n"}});
  EXPECT_EQ(own.port(), port);
  Resolver r(config_for(own.port(), {RecordType::a}));
  auto res = r.resolve_all({"old.reload.test", "new.reload.test"});
  EXPECT_EQ(res[0].types[0].outcome, Outcome::nxdomain);
  EXPECT_EQ(res[1].types[0].outcome, Outcome::answer);
}

// Every outcome must survive a path that loses 20% of the packets each way: retries on
// timeout recover the answers, and no timeout ever turns into NXDOMAIN or NODATA.
TEST_P(NsdResolverTest, LossyPathStillYieldsEveryOutcomeCorrectly) {
  testing::LossyRelay relay(server_->port(), 0.20);
  Config c = config_for(relay.port(), {RecordType::a, RecordType::mx, RecordType::txt});
  c.timeout = std::chrono::milliseconds(150);
  c.retries = 14;  // P(one query fails 15 times at 36% per try) ~ 2e-7
  Resolver r(c);
  std::vector<std::string> names;
  for (int i = 0; i < 10; ++i) {
    for (const char* n : {"www", "txtonly", "withmx", "alias", "nosuchname", "spf"}) {
      names.push_back(std::string(n) + ".example.test");
    }
  }
  names.push_back("www.broken.test");
  Stats stats;
  auto res = r.resolve_all(names, &stats);
  ASSERT_EQ(res.size(), names.size());
  for (const NameResult& n : res) {
    const Outcome a = n.find(RecordType::a)->outcome;
    const Outcome mx = n.find(RecordType::mx)->outcome;
    const Outcome txt = n.find(RecordType::txt)->outcome;
    if (n.name == "www.example.test" || n.name == "alias.example.test" || n.name == "spf.example.test") {
      EXPECT_EQ(a, Outcome::answer) << n.name;
    } else if (n.name == "nosuchname.example.test") {
      EXPECT_EQ(a, Outcome::nxdomain);
      EXPECT_EQ(mx, Outcome::nxdomain);
      EXPECT_EQ(txt, Outcome::nxdomain);
    } else if (n.name == "www.broken.test") {
      EXPECT_EQ(a, Outcome::servfail);
    } else {
      EXPECT_EQ(a, Outcome::nodata) << n.name;
    }
    if (n.name == "withmx.example.test") {
      ASSERT_EQ(mx, Outcome::answer);
      EXPECT_THAT(n.find(RecordType::mx)->mx.at(0).addresses, ElementsAre("192.0.2.25", "2001:db8::25"));
    }
    if (n.name == "spf.example.test") {
      EXPECT_TRUE(n.spf.has_value());
    }
    if (n.name == "txtonly.example.test") {
      EXPECT_EQ(txt, Outcome::answer);
    }
  }
  EXPECT_GT(relay.dropped(), 0u);
  EXPECT_GT(stats.retries, 0u);
}

void expect_same_result(const NameResult& full, const NameResult& first) {
  SCOPED_TRACE(full.name);
  EXPECT_EQ(full.exists(), first.exists());
  EXPECT_EQ(full.nxdomain(), first.nxdomain());
  EXPECT_EQ(full.wildcard, first.wildcard);
  EXPECT_EQ(full.spf, first.spf);
  EXPECT_EQ(full.dmarc, first.dmarc);
  ASSERT_EQ(full.types.size(), first.types.size());
  for (std::size_t i = 0; i < full.types.size(); ++i) {
    const TypeResult& x = full.types[i];
    const TypeResult& y = first.types[i];
    SCOPED_TRACE(to_string(x.type));
    EXPECT_EQ(x.outcome, y.outcome);
    EXPECT_EQ(x.records, y.records);
    EXPECT_EQ(x.cname_chain, y.cname_chain);
    EXPECT_EQ(x.wildcard, y.wildcard);
    ASSERT_EQ(x.mx.size(), y.mx.size());
    for (std::size_t h = 0; h < x.mx.size(); ++h) {
      EXPECT_EQ(x.mx[h].host, y.mx[h].host);
      EXPECT_EQ(x.mx[h].addresses, y.mx[h].addresses);
    }
    ASSERT_EQ(x.soa.has_value(), y.soa.has_value());
    if (x.soa) {
      EXPECT_EQ(x.soa->serial, y.soa->serial);
    }
  }
}

// Existence first against a real server: the same results as asking every type, and one query
// for each name that does not exist.
TEST_P(NsdResolverTest, ExistenceFirstGivesTheFullResultsWithOneQueryPerMissingName) {
  std::vector<std::string> names = {"www.example.test",       "v6only.example.test",        "withmx.example.test",
                                    "nullmx.example.test",    "txtonly.example.test",       "spf.example.test",
                                    "alias.example.test",     "dangling.example.test",      "deleg.example.test",
                                    "real.wild.example.test", "anything.wild.example.test", "www.broken.test"};
  constexpr int kMissing = 40;
  for (int i = 0; i < kMissing; ++i) names.push_back("missing" + std::to_string(i) + ".example.test");
  names.push_back("below.missing0.example.test");
  const int missing = kMissing + 1;

  Stats full_stats;
  Resolver full(config_for(server_->port(), kAll));
  const auto a = full.resolve_all(names, &full_stats);
  Config c = config_for(server_->port(), kAll);
  c.existence_first = true;
  Stats first_stats;
  Resolver first(c);
  const auto b = first.resolve_all(names, &first_stats);

  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) expect_same_result(a[i], b[i]);
  for (const NameResult& n : b) {
    if (!n.name.starts_with("missing") && !n.name.starts_with("below")) continue;
    EXPECT_EQ(n.find(RecordType::a)->attempts, 1u) << n.name;
    for (const TypeResult& t : n.types) EXPECT_EQ(t.inferred, t.type != RecordType::a) << n.name;
  }
  EXPECT_TRUE(b[0].exists());
  EXPECT_EQ(b.back().find(RecordType::mx)->outcome, Outcome::nxdomain);
  EXPECT_EQ(first_stats.nxdomain_names, static_cast<std::uint64_t>(missing));
  EXPECT_EQ(first_stats.types_not_asked, static_cast<std::uint64_t>(5 * missing));
  // Everything else is asked exactly as in full mode (retries of the broken zone, MX host
  // lookups, one set of probes per parent with an existing name), except the five probes of
  // missing0.example.test: no name under it exists, so there is no answer to compare.
  EXPECT_EQ(full_stats.wildcard_probes, first_stats.wildcard_probes + 5);
  EXPECT_EQ(full_stats.queries, first_stats.queries + 5 * missing + 5);
}

INSTANTIATE_TEST_SUITE_P(BothBackends, NsdResolverTest, ::testing::Values(Backend::native, Backend::c_ares),
                         [](const ::testing::TestParamInfo<Backend>& param) {
                           return param.param == Backend::native ? "Native" : "CAres";
                         });

}  // namespace
}  // namespace lookalike::resolver
