// The client over real TLS on loopback: a server certificate from a throw-away CA is accepted
// only when that CA is given (--ca-file), so lookups are verified HTTPS, not just encrypted.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "rdap/rdap.hpp"
#include "tests/ctlog/test_log_server.hpp"
#include "tests/rdap/rdap_test_server.hpp"

namespace lookalike::rdap {
namespace {

namespace fs = std::filesystem;

struct HttpsWorld {
  fs::path dir = fs::temp_directory_path() / ("rdap-https-" + std::to_string(::getpid()) + "-" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  ctlog::testing::TestCa ca;
  ctlog::testing::TlsIdentity id = ca.server_identity("127.0.0.1");
  testing::RdapTestServer server{[](const std::string& target) {
                                   if (target == "/domain/google.com") {
                                     return testing::reply(200, testing::fixture("verisign_google_com.json"));
                                   }
                                   return testing::reply(404, testing::fixture("error_404.json"));
                                 },
                                 id.cert_pem, id.key_pem};
  std::string bootstrap, ca_file;
  HttpsWorld() {
    fs::create_directories(dir);
    bootstrap = (dir / "dns.json").string();
    ca_file = (dir / "ca.pem").string();
    std::ofstream(bootstrap) << testing::bootstrap_json({"com"}, server.url());
    std::ofstream(ca_file) << ca.pem();
  }
  ~HttpsWorld() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  Options options() const {
    Options o;
    o.bootstrap_path = bootstrap;
    o.allow_loopback = true;
    o.min_interval = std::chrono::milliseconds(1);
    o.timeout = std::chrono::milliseconds(5000);
    return o;
  }
};

TEST(ClientHttps, LooksUpOverTlsWhenTheServerCertificateVerifies) {
  HttpsWorld w;
  ASSERT_TRUE(w.server.url().starts_with("https://127.0.0.1:"));
  Options o = w.options();
  o.ca_file = w.ca_file;
  auto c = Client::make(o);
  ASSERT_TRUE(c.has_value()) << c.error().what;
  auto r = c->lookup("google.com");
  ASSERT_TRUE(r.has_value()) << r.error().what;
  EXPECT_EQ(r->registrar, "MarkMonitor Inc.");
  EXPECT_EQ(r->server, w.server.url());
  auto nx = c->lookup("nx.com");
  ASSERT_FALSE(nx.has_value());
  EXPECT_EQ(nx.error().http_status, 404u);
}

TEST(ClientHttps, RefusesAServerWhoseCertificateDoesNotVerify) {
  HttpsWorld w;
  auto c = Client::make(w.options());  // the test CA is not trusted
  ASSERT_TRUE(c.has_value()) << c.error().what;
  auto r = c->lookup("google.com");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().what.find(w.server.url() + "domain/google.com"), std::string::npos) << r.error().what;
  EXPECT_NE(r.error().what.find("TLS"), std::string::npos) << r.error().what;
  EXPECT_EQ(w.server.requests("/"), 0u);  // nothing was sent to an unverified peer
}

// A registry named by a host name is checked on the addresses the name resolves to: this
// machine's own name resolves to a loopback or private address, never a public one, so without
// allow_loopback the lookup is refused before anything is sent, although the certificate verifies.
TEST(ClientHttps, RefusesARegistryNameThatResolvesToANonPublicAddress) {
  char name[256] = {};
  ASSERT_EQ(::gethostname(name, sizeof name - 1), 0);
  const std::string host = name;
  ctlog::testing::TestCa ca;
  const auto id = ca.server_identity(host);
  testing::RdapTestServer server{[](const std::string&) { return testing::reply(200, testing::fixture("verisign_google_com.json")); },
                                 id.cert_pem, id.key_pem};
  const std::string url = "https://" + host + server.url().substr(server.url().rfind(':'));
  HttpsWorld w;
  std::ofstream(w.bootstrap) << testing::bootstrap_json({"com"}, url);
  std::ofstream(w.ca_file) << ca.pem();
  Options o = w.options();
  o.ca_file = w.ca_file;
  o.allow_loopback = false;
  auto c = Client::make(o);
  ASSERT_TRUE(c.has_value()) << c.error().what;
  auto r = c->lookup("google.com");
  ASSERT_FALSE(r.has_value()) << "looked up through " << url;
  EXPECT_NE(r.error().what.find("refusing " + host + ": "), std::string::npos) << r.error().what;
  EXPECT_EQ(server.requests("/"), 0u);
  // Allowed on loopback, the same registry answers (the refusal above was the guard, not TLS).
  o.allow_loopback = true;
  auto ok = Client::make(o)->lookup("google.com");
  if (r.error().what.find("(loopback)") != std::string::npos) {
    ASSERT_TRUE(ok.has_value()) << ok.error().what;
  }
}

}  // namespace
}  // namespace lookalike::rdap
