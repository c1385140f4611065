// Cross-check with a trusted tool: Debian's testssl.sh (`-t smtp -p -E`) against the same loopback
// STARTTLS server must list the same accepted protocol versions and, per version, the same suites
// as our tls-versions and tls-ciphers findings.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "posture/active.hpp"
#include "tests/support/process.hpp"
#include "tests/support/smtp_server.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_ca.hpp"

namespace lookalike::posture {
namespace {

using Suites = std::map<std::string, std::set<std::string>>;  // version -> OpenSSL suite names

const char* testssl_binary() {
  for (const char* p : {"/usr/bin/testssl", "/usr/bin/testssl.sh"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return nullptr;
}

// testssl ids to our version names.
std::string version_of(std::string_view id) {
  static const std::map<std::string, std::string, std::less<>> names = {
      {"SSLv2", "SSLv2"}, {"SSLv3", "SSLv3"}, {"TLS1", "TLSv1.0"}, {"TLS1_1", "TLSv1.1"}, {"TLS1_2", "TLSv1.2"},
      {"TLS1_3", "TLSv1.3"}, {"ssl3", "SSLv3"}, {"tls1", "TLSv1.0"}, {"tls1_1", "TLSv1.1"}, {"tls1_2", "TLSv1.2"},
      {"tls1_3", "TLSv1.3"}};
  const auto it = names.find(id);
  return it == names.end() ? std::string() : it->second;
}

TEST(Testssl, AgreesWithOurVersionAndCipherFindings) {
  const char* testssl = testssl_binary();
  if (testssl == nullptr) GTEST_SKIP() << "testssl.sh is not installed (Debian package testssl.sh): cross-check skipped";
  test_support::TestCa ca;
  const auto cert = ca.issue({.cn = "mx.cross.test", .sans = {"mx.cross.test"}});
  test_support::SmtpServerOptions so;
  so.chain_pem = cert.chain_pem;
  so.key_pem = cert.key_pem;
  so.cipher_list = "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA";
  test_support::SmtpServer server(so);

  // Ours.
  ActiveOptions o;
  o.smtp_port = server.port();
  o.allow_private = true;
  o.timeout_ms = 5000;
  const std::vector<MailHost> hosts = {MailHost{"mx.cross.test", 10, {"127.0.0.1"}, {}}};
  std::set<std::string> our_versions;
  Suites our_suites;
  for (const Finding& f : check_mail_hosts("cross.test", hosts, o)) {
    for (const Evidence& e : f.evidence) {
      std::istringstream words(e.value);
      std::string address, version, what;
      words >> address >> version >> what;
      if (f.id == "tls-versions" && what == "accepted") our_versions.insert(version);
      if (f.id == "tls-ciphers" && version.starts_with("TLSv") && what != "accepted") our_suites[version].insert(what);
    }
  }
  ASSERT_FALSE(our_versions.empty());

  // testssl's.
  test_support::TempDir dir;
  const auto json_file = dir.path / "testssl.json";
  const auto run = test_support::run_process(
      {testssl, "--quiet", "--warnings", "off", "--color", "0", "--openssl-timeout", "10",
       // no DNS at all: by default testssl asks the system resolver for the PTR of the target
       "--nodns", "none", "-t", "smtp", "-p", "-E",
       "--jsonfile", json_file.string(), "127.0.0.1:" + std::to_string(server.port())},
      {}, std::chrono::seconds(400));
  ASSERT_FALSE(run.timed_out) << run.out;
  std::ifstream in(json_file);
  ASSERT_TRUE(in) << "testssl wrote no JSON: " << run.out << run.err;
  const nlohmann::json findings = nlohmann::json::parse(in);
  std::set<std::string> their_versions;
  Suites their_suites;
  for (const auto& f : findings) {
    const std::string id = f.value("id", "");
    const std::string finding = f.value("finding", "");
    if (const std::string v = version_of(id); !v.empty() && finding.starts_with("offered")) their_versions.insert(v);
    if (id.starts_with("cipher-")) {
      const std::string proto = id.substr(7, id.rfind('_') - 7);  // "cipher-tls1_2_xc030" -> "tls1_2"
      // "TLS 1.2   xc030   ECDHE-RSA-AES256-GCM-SHA384 ECDH 253 ...": the OpenSSL name follows the hex code.
      std::istringstream words(finding);
      std::string word, name;
      while (words >> word && !(word.size() > 1 && word[0] == 'x' && word.find_first_not_of("0123456789abcdef", 1) == std::string::npos)) {
      }
      words >> name;
      if (!version_of(proto).empty() && !name.empty()) their_suites[version_of(proto)].insert(name);
    }
  }
  EXPECT_EQ(our_versions, their_versions) << run.out;
  EXPECT_EQ(our_suites, their_suites) << run.out;
}

}  // namespace
}  // namespace lookalike::posture
