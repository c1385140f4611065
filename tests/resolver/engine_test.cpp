// Unit tests of the scheduling logic (retry, rotation, health, window, wildcards) over a fake
// transport that answers from a script, without sockets or real time.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <fstream>
#include <map>
#include <optional>

#include "resolver/dns_message.hpp"
#include "resolver/resolver.hpp"
#include "resolver/transport.hpp"

namespace lookalike::resolver {
namespace {

using ::testing::ElementsAre;

// Builds a reply to (qname, qtype) with the given rcode and A/TXT answers at qname.
Reply reply(const std::string& qname, std::uint16_t qtype, std::uint8_t rcode,
            const std::vector<std::string>& a_records = {}) {
  auto w = dns::encode_query(7, qname, qtype, true).value();
  w[2] = 0x85;
  w[3] = static_cast<std::uint8_t>(0x80 | rcode);
  w[7] = static_cast<std::uint8_t>(a_records.size());
  for (const auto& a : a_records) {
    unsigned b[4];
    std::sscanf(a.c_str(), "%u.%u.%u.%u", &b[0], &b[1], &b[2], &b[3]);
    w.insert(w.end(), {0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 60, 0, 4});
    for (unsigned x : b) w.push_back(static_cast<std::uint8_t>(x));
  }
  return Reply{Reply::Kind::message, std::move(w), {}};
}

Reply timeout() { return Reply{Reply::Kind::timeout, {}, {}}; }

// A reply to (qname, qtype) holding only "qname CNAME target.other.test": the chain leaves it.
Reply alias_to_other_zone(const std::string& qname, std::uint16_t qtype) {
  auto w = dns::encode_query(1, qname, qtype, true).value();
  w[2] = 0x85;
  w[7] = 1;
  w.insert(w.end(), {0xC0, 0x0C, 0x00, 0x05, 0x00, 0x01, 0,   0,   0,   60, 0,   19,  6,   't', 'a', 'r',
                     'g',  'e',  't',  5,    'o',  't',  'h', 'e', 'r', 4,  't', 'e', 's', 't', 0});
  return Reply{Reply::Kind::message, std::move(w), {}};
}

struct Call {
  std::size_t upstream;
  std::string qname;
  std::uint16_t qtype;
};

// Answers each send() from `script`, posted to the loop (never from inside send()).
class FakeTransport final : public Transport {
 public:
  using Script = std::function<Reply(std::size_t upstream, const std::string& qname, std::uint16_t qtype)>;
  explicit FakeTransport(Script s, std::vector<Call>* calls, std::size_t* max_in_flight)
      : script_(std::move(s)), calls_(calls), max_in_flight_(max_in_flight) {}

  void start(boost::asio::io_context& io, const std::vector<Upstream>&, const Config&) override { io_ = &io; }
  void send(std::size_t upstream, const std::string& qname, std::uint16_t qtype, ReplyHandler done) override {
    calls_->push_back({upstream, qname, qtype});
    ++in_flight_;
    *max_in_flight_ = std::max(*max_in_flight_, in_flight_);
    Reply r = script_(upstream, qname, qtype);
    boost::asio::post(*io_, [this, d = std::move(done), r = std::move(r)]() mutable {
      --in_flight_;
      d(std::move(r));
    });
  }
  void stop() override {}

