// Off-path spoofing: an attacker on loopback races forged replies (wrong ID, wrong 0x20 case,
// wrong source port, wrong destination port) against the true answer of the server asked.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "resolver/dns_message.hpp"
#include "resolver/resolver.hpp"
#include "resolver/transport.hpp"
#include "tests/resolver/udp_test_servers.hpp"

namespace lookalike::resolver {
namespace {

using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> names(std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back("www.Example-" + std::to_string(i) + ".racing.test");
  return out;
}

Config racing_config(const testing::RacingServer& server, Backend backend, CaseRandomization mode) {
  Config c;
  c.upstreams = {Upstream{"127.0.0.1", server.port()}};
  c.types = {RecordType::a};
  c.timeout = std::chrono::milliseconds(500);
  c.retries = 1;
  c.detect_wildcards = false;
  c.backend = backend;
  c.case_randomization = mode;
  return c;
}

TEST(Spoofing, NativeEngineKeepsTheTrueAnswerAndCountsTheForgeries) {
  testing::RacingServer server;
  Resolver r(racing_config(server, Backend::native, CaseRandomization::always));
  Stats stats;
  const auto results = r.resolve_all(names(50), &stats);
  ASSERT_EQ(results.size(), 50u);
  for (const NameResult& n : results) {
    ASSERT_EQ(n.types.size(), 1u);
    EXPECT_EQ(n.types[0].outcome, Outcome::answer) << n.name;
    EXPECT_THAT(n.types[0].records, ElementsAre("192.0.2.1")) << n.name;
  }
  // Every query drew one forgery in the wrong case with its right ID; wrong IDs are unmatched.
  EXPECT_GE(stats.forged_replies, server.queries());
  EXPECT_GE(stats.unmatched_replies, 1u);
  EXPECT_FALSE(stats.outage.has_value());
}

TEST(Spoofing, WithoutCaseRandomisationTheWrongCaseForgeryWins) {
  // The control: what 0x20 buys. Same race, 0x20 off: the forgery that only 0x20 catches (right
  // ID, right port, question in another case) arrives first and is taken.
  testing::RacingServer server;
  Resolver r(racing_config(server, Backend::native, CaseRandomization::never));
  const auto results = r.resolve_all(names(20));
  for (const NameResult& n : results) {
    EXPECT_THAT(n.types.at(0).records, ElementsAre("6.6.6.2")) << n.name;
  }
}

TEST(Spoofing, CaresNeverTakesAForgedAnswer) {
  // c-ares 1.18 ends a query on the first reply whose question matches case-insensitively, so
  // the wrong-case forgery ends each attempt (dropped by our exact check, then retried): the
  // true answer may be lost, but no forged address is ever taken.
  testing::RacingServer server;
  Resolver r(racing_config(server, Backend::c_ares, CaseRandomization::always));
  Stats stats;
  const auto results = r.resolve_all(names(20), &stats);
  ASSERT_EQ(results.size(), 20u);
  for (const NameResult& n : results) {
    const TypeResult& t = n.types.at(0);
    if (t.outcome == Outcome::answer) {
      EXPECT_THAT(t.records, ElementsAre("192.0.2.1")) << n.name;
    } else {
      EXPECT_EQ(t.outcome, Outcome::error) << n.name;
      EXPECT_THAT(t.error, HasSubstr("0x20")) << n.name;
      EXPECT_THAT(t.records, IsEmpty()) << n.name;
    }
  }
  EXPECT_GE(stats.forged_replies, 1u);
}

TEST(Spoofing, SourcePortsChangeAsSocketsAreReplaced) {
  // Two sockets, each replaced after at most 1,023 queries: 3,000 queries need fresh ports.
  testing::RacingServer server;
  Config c = racing_config(server, Backend::native, CaseRandomization::always);
  c.sockets_per_upstream = 2;
  Resolver r(c);
  Stats stats;
  const auto results = r.resolve_all(names(3000), &stats);
  std::size_t true_answers = 0;
  for (const NameResult& n : results) true_answers += n.types.at(0).records == std::vector<std::string>{"192.0.2.1"};
  EXPECT_EQ(true_answers, 3000u);
  EXPECT_GT(server.source_ports(), 2u);
}

TEST(Spoofing, CaresChannelsAreReplacedForFreshSourcePorts) {
  // 0x20 off: c-ares would end each attempt on the wrong-case forgery; only ports are checked.
  testing::RacingServer server;
  Config c = racing_config(server, Backend::c_ares, CaseRandomization::never);
  c.sockets_per_upstream = 2;
  Resolver r(c);
  Stats stats;
  const auto results = r.resolve_all(names(3000), &stats);
  EXPECT_EQ(stats.names, 3000u);
  EXPECT_GT(server.source_ports(), 2u);
}

TEST(Spoofing, RemoteUpstreamsGetCaseRandomisationByDefaultAndLoopbackOnesDoNot) {
  Config c;
  EXPECT_TRUE(randomizes_case(c, Upstream{"192.0.2.53", 53}));
  EXPECT_TRUE(randomizes_case(c, Upstream{"2001:db8::53", 53}));
  EXPECT_FALSE(randomizes_case(c, Upstream{"127.0.0.53", 53}));
  EXPECT_FALSE(randomizes_case(c, Upstream{"::1", 53}));
  c.case_randomization = CaseRandomization::never;
  EXPECT_FALSE(randomizes_case(c, Upstream{"192.0.2.53", 53}));
  c.case_randomization = CaseRandomization::always;
  EXPECT_TRUE(randomizes_case(c, Upstream{"127.0.0.1", 53}));
}

TEST(Spoofing, CaseRandomisationChangesOnlyLettersAndTheExactCheckSeesIt) {
  auto q = dns::encode_query(1, "ab-9.example.com", dns::kTypeA, true).value();
  const auto original = q;
  bool flipped = false;
  dns::randomize_question_case(q, [] { return ~std::uint64_t{0}; });  // flip every letter
  for (std::size_t i = 0; i < q.size(); ++i) {
    if (q[i] != original[i]) {
      flipped = true;
      EXPECT_EQ(q[i] ^ 0x20, original[i]);
      EXPECT_TRUE(std::isalpha(original[i]));
    }
  }
  EXPECT_TRUE(flipped);
  EXPECT_TRUE(dns::same_question(q, q, true));
  EXPECT_FALSE(dns::same_question(original, q, true));
  EXPECT_TRUE(dns::same_question(original, q, false));
}

}  // namespace
}  // namespace lookalike::resolver
