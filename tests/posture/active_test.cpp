// check_mail_hosts against real SMTP servers on loopback (tests/support/smtp_server.hpp) with
// certificates from a test CA made at test time: every finding it owns passes on a well-configured
// server and does not on a badly configured one.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <thread>

#include "posture/active.hpp"
#include "tests/support/smtp_server.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_ca.hpp"

namespace lookalike::posture {
namespace {

using test_support::CertSpec;
using test_support::IssuedCert;
using test_support::SmtpServer;
using test_support::SmtpServerOptions;
using test_support::TempDir;
using test_support::TestCa;

constexpr const char* kMx = "mx.good.test";
constexpr const char* kModern = "ECDHE+AESGCM:ECDHE+CHACHA20";

struct World {
  TestCa ca;
  TempDir dir{"lookalike-posture"};
  std::string ca_file = ca.write(dir.path / "ca.pem").string();

  IssuedCert cert(CertSpec spec = {}) const {
    if (spec.cn.empty()) spec.cn = kMx;
    if (spec.sans.empty()) spec.sans = {kMx};
    return ca.issue(spec);
  }
  SmtpServerOptions server(const IssuedCert& c) const {
    SmtpServerOptions o;
    o.hostname = kMx;
    o.chain_pem = c.chain_pem;
    o.key_pem = c.key_pem;
    o.cipher_list = kModern;
    return o;
  }
  ActiveOptions options(const SmtpServer& s) const {
    ActiveOptions o;
    o.smtp_port = s.port();
    o.ca_file = ca_file;
    o.allow_private = true;
    o.timeout_ms = 5000;
    return o;
  }
};

World& world() {
  static World w;
  return w;
}

MailHost host(std::string name = kMx, std::string address = "127.0.0.1", std::uint16_t preference = 10) {
  return MailHost{std::move(name), preference, {std::move(address)}, {}};
}

const Finding& find(const std::vector<Finding>& findings, std::string_view id, std::string_view subject = kMx) {
  const auto it = std::find_if(findings.begin(), findings.end(),
                               [&](const Finding& f) { return f.id == id && f.subject == subject; });
  if (it == findings.end()) throw std::runtime_error("no finding " + std::string(id) + " for " + std::string(subject));
  return *it;
}

bool evidence_has(const Finding& f, std::string_view needle) {
  return std::any_of(f.evidence.begin(), f.evidence.end(),
                     [&](const Evidence& e) { return e.value.find(needle) != std::string::npos; });
}

std::string dump(const Finding& f) {
  std::string s = f.id + " " + std::string(to_string(f.status)) + ": " + f.explanation + "\n";
  for (const auto& e : f.evidence) s += "  " + e.kind + " " + e.value + "\n";
  return s;
}

std::vector<Finding> check(const SmtpServer& server, std::vector<MailHost> hosts = {host()}) {
  return check_mail_hosts("good.test", hosts, world().options(server));
}

// The `id` finding for a server that is the well-configured one changed by `edit`.
template <class Edit>
Finding graded(std::string_view id, Edit edit) {
  const auto c = world().cert();
  SmtpServerOptions so = world().server(c);
  edit(so);
  SmtpServer server(so);
  return find(check(server), id);
}

TEST(MailHosts, WellConfiguredServerPassesStarttlsCertificateVersionsAndCiphers) {
  const auto c = world().cert();
  SmtpServer server(world().server(c));
  const auto findings = check(server);
  const Finding& starttls = find(findings, "starttls");
  EXPECT_EQ(starttls.status, Status::pass) << dump(starttls);
  EXPECT_TRUE(evidence_has(starttls, "S: 250-STARTTLS")) << dump(starttls);
  EXPECT_TRUE(evidence_has(starttls, "TLSv1.3")) << dump(starttls);
  const Finding& cert = find(findings, "certificate");
  EXPECT_EQ(cert.status, Status::pass) << dump(cert);
  EXPECT_TRUE(evidence_has(cert, "sha256=")) << dump(cert);
  EXPECT_TRUE(evidence_has(cert, "issuer=CN=Lookalike Test CA")) << dump(cert);
  const Finding& versions = find(findings, "tls-versions");
  EXPECT_EQ(versions.status, Status::pass) << dump(versions);
  EXPECT_TRUE(evidence_has(versions, "SSLv3 refused")) << dump(versions);
  EXPECT_TRUE(evidence_has(versions, "SSLv2 refused")) << dump(versions);
  const Finding& ciphers = find(findings, "tls-ciphers");
  EXPECT_EQ(ciphers.status, Status::pass) << dump(ciphers);
  EXPECT_TRUE(evidence_has(ciphers, "ECDHE-RSA-AES256-GCM-SHA384")) << dump(ciphers);
  EXPECT_TRUE(evidence_has(ciphers, "server order: yes")) << dump(ciphers);
  EXPECT_EQ(find(findings, "require-tls").status, Status::not_assessable);
  for (const auto& command : server.commands()) EXPECT_NE(command.substr(0, 4), "DATA");
  // One session per accepted suite and version, one per probed group (10 at TLS 1.3, 5 at 1.2)
  // plus a few: a bound, so a change that multiplies the connections an MX sees shows up here.
  EXPECT_LE(server.connections(), 40) << server.connections() << " connections";
}

TEST(MailHosts, PrimaryWithoutStarttlsFailsAndBackupWithoutStarttlsWarns) {
  const auto c = world().cert();
  SmtpServer good(world().server(c));
  SmtpServerOptions plain = world().server(c);
  plain.offer_starttls = false;
  plain.address = "127.0.0.2";
  plain.port = good.port();
  SmtpServer bad(plain);

  const auto alone = check(bad, {host("mx2.good.test", "127.0.0.2")});
  const Finding& primary = find(alone, "starttls", "mx2.good.test");
  EXPECT_EQ(primary.status, Status::fail) << dump(primary);
  EXPECT_NE(primary.explanation.find("primary"), std::string::npos);
  EXPECT_EQ(find(alone, "tls-versions", "mx2.good.test").status, Status::error);

  const auto both = check(good, {host(kMx, "127.0.0.1", 10), host("mx2.good.test", "127.0.0.2", 20)});
  EXPECT_EQ(find(both, "starttls").status, Status::pass);
  const Finding& backup = find(both, "starttls", "mx2.good.test");
  EXPECT_EQ(backup.status, Status::warn) << dump(backup);
}

TEST(MailHosts, EveryAddressOfAHostIsCheckedAndOneWithoutStarttlsFailsIt) {
  const auto c = world().cert();
  SmtpServer good(world().server(c));
  SmtpServerOptions plain = world().server(c);
  plain.offer_starttls = false;
  plain.address = "127.0.0.2";
  plain.port = good.port();
  SmtpServer bad(plain);
  const MailHost pool{kMx, 10, {"127.0.0.1", "127.0.0.2"}, {}};
  const auto findings = check(good, {pool});
  const Finding& starttls = find(findings, "starttls");
  EXPECT_EQ(starttls.status, Status::fail) << dump(starttls);
  EXPECT_NE(starttls.explanation.find("127.0.0.2"), std::string::npos) << dump(starttls);
  EXPECT_TRUE(evidence_has(starttls, "[127.0.0.1] S: 250-STARTTLS")) << dump(starttls);
  // The TLS checks ran on the address where STARTTLS worked.
  EXPECT_EQ(find(findings, "tls-versions").status, Status::pass);
  EXPECT_EQ(find(findings, "certificate").status, Status::pass);
  EXPECT_EQ(bad.connections(), 1);
}

TEST(MailHosts, HostsAndAddressesBeyondTheLimitsAreNotContacted) {
  const auto c = world().cert();
  SmtpServer server(world().server(c));
  ActiveOptions o = world().options(server);
  o.max_addresses = 1;
  o.max_hosts = 1;
  const std::vector<MailHost> hosts = {MailHost{kMx, 10, {"127.0.0.1", "127.0.0.3"}, {}}, host("mx9.good.test")};
  const auto findings = check_mail_hosts("good.test", hosts, o);
  const Finding& starttls = find(findings, "starttls");
  EXPECT_EQ(starttls.status, Status::pass) << dump(starttls);
  EXPECT_TRUE(evidence_has(starttls, "[127.0.0.3] not checked")) << dump(starttls);
  EXPECT_FALSE(evidence_has(starttls, "[127.0.0.3] S:")) << dump(starttls);
  EXPECT_TRUE(std::none_of(findings.begin(), findings.end(), [](const Finding& f) { return f.subject == "mx9.good.test"; }));
}

TEST(MailHosts, AddressGuardRefusesLoopbackUnlessAllowed) {
  const auto c = world().cert();
  SmtpServer server(world().server(c));
  ActiveOptions o = world().options(server);
  o.allow_private = false;
  const std::vector<MailHost> hosts = {host()};
  const auto findings = check_mail_hosts("good.test", hosts, o);
  const Finding& starttls = find(findings, "starttls");
  EXPECT_EQ(starttls.status, Status::error);
  EXPECT_TRUE(evidence_has(starttls, "address guard")) << dump(starttls);
  EXPECT_EQ(server.connections(), 0);
}

template <class F>
CertSpec spec(F edit) {
  CertSpec s;
  edit(s);
  return s;
}

struct BadCertificate {
  const char* name;
  CertSpec spec;
  Status expected;
  const char* says;
  int security_level = 1;
};

class Certificates : public testing::TestWithParam<BadCertificate> {};

TEST_P(Certificates, AreGradedByTrustNameDatesKeyAndSignature) {
  const BadCertificate& p = GetParam();
  const auto c = world().cert(p.spec);
  SmtpServerOptions so = world().server(c);
  so.security_level = p.security_level;
  SmtpServer server(so);
  const auto findings = check(server);
  const Finding& cert = find(findings, "certificate");
  EXPECT_EQ(cert.status, p.expected) << dump(cert);
  EXPECT_NE(cert.explanation.find(p.says), std::string::npos) << dump(cert);
}

INSTANTIATE_TEST_SUITE_P(
    MailHosts, Certificates,
    testing::Values(
        BadCertificate{"expired", spec([](CertSpec& s) {
                                      s.valid_from_s = -90 * 86400;
                                      s.valid_until_s = -86400;
                                    }), Status::fail, "expired"},
        BadCertificate{"wrong_name", CertSpec{.cn = "other.test", .sans = {"other.test"}}, Status::fail, "does not cover"},
        BadCertificate{"self_signed", spec([](CertSpec& s) { s.self_signed = true; }), Status::fail, "untrusted"},
        BadCertificate{"expires_soon", spec([](CertSpec& s) { s.valid_until_s = 10 * 86400; }), Status::warn, "within 30 days"},
        BadCertificate{"rsa_1024", spec([](CertSpec& s) { s.rsa_bits = 1024; }), Status::fail, "RSA key of 1024 bits", 0},
        BadCertificate{"sha1", spec([](CertSpec& s) { s.sha1 = true; }), Status::fail, "sha1WithRSAEncryption", 0}),
    [](const testing::TestParamInfo<BadCertificate>& param) { return std::string(param.param.name); });

TEST(MailHosts, DaneEeMatchTakesThePlaceOfAPublicCa) {
  const auto c = world().cert(spec([](CertSpec& s) { s.self_signed = true; }));
  SmtpServer server(world().server(c));
  std::string rdata = "\x03\x01\x01";
  for (std::size_t i = 0; i + 1 < c.spki_sha256.size(); i += 2) {
    rdata += static_cast<char>(std::stoi(c.spki_sha256.substr(i, 2), nullptr, 16));
  }
  MailHost h = host();
  h.tlsa = {rdata};
  const Finding matched = find(check(server, {h}), "certificate");
  EXPECT_EQ(matched.status, Status::pass) << dump(matched);
  EXPECT_NE(matched.explanation.find("DANE-EE"), std::string::npos) << dump(matched);

  rdata.back() = static_cast<char>(rdata.back() ^ 1);
  h.tlsa = {rdata};
  const Finding unmatched = find(check(server, {h}), "certificate");
  EXPECT_EQ(unmatched.status, Status::fail) << dump(unmatched);
}

TEST(MailHosts, RequireTlsPassesOn530AndIsInfoWhenPlaintextMailIsAccepted) {
  const auto c = world().cert();
  SmtpServerOptions so = world().server(c);
  so.require_tls = true;
  SmtpServer strict(so);
  ActiveOptions o = world().options(strict);
  o.probe_require_tls = true;
  const std::vector<MailHost> hosts = {host()};
  const Finding pass = find(check_mail_hosts("good.test", hosts, o), "require-tls");
  EXPECT_EQ(pass.status, Status::pass) << dump(pass);
  EXPECT_TRUE(evidence_has(pass, "S: 530")) << dump(pass);

  SmtpServer lax(world().server(c));
  o.smtp_port = lax.port();
  const Finding info = find(check_mail_hosts("good.test", hosts, o), "require-tls");
  EXPECT_EQ(info.status, Status::info) << dump(info);
  const auto commands = lax.commands();
  EXPECT_NE(std::find(commands.begin(), commands.end(), "RCPT TO:<postmaster@good.test>"), commands.end());
  EXPECT_NE(std::find(commands.begin(), commands.end(), "RSET"), commands.end());
  for (const auto& command : commands) EXPECT_NE(command.substr(0, 4), "DATA");
}

TEST(MailHosts, TlsVersionsWarnWithoutTls13FailWithoutTls12AndNoteOldFallbacks) {
  const Finding warn = graded("tls-versions", [](SmtpServerOptions& so) { so.max_version = 0x0303; });
  EXPECT_EQ(warn.status, Status::warn) << dump(warn);
  EXPECT_NE(warn.explanation.find("TLS 1.3 not accepted"), std::string::npos);

  const Finding fail = graded("tls-versions", [](SmtpServerOptions& so) { so.min_version = 0x0304; });
  EXPECT_EQ(fail.status, Status::fail) << dump(fail);

  const Finding info = graded("tls-versions", [](SmtpServerOptions& so) {
    so.min_version = 0x0301;
    so.security_level = 0;
    so.cipher_list = "ECDHE+AESGCM:ECDHE+CHACHA20:ECDHE-RSA-AES128-SHA";
  });
  EXPECT_EQ(info.status, Status::info) << dump(info);
  EXPECT_TRUE(evidence_has(info, "TLSv1.0 accepted")) << dump(info);
  EXPECT_TRUE(evidence_has(info, "TLSv1.1 accepted")) << dump(info);
}

// tls-ciphers for a TLS 1.2 server (security level 0) accepting `suites`, in its order.
Finding ciphers(std::string suites, bool dh_1024 = false) {
  return graded("tls-ciphers", [&](SmtpServerOptions& so) {
    so.max_version = 0x0303;
    so.security_level = 0;
    so.cipher_list = suites;
    so.dh_1024 = dh_1024;
  });
}

TEST(MailHosts, CiphersWarnOnNonForwardSecretAndFailWhenPreferredOrNull) {
  const Finding warn = ciphers("ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA");
  EXPECT_EQ(warn.status, Status::warn) << dump(warn);
  EXPECT_NE(warn.explanation.find("AES128-SHA (no forward secrecy)"), std::string::npos) << dump(warn);

  const Finding preferred = ciphers("AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256");
  EXPECT_EQ(preferred.status, Status::fail) << dump(preferred);
  EXPECT_NE(preferred.explanation.find("preferred suite AES128-SHA"), std::string::npos) << dump(preferred);

  const Finding nul = ciphers("ECDHE-RSA-AES128-GCM-SHA256:NULL-SHA256");
  EXPECT_EQ(nul.status, Status::fail) << dump(nul);
  EXPECT_NE(nul.explanation.find("NULL-SHA256 (0 bits"), std::string::npos) << dump(nul);
}

TEST(MailHosts, ServerOrderIsToldApartFromClientOrder) {
  // Two offers in opposite orders: a server keeping its own order picks the same suite both times.
  const Finding client = graded("tls-ciphers", [](SmtpServerOptions& so) { so.server_preference = false; });
  EXPECT_TRUE(evidence_has(client, "TLSv1.2 server order: no (offered ")) << dump(client);
  const Finding server = graded("tls-ciphers", [](SmtpServerOptions& so) {
    so.max_version = 0x0303;
    so.cipher_list = "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384";
  });
  EXPECT_TRUE(evidence_has(server,
                           "TLSv1.2 server order: yes (offered ECDHE-RSA-AES128-GCM-SHA256 first: chose "
                           "ECDHE-RSA-AES128-GCM-SHA256; offered ECDHE-RSA-AES256-GCM-SHA384 first: chose "
                           "ECDHE-RSA-AES128-GCM-SHA256)"))
      << dump(server);
  // Raw evidence only: the order is not graded (POSTURE.md grades only a non-FS preferred suite).
  EXPECT_EQ(server.status, Status::pass) << dump(server);
}

TEST(MailHosts, EnumeratesTls13SuitesAndKeyExchangeGroupsPerVersion) {
  const Finding f = graded("tls-ciphers", [](SmtpServerOptions& so) {
    so.groups = "P-384:ffdhe3072";
    so.ciphersuites = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
  });
  EXPECT_TRUE(evidence_has(f, "TLSv1.3 suites accepted: TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256")) << dump(f);
  EXPECT_FALSE(evidence_has(f, "TLS_AES_128_GCM_SHA256")) << dump(f);
  EXPECT_TRUE(evidence_has(f, "TLSv1.3 groups accepted: P-384, ffdhe3072; refused: X25519, P-256, P-521, X448, "
                              "ffdhe2048, ffdhe4096, ffdhe6144, ffdhe8192"))
      << dump(f);
  // TLS 1.2 names only elliptic curves in supported_groups (ECDHE suites offered alone).
  EXPECT_TRUE(evidence_has(f, "TLSv1.2 groups accepted: P-384; refused: X25519, P-256, P-521, X448")) << dump(f);
  EXPECT_EQ(f.status, Status::pass) << dump(f);

  // The default server: X25519 and the NIST curves OpenSSL enables; no TLS 1.2 group scan without TLS 1.2.
  const Finding only13 = graded("tls-ciphers", [](SmtpServerOptions& so) { so.min_version = 0x0304; });
  EXPECT_TRUE(evidence_has(only13, "TLSv1.3 groups accepted: X25519, P-256, P-384, P-521, X448")) << dump(only13);
  EXPECT_FALSE(evidence_has(only13, "TLSv1.2 groups")) << dump(only13);
}

TEST(MailHosts, SmallDhGroupsWarnAndOpenSslsAutoGroupPasses) {
  const Finding pass = ciphers("DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256");
  EXPECT_EQ(pass.status, Status::pass) << dump(pass);
  EXPECT_TRUE(evidence_has(pass, "DHE-RSA-AES128-GCM-SHA256 (128 bits, forward secret, modp_2048 2048)")) << dump(pass);

  const Finding warn = ciphers("DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256", true);
  EXPECT_EQ(warn.status, Status::warn) << dump(warn);
  EXPECT_NE(warn.explanation.find("DH group of 1024 bits"), std::string::npos) << dump(warn);
}

// A raw TCP server on 127.0.0.1 running `behave(fd, stopping)` per connection: for peers no SMTP
// server library would imitate (trickling, endless replies).
class HostileServer {
 public:
  explicit HostileServer(std::function<void(int, const std::atomic<bool>&)> behave) : behave_(std::move(behave)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(listener_, 16) != 0) {
      throw std::runtime_error("HostileServer: cannot listen");
    }
    socklen_t len = sizeof sa;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    thread_ = std::thread([this] {
      while (!stopping_) {
        pollfd p{listener_, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        const int fd = ::accept(listener_, nullptr, nullptr);
        if (fd < 0) continue;
        behave_(fd, stopping_);
        ::close(fd);
      }
    });
  }
  ~HostileServer() {
    stopping_ = true;
    thread_.join();
    ::close(listener_);
  }
  HostileServer(const HostileServer&) = delete;
  HostileServer& operator=(const HostileServer&) = delete;
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  std::function<void(int, const std::atomic<bool>&)> behave_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

std::vector<Finding> check_port(std::uint16_t port, int timeout_ms) {
  ActiveOptions o;
  o.smtp_port = port;
  o.allow_private = true;
  o.timeout_ms = timeout_ms;
  const std::vector<MailHost> hosts = {host()};
  return check_mail_hosts("good.test", hosts, o);
}

TEST(MailHosts, TricklingBannerEndsInATimeoutNotAHang) {
  HostileServer trickle([](int fd, const std::atomic<bool>& stopping) {
    ::send(fd, "220", 3, MSG_NOSIGNAL);
    for (int i = 0; i < 100 && !stopping; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (::send(fd, "x", 1, MSG_NOSIGNAL) != 1) return;
    }
  });
  const Finding f = find(check_port(trickle.port(), 500), "starttls");
  EXPECT_EQ(f.status, Status::error) << dump(f);
  EXPECT_TRUE(evidence_has(f, "timed out")) << dump(f);
}

TEST(MailHosts, EndlessReplyStopsAtTheReadLimit) {
  HostileServer endless([](int fd, const std::atomic<bool>& stopping) {
    const std::string line = "220-" + std::string(1000, 'x') + "\r\n";
    while (!stopping && ::send(fd, line.data(), line.size(), MSG_NOSIGNAL) > 0) {
    }
  });
  const Finding f = find(check_port(endless.port(), 5000), "starttls");
  EXPECT_EQ(f.status, Status::error) << dump(f);
  EXPECT_TRUE(evidence_has(f, "read limit")) << dump(f);
}

TEST(MailHosts, NoPlaintextQuitFollowsAFailedHandshake) {
  std::atomic<bool> quit_after_alert{false};
  HostileServer alerting([&](int fd, const std::atomic<bool>& stopping) {
    auto say = [fd](std::string_view s) { ::send(fd, s.data(), s.size(), MSG_NOSIGNAL); };
    say("220 mx.good.test ESMTP\r\n");
    char buf[4096];
    bool tls = false;
    while (!stopping) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const long n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      const std::string_view got(buf, static_cast<std::size_t>(n));
      if (tls) {
        quit_after_alert = quit_after_alert || got.find("QUIT") != std::string_view::npos;
      } else if (got.starts_with("EHLO")) {
        say("250-mx.good.test\r\n250 STARTTLS\r\n");
      } else if (got.starts_with("STARTTLS")) {
        say("220 go ahead\r\n");
        tls = true;
        // Whatever hello arrives next gets a handshake_failure alert.
        if (::poll(&p, 1, 2000) > 0 && ::recv(fd, buf, sizeof buf, 0) > 0) say(std::string("\x15\x03\x03\x00\x02\x02\x28", 7));
      } else if (got.starts_with("QUIT")) {
        say("221 bye\r\n");
        return;
      }
    }
  });
  const Finding f = find(check_port(alerting.port(), 2000), "starttls");
  EXPECT_EQ(f.status, Status::fail) << dump(f);
  EXPECT_FALSE(quit_after_alert.load());
}

}  // namespace
}  // namespace lookalike::posture