 private:
  Script script_;
  std::vector<Call>* calls_;
  std::size_t* max_in_flight_;
  std::size_t in_flight_ = 0;
  boost::asio::io_context* io_ = nullptr;
};

struct Run {
  std::vector<NameResult> results;
  std::vector<Call> calls;
  std::size_t max_in_flight = 0;
  Stats stats;
};

Run run(Config c, const std::vector<std::string>& names, FakeTransport::Script script) {
  Run out;
  Resolver r(std::move(c), std::make_unique<FakeTransport>(std::move(script), &out.calls, &out.max_in_flight));
  out.results = r.resolve_all(names, &out.stats);
  return out;
}

Config config(std::size_t upstreams, std::vector<RecordType> types = {RecordType::a}) {
  Config c;
  for (std::size_t i = 0; i < upstreams; ++i) c.upstreams.push_back(Upstream{"127.0.0." + std::to_string(i + 1), 53});
  c.types = std::move(types);
  c.detect_wildcards = false;
  c.retries = 3;
  return c;
}

std::vector<std::string> names(int n, const std::string& suffix = ".example.test") {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back("n" + std::to_string(i) + suffix);
  return v;
}

TEST(Engine, ServfailIsRetriedOnAnotherUpstreamAndItsAnswerWins) {
  auto r = run(config(3), {"www.example.test"}, [](std::size_t u, const std::string& q, std::uint16_t t) {
    return u == 0 ? reply(q, t, dns::kRcodeServFail) : reply(q, t, 0, {"192.0.2.1"});
  });
  ASSERT_EQ(r.calls.size(), 2u);
  EXPECT_EQ(r.calls[0].upstream, 0u);
  EXPECT_NE(r.calls[1].upstream, 0u);
  const TypeResult& a = r.results[0].types[0];
  EXPECT_EQ(a.outcome, Outcome::answer);
  EXPECT_EQ(a.attempts, 2u);
  EXPECT_THAT(a.records, ElementsAre("192.0.2.1"));
}

TEST(Engine, PersistentTimeoutsEndAsTimeoutNeverAsNxdomain) {
  auto r = run(config(2), {"www.example.test"}, [](std::size_t, const std::string&, std::uint16_t) { return timeout(); });
  const TypeResult& a = r.results[0].types[0];
  EXPECT_EQ(a.outcome, Outcome::timeout);
  EXPECT_EQ(a.attempts, 4u);  // 1 + 3 retries
  EXPECT_FALSE(r.results[0].nxdomain());
  EXPECT_FALSE(r.results[0].exists());
  // Retries alternate between the two upstreams.
  ASSERT_EQ(r.calls.size(), 4u);
  for (std::size_t i = 1; i < r.calls.size(); ++i) EXPECT_NE(r.calls[i].upstream, r.calls[i - 1].upstream);
}

TEST(Engine, ServfailFollowedByLostRetriesStaysServfail) {
  int calls = 0;
  auto r = run(config(1), {"www.example.test"}, [&calls](std::size_t, const std::string& q, std::uint16_t t) {
    return calls++ == 0 ? reply(q, t, dns::kRcodeServFail) : timeout();
  });
  EXPECT_EQ(r.results[0].types[0].outcome, Outcome::servfail);
  EXPECT_EQ(r.results[0].types[0].attempts, 4u);
}

TEST(Engine, NxdomainIsFinalAndNotRetried) {
  auto r = run(config(2), {"gone.example.test"},
               [](std::size_t, const std::string& q, std::uint16_t t) { return reply(q, t, dns::kRcodeNxDomain); });
  EXPECT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.results[0].types[0].outcome, Outcome::nxdomain);
}

TEST(Engine, RefusedIsRetriedOnlyWhenAnotherUpstreamExists) {
  auto refuse_first = [](std::size_t u, const std::string& q, std::uint16_t t) {
    return u == 0 ? reply(q, t, dns::kRcodeRefused) : reply(q, t, 0, {"192.0.2.2"});
  };
  auto one = run(config(1), {"x.example.test"}, refuse_first);
  EXPECT_EQ(one.calls.size(), 1u);
  EXPECT_EQ(one.results[0].types[0].outcome, Outcome::refused);
  auto two = run(config(2), {"x.example.test"}, refuse_first);
  EXPECT_EQ(two.results[0].types[0].outcome, Outcome::answer);
}

TEST(Engine, QueriesRotateOverHealthyUpstreams) {
  auto r = run(config(3), names(300),
               [](std::size_t, const std::string& q, std::uint16_t t) { return reply(q, t, 0, {"192.0.2.3"}); });
  std::map<std::size_t, int> per;
  for (const Call& c : r.calls) ++per[c.upstream];
  ASSERT_EQ(per.size(), 3u);
  for (auto [u, n] : per) EXPECT_EQ(n, 100) << "upstream " << u;
}

TEST(Engine, UpstreamThatKeepsTimingOutIsAvoidedAndNoAnswerIsLost) {
  auto r = run(config(2), names(500), [](std::size_t u, const std::string& q, std::uint16_t t) {
    return u == 0 ? timeout() : reply(q, t, 0, {"192.0.2.4"});
  });
  std::map<std::size_t, int> per;
  for (const Call& c : r.calls) ++per[c.upstream];
  EXPECT_LT(per[0], per[1] / 4);
  for (const NameResult& n : r.results) EXPECT_EQ(n.types[0].outcome, Outcome::answer) << n.name;
}

TEST(Engine, FixedConcurrencyBoundsQueriesInFlight) {
  Config c = config(1);
  c.concurrency = 5;
  auto r = run(c, names(100),
               [](std::size_t, const std::string& q, std::uint16_t t) { return reply(q, t, 0, {"192.0.2.5"}); });
  EXPECT_EQ(r.max_in_flight, 5u);
  EXPECT_EQ(r.stats.peak_in_flight, 5u);
  EXPECT_EQ(r.results.size(), 100u);
}

TEST(Engine, AdaptiveWindowGrowsOnAnswersAndShrinksOnLoss) {
  auto good = run(config(1), names(2000),
                  [](std::size_t, const std::string& q, std::uint16_t t) { return reply(q, t, 0, {"192.0.2.6"}); });
  EXPECT_GT(good.stats.final_window, 64u);
  EXPECT_GT(good.max_in_flight, 64u);
  Config c = config(1);
  c.retries = 0;
  auto lossy = run(c, names(50), [](std::size_t, const std::string&, std::uint16_t) { return timeout(); });
  EXPECT_LT(lossy.stats.final_window, 64u);
  for (const NameResult& n : lossy.results) EXPECT_EQ(n.types[0].outcome, Outcome::timeout);
}

TEST(Engine, NamesMatchingTheParentsWildcardAreMarked) {
  Config c = config(1);
  c.detect_wildcards = true;
  auto r = run(c, {"a.wild.test", "b.wild.test", "c.plain.test"}, [](std::size_t, const std::string& q, std::uint16_t t) {
    if (q.ends_with(".plain.test")) return q == "c.plain.test" ? reply(q, t, 0, {"192.0.2.9"}) : reply(q, t, 3);
    if (q == "b.wild.test") return reply(q, t, 0, {"192.0.2.8"});
    return reply(q, t, 0, {"192.0.2.7"});  // the wildcard answer, also for random probe labels
  });
  EXPECT_EQ(r.stats.wildcard_probes, 2u);  // one per parent
  EXPECT_TRUE(r.results[0].wildcard);
  EXPECT_TRUE(r.results[0].types[0].wildcard);
  EXPECT_FALSE(r.results[1].wildcard);
  EXPECT_FALSE(r.results[2].wildcard);
  std::size_t probes = 0;
  for (const Call& call : r.calls) {
    if (call.qname.starts_with("lk-")) ++probes;
  }
  EXPECT_EQ(probes, 2u);
}

TEST(Engine, NamesStillFinishWhenTheWildcardProbeTimesOut) {
  Config c = config(1);
  c.detect_wildcards = true;
  c.retries = 1;
  auto r = run(c, {"a.slow.test"}, [](std::size_t, const std::string& q, std::uint16_t t) {
    return q.starts_with("lk-") ? timeout() : reply(q, t, 0, {"192.0.2.10"});
  });
  ASSERT_EQ(r.results.size(), 1u);
  EXPECT_EQ(r.results[0].types[0].outcome, Outcome::answer);
  EXPECT_FALSE(r.results[0].wildcard);
}

TEST(Engine, AliasLeavingTheReplyIsChasedToItsTarget) {
  auto r = run(config(1), {"alias.example.test"}, [](std::size_t, const std::string& q, std::uint16_t t) {
    if (q == "alias.example.test") return alias_to_other_zone(q, t);
    return reply(q, t, 0, {"192.0.2.11"});
  });
  const TypeResult& a = r.results[0].types[0];
  EXPECT_EQ(a.outcome, Outcome::answer);
  EXPECT_THAT(a.cname_chain, ElementsAre("target.other.test"));
  EXPECT_THAT(a.records, ElementsAre("192.0.2.11"));
  EXPECT_EQ(r.calls.size(), 2u);
}

TEST(Engine, EveryInputNameYieldsExactlyOneResultInInputOrder) {
  auto input = names(1000);
  input.push_back("");
  input.push_back("bad..name");
  auto r = run(config(2, {RecordType::a, RecordType::txt}), input, [](std::size_t, const std::string& q, std::uint16_t t) {
    return reply(q, t, q.size() % 2 == 0 ? dns::kRcodeNxDomain : 0);
  });
  ASSERT_EQ(r.results.size(), input.size());
  for (std::size_t i = 0; i < input.size(); ++i) EXPECT_EQ(r.results[i].name, input[i]);
  EXPECT_EQ(r.results[1000].types[0].outcome, Outcome::error);
  EXPECT_EQ(r.results[1001].types[1].outcome, Outcome::error);
  EXPECT_EQ(r.stats.names, input.size());
}

TEST(Engine, AliasChasedToAMissingTargetIsNodataNotNxdomain) {
  auto r = run(config(1), {"alias.example.test"}, [](std::size_t, const std::string& q, std::uint16_t t) {
    if (q == "alias.example.test") return alias_to_other_zone(q, t);
    return reply(q, t, dns::kRcodeNxDomain);  // the target does not exist
  });
  const TypeResult& a = r.results[0].types[0];
  EXPECT_EQ(a.outcome, Outcome::nodata);
  EXPECT_THAT(a.cname_chain, ElementsAre("target.other.test"));
  EXPECT_TRUE(r.results[0].exists());
}

// ---- existence first (RFC 8020: NXDOMAIN means no records of any type) -----------------------

const std::vector<RecordType> kAllTypes = {RecordType::a,  RecordType::aaaa, RecordType::mx,
                                           RecordType::ns, RecordType::txt,  RecordType::dmarc};

Config existence_first(std::vector<RecordType> types = kAllTypes) {
  Config c = config(1, std::move(types));
  c.existence_first = true;
  return c;
}

// Queries sent for `name` itself or its `_dmarc` name.
std::size_t calls_for(const Run& r, const std::string& name, std::optional<std::uint16_t> qtype = std::nullopt) {
  return static_cast<std::size_t>(std::count_if(r.calls.begin(), r.calls.end(), [&](const Call& c) {
    return (c.qname == name || c.qname == "_dmarc." + name) && (!qtype || c.qtype == *qtype);
  }));
}

TEST(ExistenceFirst, NxdomainNameCostsOneQueryAndReadsNxdomainForEveryType) {
  Config c = existence_first();
  c.detect_wildcards = true;
  auto r = run(c, names(100, ".absent.test"),
               [](std::size_t, const std::string& q, std::uint16_t t) { return reply(q, t, dns::kRcodeNxDomain); });
  ASSERT_EQ(r.calls.size(), 100u);
  for (const Call& call : r.calls) EXPECT_EQ(call.qtype, dns::kTypeA) << call.qname;
  for (const NameResult& n : r.results) {
    ASSERT_EQ(n.types.size(), kAllTypes.size());
    EXPECT_TRUE(n.nxdomain()) << n.name;
    EXPECT_FALSE(n.exists()) << n.name;
    EXPECT_FALSE(n.wildcard);
    for (const TypeResult& t : n.types) {
      EXPECT_EQ(t.outcome, Outcome::nxdomain) << n.name << " " << to_string(t.type);
      EXPECT_EQ(t.inferred, t.type != RecordType::a);
      EXPECT_EQ(t.attempts, t.type == RecordType::a ? 1u : 0u);
    }
  }
  EXPECT_EQ(r.stats.queries, 100u);
  EXPECT_EQ(r.stats.wildcard_probes, 0u);  // no name under the parent exists: nothing to compare
  EXPECT_EQ(r.stats.nxdomain_names, 100u);
  EXPECT_EQ(r.stats.types_not_asked, 500u);
  EXPECT_EQ(r.stats.type_queries[static_cast<int>(RecordType::a)][static_cast<int>(Outcome::nxdomain)], 100u);
}

TEST(ExistenceFirst, NodataServfailRefusedAndTimeoutNamesStillGetEveryTypeOnce) {
  Config c = existence_first();
  c.retries = 1;
  const auto script = [](std::size_t, const std::string& q, std::uint16_t t) {
    const bool own = !q.starts_with("_dmarc.");
    if (own && t == dns::kTypeA && q == "fail.example.test") return reply(q, t, dns::kRcodeServFail);
    if (own && t == dns::kTypeA && q == "refused.example.test") return reply(q, t, dns::kRcodeRefused);
    if (own && t == dns::kTypeA && q == "slow.example.test") return timeout();
    return reply(q, t, 0);  // NOERROR without records: NODATA
  };
  auto r = run(c, {"nodata.example.test", "fail.example.test", "refused.example.test", "slow.example.test"}, script);
  // A once (twice with its retry after SERVFAIL / timeout; REFUSED from the only server is final),
  // then each of the five other types once.
  EXPECT_EQ(calls_for(r, "nodata.example.test"), 6u);
  EXPECT_EQ(calls_for(r, "nodata.example.test", dns::kTypeA), 1u);
  EXPECT_EQ(calls_for(r, "fail.example.test"), 7u);
  EXPECT_EQ(calls_for(r, "refused.example.test"), 6u);
  EXPECT_EQ(calls_for(r, "slow.example.test"), 7u);
  const Outcome gate[] = {Outcome::nodata, Outcome::servfail, Outcome::refused, Outcome::timeout};
  for (std::size_t i = 0; i < r.results.size(); ++i) {
    const NameResult& n = r.results[i];
    EXPECT_FALSE(n.nxdomain()) << n.name;
    EXPECT_EQ(n.find(RecordType::a)->outcome, gate[i]) << n.name;
    for (const TypeResult& t : n.types) {
      EXPECT_FALSE(t.inferred) << n.name;
      if (t.type != RecordType::a) {
        EXPECT_EQ(t.outcome, Outcome::nodata) << n.name << " " << to_string(t.type);
      }
    }
  }
  EXPECT_EQ(r.stats.nxdomain_names, 0u);
}

TEST(ExistenceFirst, OutcomesEqualTheFullSetAndOnlyNxdomainNamesAreCheaper) {
  const auto script = [](std::size_t, const std::string& q, std::uint16_t t) {
    if (q.starts_with("gone") || q.starts_with("_dmarc.")) return reply(q, t, dns::kRcodeNxDomain);
    if (q.starts_with("fail")) return reply(q, t, dns::kRcodeServFail);
    if (q.starts_with("www") && t == dns::kTypeA) return reply(q, t, 0, {"192.0.2.20"});
    return reply(q, t, 0);
  };
  const std::vector<std::string> input = {"www.example.test", "gone1.example.test", "nodata.example.test",
                                          "fail.example.test", "gone2.other.test"};
  Config full = config(1, kAllTypes);
  full.retries = 0;
  Config first = existence_first();
  first.retries = 0;
  auto a = run(full, input, script);
  auto b = run(first, input, script);
  ASSERT_EQ(a.results.size(), b.results.size());
  for (std::size_t i = 0; i < input.size(); ++i) {
    const NameResult& x = a.results[i];
    const NameResult& y = b.results[i];
    EXPECT_EQ(x.exists(), y.exists()) << input[i];
    EXPECT_EQ(x.nxdomain(), y.nxdomain()) << input[i];
    ASSERT_EQ(x.types.size(), y.types.size());
    for (std::size_t k = 0; k < x.types.size(); ++k) {
      EXPECT_EQ(x.types[k].outcome, y.types[k].outcome) << input[i] << " " << to_string(x.types[k].type);
      EXPECT_EQ(x.types[k].records, y.types[k].records) << input[i] << " " << to_string(x.types[k].type);
    }
    const std::size_t expected = input[i].starts_with("gone") ? 1 : 6;
    EXPECT_EQ(calls_for(b, input[i]), expected) << input[i];
    EXPECT_EQ(calls_for(a, input[i]), 6u) << input[i];
  }
}

TEST(ExistenceFirst, WildcardParentIsStillDetectedAndNxdomainParentsAreNeverProbed) {
  Config c = existence_first({RecordType::a, RecordType::mx});
  c.detect_wildcards = true;
  auto r = run(c, {"a.wild.test", "b.wild.test", "x.gone.test", "y.gone.test", "c.wild.test"},
               [](std::size_t, const std::string& q, std::uint16_t t) {
                 if (q.ends_with(".gone.test")) return reply(q, t, dns::kRcodeNxDomain);
                 if (t != dns::kTypeA) return reply(q, t, 0);
                 return reply(q, t, 0, {q == "b.wild.test" ? "192.0.2.8" : "192.0.2.7"});
               });
  EXPECT_TRUE(r.results[0].wildcard);
  EXPECT_TRUE(r.results[0].find(RecordType::a)->wildcard);
  EXPECT_FALSE(r.results[1].wildcard);
  EXPECT_TRUE(r.results[2].nxdomain());
  EXPECT_TRUE(r.results[3].nxdomain());
  EXPECT_TRUE(r.results[4].wildcard);
  std::map<std::string, int> probes;  // parent -> probe queries
  for (const Call& call : r.calls) {
    if (call.qname.starts_with("lk-")) ++probes[call.qname.substr(call.qname.find('.') + 1)];
  }
  EXPECT_EQ(probes, (std::map<std::string, int>{{"wild.test", 2}}));  // A and MX, once for the parent
  EXPECT_EQ(r.stats.wildcard_probes, 2u);
  EXPECT_EQ(r.stats.probe_queries, 2u);
}

TEST(ExistenceFirst, WithoutAddressTypesTheFirstTypeAtTheNameIsTheQuestion) {
  auto r = run(existence_first({RecordType::dmarc, RecordType::mx, RecordType::txt}), {"gone.example.test"},
               [](std::size_t, const std::string& q, std::uint16_t t) { return reply(q, t, dns::kRcodeNxDomain); });
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].qname, "gone.example.test");
  EXPECT_EQ(r.calls[0].qtype, dns::kTypeMx);
  EXPECT_TRUE(r.results[0].nxdomain());
  EXPECT_TRUE(r.results[0].find(RecordType::dmarc)->inferred);
  // Only `_dmarc.<name>` asked: its NXDOMAIN says nothing about the name, so it is asked as is.
  auto d = run(existence_first({RecordType::dmarc}), {"gone.example.test"},
               [](std::size_t, const std::string& q, std::uint16_t t) { return reply(q, t, dns::kRcodeNxDomain); });
  ASSERT_EQ(d.calls.size(), 1u);
  EXPECT_EQ(d.calls[0].qname, "_dmarc.gone.example.test");
  EXPECT_FALSE(d.results[0].types[0].inferred);
}

}  // namespace
}  // namespace lookalike::resolver

