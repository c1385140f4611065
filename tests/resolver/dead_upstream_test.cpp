// Dead upstreams fail fast: a resolver port where nothing listens (ICMP port unreachable) or a
// resolver that answers nothing ends the run with Stats::outage naming it, not with hours of
// timeouts; a dead upstream among live ones is only dropped from the rotation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "resolver/resolver.hpp"
#include "tests/resolver/udp_test_servers.hpp"
#include "tests/support/process.hpp"

namespace lookalike::resolver {
namespace {

using ::testing::HasSubstr;
using ::testing::Lt;

// A loopback UDP port where nothing listens (bound once to get a free number, then closed).
std::uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::vector<std::string> names(std::string_view first_label, std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(std::string(first_label) + "." + std::to_string(i) + ".hostile.test");
  return out;
}

// A source that counts how many names the resolver pulled.
struct CountingSource {
  std::vector<std::string> names;
  std::size_t next = 0;
  std::optional<std::string> operator()() {
    if (next >= names.size()) return std::nullopt;
    return names[next++];
  }
};

class DeadUpstreamTest : public ::testing::TestWithParam<Backend> {};

TEST_P(DeadUpstreamTest, ClosedPortIsAnOutageNamingTheResolver) {
  const std::uint16_t port = closed_port();
  Config c;
  c.upstreams = {Upstream{"127.0.0.1", port}};
  c.backend = GetParam();
  Resolver r(c);
  CountingSource source{names("www", 100)};
  std::size_t delivered = 0;
  const Stats stats = r.resolve(std::ref(source), [&](NameResult&&) { ++delivered; });
  ASSERT_TRUE(stats.outage.has_value());
  EXPECT_THAT(*stats.outage, HasSubstr("no live resolver"));
  EXPECT_THAT(*stats.outage, HasSubstr("127.0.0.1:" + std::to_string(port)));
  EXPECT_THAT(*stats.outage, HasSubstr("unreachable"));
  ASSERT_EQ(stats.dead_upstreams.size(), 1u);
  EXPECT_EQ(stats.dead_upstreams[0], (Upstream{"127.0.0.1", port}));
  // It stopped instead of failing every name one by one.
  EXPECT_THAT(source.next, Lt(100u));
  EXPECT_EQ(stats.names, delivered);
}

TEST_P(DeadUpstreamTest, DeadUpstreamAmongLiveOnesIsDroppedAndEveryNameAnswered) {
  testing::HostileServer live;
  Config c;
  c.upstreams = {Upstream{"127.0.0.1", closed_port()}, Upstream{"127.0.0.1", live.port()}};
  c.types = {RecordType::a};
  c.detect_wildcards = false;
  c.backend = GetParam();
  c.timeout = std::chrono::milliseconds(500);
  Resolver r(c);
  Stats stats;
  const auto results = r.resolve_all(names("good", 100), &stats);
  EXPECT_FALSE(stats.outage.has_value());
  EXPECT_EQ(stats.names, 100u);
  for (const NameResult& n : results) EXPECT_EQ(n.types.at(0).outcome, Outcome::answer) << n.name;
  ASSERT_EQ(stats.dead_upstreams.size(), 1u);
  EXPECT_EQ(stats.dead_upstreams[0], c.upstreams[0]);
}

// One upstream on the test server, A only, no wildcard probes.
Config one_upstream(std::uint16_t port, Backend backend) {
  Config c;
  c.upstreams = {Upstream{"127.0.0.1", port}};
  c.types = {RecordType::a};
  c.detect_wildcards = false;
  c.backend = backend;
  return c;
}

TEST_P(DeadUpstreamTest, ResolverThatAnswersNothingIsAnOutage) {
  testing::HostileServer silent;  // never answers names outside its list
  Config c = one_upstream(silent.port(), GetParam());
  c.timeout = std::chrono::milliseconds(200);
  Resolver r(c);
  CountingSource source{names("silent", 2000)};
  const Stats stats = r.resolve(std::ref(source), [](NameResult&&) {});
  ASSERT_TRUE(stats.outage.has_value());
  EXPECT_THAT(*stats.outage, HasSubstr("127.0.0.1:" + std::to_string(silent.port()) + " no reply to"));
  EXPECT_EQ(stats.dead_upstreams.size(), 1u);
  EXPECT_THAT(source.next, Lt(2000u));
}

TEST_P(DeadUpstreamTest, TheStopFlagAbandonsARunStuckOnASilentResolver) {
  testing::HostileServer silent;  // never answers names outside its list
  Config c = one_upstream(silent.port(), GetParam());
  c.timeout = std::chrono::milliseconds(600000);  // without the flag, this run would last hours
  std::atomic<bool> stop{false};
  c.stop = &stop;
  Resolver r(c);
  CountingSource source{names("silent", 50)};
  std::atomic<bool> started{false};
  std::size_t delivered = 0;
  std::thread stopper([&] {
    while (!started.load()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    stop.store(true);  // as a signal handler would
  });
  const Stats stats = r.resolve(
      [&]() {
        started.store(true);
        return source();
      },
      [&](NameResult&&) { ++delivered; });
  stopper.join();
  EXPECT_TRUE(stats.stopped);
  EXPECT_FALSE(stats.outage.has_value());
  EXPECT_EQ(delivered, 0u);  // nothing half-done is handed out
}

TEST_P(DeadUpstreamTest, ServerThatAnswersIsNeverDeclaredDead) {
  // Every reply is an error or a forgery-like stray, yet the server is there: no outage.
  testing::HostileServer hostile;
  Config c;
  c.upstreams = {Upstream{"127.0.0.1", hostile.port()}};
  c.types = {RecordType::a};
  c.detect_wildcards = false;
  c.backend = GetParam();
  c.timeout = std::chrono::milliseconds(200);
  Resolver r(c);
  Stats stats;
  r.resolve_all(names("formerr", 300), &stats);
  EXPECT_FALSE(stats.outage.has_value());
  EXPECT_TRUE(stats.dead_upstreams.empty());
  EXPECT_EQ(stats.names, 300u);
}

INSTANTIATE_TEST_SUITE_P(BothBackends, DeadUpstreamTest, ::testing::Values(Backend::native, Backend::c_ares),
                         [](const ::testing::TestParamInfo<Backend>& param) {
                           return param.param == Backend::native ? "Native" : "CAres";
                         });

TEST(ResolveCommand, DeadResolverStopsWithExitCode3AndNamesIt) {
  const std::uint16_t port = closed_port();
  std::string input;
  for (int i = 0; i < 100; ++i) input += "name-" + std::to_string(i) + ".example\n";
  const auto r = test_support::run_process(
      {LOOKALIKE_BINARY, "resolve", "--resolvers", "127.0.0.1:" + std::to_string(port)}, input);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("no live resolver"));
  EXPECT_THAT(r.err, HasSubstr("127.0.0.1:" + std::to_string(port)));
}

}  // namespace
}  // namespace lookalike::resolver
