// A hostile or broken server must give each name a clear outcome: no crash, no hang, no
// answer taken from a spoofed or malformed reply.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "resolver/resolver.hpp"
#include "tests/resolver/udp_test_servers.hpp"

namespace lookalike::resolver {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::map<std::string, TypeResult> resolve_against_hostile(Backend backend, unsigned retries) {
  testing::HostileServer server;
  Config c;
  c.upstreams = {Upstream{"127.0.0.1", server.port()}};
  c.types = {RecordType::a};
  c.timeout = std::chrono::milliseconds(200);
  c.retries = retries;
  c.detect_wildcards = false;
  c.backend = backend;
  Resolver r(c);
  std::map<std::string, TypeResult> out;
  for (auto& n : r.resolve_all({"good.hostile.test", "malformed.hostile.test", "badptr.hostile.test",
                                "truncated.hostile.test", "mismatch.hostile.test", "wrongq.hostile.test",
                                "short.hostile.test", "oversized.hostile.test", "notqr.hostile.test",
                                "formerr.hostile.test", "silent.hostile.test"})) {
    out.emplace(n.name.substr(0, n.name.find('.')), n.types.at(0));
  }
  return out;
}

class HostileServerTest : public ::testing::TestWithParam<Backend> {};

TEST_P(HostileServerTest, EveryNameGetsAClearOutcomeAndOnlyTheGoodOneAnAnswer) {
  auto r = resolve_against_hostile(GetParam(), 1);
  ASSERT_EQ(r.size(), 11u);
  EXPECT_EQ(r["good"].outcome, Outcome::answer);
  EXPECT_THAT(r["good"].records, ::testing::ElementsAre("192.0.2.1"));

  for (const char* broken : {"malformed", "badptr", "truncated"}) {
    EXPECT_EQ(r[broken].outcome, Outcome::error) << broken;
    EXPECT_THAT(r[broken].error, HasSubstr("malformed reply from 127.0.0.1")) << broken;
    EXPECT_THAT(r[broken].error, HasSubstr("at byte")) << broken;
    EXPECT_THAT(r[broken].records, IsEmpty()) << broken;
    EXPECT_EQ(r[broken].attempts, 2u) << broken;  // retried once, then reported
  }
  EXPECT_THAT(r["badptr"].error, HasSubstr("compression pointer"));
  EXPECT_THAT(r["malformed"].error, HasSubstr("rdata runs past the end"));

  // Spoof-like replies are ignored, so the honest outcome is a timeout (never NXDOMAIN).
  for (const char* ignored : {"mismatch", "wrongq", "short", "silent"}) {
    if (GetParam() == Backend::native) {
      EXPECT_EQ(r[ignored].outcome, Outcome::timeout) << ignored;
      EXPECT_THAT(r[ignored].error, HasSubstr("no reply within 200 ms")) << ignored;
    } else {
      // c-ares 1.18 fails every query of a server whose TCP connection was refused (the
      // "oversized" name), so an ignored reply may end as that error instead of a timeout.
      EXPECT_THAT(r[ignored].outcome, ::testing::AnyOf(Outcome::timeout, Outcome::error)) << ignored;
      EXPECT_THAT(r[ignored].error, Not(IsEmpty())) << ignored;
    }
    EXPECT_THAT(r[ignored].records, IsEmpty()) << ignored;
  }
  // Over 512 bytes on UDP is treated as truncated: the TCP retry finds no listener.
  EXPECT_EQ(r["oversized"].outcome, Outcome::error);
  EXPECT_THAT(r["oversized"].error, Not(IsEmpty()));
  EXPECT_EQ(r["notqr"].outcome, Outcome::error);
  EXPECT_THAT(r["notqr"].error, HasSubstr("QR bit"));
  EXPECT_EQ(r["formerr"].outcome, Outcome::error);
  EXPECT_THAT(r["formerr"].error, HasSubstr("FORMERR"));
}

INSTANTIATE_TEST_SUITE_P(BothBackends, HostileServerTest, ::testing::Values(Backend::native, Backend::c_ares),
                         [](const ::testing::TestParamInfo<Backend>& param) {
                           return param.param == Backend::native ? "Native" : "CAres";
                         });

}  // namespace
}  // namespace lookalike::resolver