namespace lookalike::resolver {
namespace {

TEST(Upstreams, ParseAddressesPortsAndIpv6) {
  auto u = parse_upstreams("127.0.0.1:5353, ::1,[::1]:54,192.0.2.1");
  ASSERT_TRUE(u.has_value()) << u.error();
  ASSERT_EQ(u->size(), 4u);
  EXPECT_EQ((*u)[0], (Upstream{"127.0.0.1", 5353}));
  EXPECT_EQ((*u)[1], (Upstream{"::1", 53}));
  EXPECT_EQ((*u)[2], (Upstream{"::1", 54}));
  EXPECT_EQ((*u)[3], (Upstream{"192.0.2.1", 53}));
}

TEST(Upstreams, RejectHostnamesBadPortsAndEmptyLists) {
  EXPECT_THAT(parse_upstreams("dns.google").error(), ::testing::HasSubstr("not an IP address"));
  EXPECT_THAT(parse_upstreams("127.0.0.1:0").error(), ::testing::HasSubstr("bad port"));
  EXPECT_THAT(parse_upstreams("127.0.0.1:70000").error(), ::testing::HasSubstr("bad port"));
  EXPECT_THAT(parse_upstreams("[::1").error(), ::testing::HasSubstr("missing ']'"));
  EXPECT_FALSE(parse_upstreams(" , ").has_value());
}

TEST(Upstreams, ResolvConfGivesNameserversOnly) {
  const std::string path = ::testing::TempDir() + "/resolv.conf";
  {
    std::ofstream f(path);
    f << "# comment\nsearch example.test\nnameserver 192.0.2.53\nnameserver fe80::1%eth0\noptions ndots:1\n";
  }
  auto u = system_upstreams(path);
  ASSERT_TRUE(u.has_value()) << u.error();
  ASSERT_EQ(u->size(), 2u);
  EXPECT_EQ((*u)[0], (Upstream{"192.0.2.53", 53}));
  EXPECT_EQ((*u)[1], (Upstream{"fe80::1", 53}));
  EXPECT_FALSE(system_upstreams(path + ".missing").has_value());
}

TEST(Upstreams, RecordTypeNamesRoundTrip) {
  for (RecordType t : {RecordType::a, RecordType::aaaa, RecordType::mx, RecordType::ns, RecordType::txt,
                       RecordType::dmarc}) {
    EXPECT_EQ(parse_record_type(to_string(t)), t);
  }
  EXPECT_EQ(parse_record_type("mx"), RecordType::mx);
  EXPECT_FALSE(parse_record_type("SRV").has_value());
}

}  // namespace
}  // namespace lookalike::resolver
