// `lookalike posture --active` end to end: the loopback world's DNS (nsd) points good.test's MX at
// 127.0.0.1, where a STARTTLS server with a certificate from the world's CA answers; the JSON lines
// carry the active findings with their evidence, and a server without STARTTLS fails the run.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "tests/posture/world.hpp"
#include "tests/support/process.hpp"
#include "tests/support/smtp_server.hpp"

namespace {

using lookalike::test_support::PostureWorld;
using lookalike::test_support::SmtpServer;
using lookalike::test_support::SmtpServerOptions;

// id -> finding for the MX host `subject` (or domain-wide when empty), from one JSON line.
std::map<std::string, nlohmann::json> by_id(const nlohmann::json& doc, const std::string& subject) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& f : doc["findings"]) {
    if (f.value("subject", "") == subject || (!out.contains(f["id"]) && subject.empty())) out[f["id"]] = f;
  }
  return out;
}

nlohmann::json run(const PostureWorld& w, const SmtpServer& smtp, const std::string& domain, int& exit_code) {
  lookalike::test_support::TempDir dir;
  const auto r = lookalike::test_support::run_process(
      {LOOKALIKE_BINARY, "--db", (dir.path / "db").string(), "posture", "--resolvers", w.nsd->address(), "--https-port",
       std::to_string(w.https->port()), "--ca-file", w.ca_file.string(), "--allow-private", "--active", "--smtp-port",
       std::to_string(smtp.port()), "--format", "jsonl", domain});
  exit_code = r.exit_code;
  if (r.out.empty()) throw std::runtime_error("no output: " + r.err);
  return nlohmann::json::parse(r.out.substr(0, r.out.find('\n')));
}

SmtpServerOptions mx(const PostureWorld& w, bool starttls) {
  const auto cert = w.ca.issue({.cn = "mx1.good.test", .sans = {"mx1.good.test"}});
  SmtpServerOptions o;
  o.hostname = "mx1.good.test";
  o.chain_pem = cert.chain_pem;
  o.key_pem = cert.key_pem;
  o.cipher_list = "ECDHE+AESGCM:ECDHE+CHACHA20";
  o.offer_starttls = starttls;
  return o;
}

TEST(PostureActiveCli, WellConfiguredMxPassesTheActiveChecks) {
  PostureWorld world;
  SmtpServer smtp(mx(world, true));
  int exit_code = -1;
  const auto doc = run(world, smtp, "good.test", exit_code);
  const auto f = by_id(doc, "mx1.good.test");
  for (const char* id : {"starttls", "tls-versions", "tls-ciphers", "certificate"}) {
    ASSERT_TRUE(f.contains(id)) << id << "\n" << doc.dump(1);
    EXPECT_EQ(f.at(id)["status"], "pass") << f.at(id).dump(1);
  }
  bool fingerprint = false;
  for (const auto& e : f.at("certificate")["evidence"]) {
    fingerprint = fingerprint || e.dump().find("sha256=") != std::string::npos;
  }
  EXPECT_TRUE(fingerprint) << f.at("certificate").dump(1);
  EXPECT_GT(smtp.connections(), 1);
}

TEST(PostureActiveCli, MxWithoutStarttlsFailsTheRun) {
  PostureWorld world;
  SmtpServer smtp(mx(world, false));
  int exit_code = -1;
  const auto doc = run(world, smtp, "good.test", exit_code);
  EXPECT_EQ(exit_code, 2) << doc.dump(1);
  const auto f = by_id(doc, "mx1.good.test");
  ASSERT_TRUE(f.contains("starttls")) << doc.dump(1);
  EXPECT_EQ(f.at("starttls")["status"], "fail") << f.at("starttls").dump(1);
}

}  // namespace
