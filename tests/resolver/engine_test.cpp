// Unit tests of the scheduling logic (retry, rotation, health, window, wildcards) over a fake
// transport that answers from a script, without sockets or real time.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <fstream>
#include <map>

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
    if (q == "alias.example.test") {
      auto w = dns::encode_query(1, q, t, true).value();
      w[2] = 0x85;
      w[7] = 1;
      // alias CNAME target.other.test (uncompressed target)
      w.insert(w.end(), {0xC0, 0x0C, 0x00, 0x05, 0x00, 0x01, 0, 0, 0, 60, 0, 19, 6, 't', 'a', 'r', 'g', 'e', 't', 5,
                         'o', 't', 'h', 'e', 'r', 4, 't', 'e', 's', 't', 0});
      return Reply{Reply::Kind::message, std::move(w), {}};
    }
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
