// check_dane end to end: nsd serves a zone signed at test time (a good domain, one whose TLSA
// records match nothing, one with corrupted signatures) and an unsigned zone; libunbound
// (posture::UnboundDns) validates with the signed zone's DS as trust anchor; a STARTTLS server on
// loopback presents the chain the TLSA records are matched against.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "posture/active.hpp"
#include "posture/unbound_dns.hpp"
#include "tests/support/nsd_server.hpp"
#include "tests/support/signed_zone.hpp"
#include "tests/support/smtp_server.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_ca.hpp"

namespace lookalike::posture {
namespace {

using namespace test_support;

constexpr const char* kHead = "@ SOA ns1 hostmaster 1 3600 600 86400 60\n@ NS ns1\nns1 A 127.0.0.1\n";

struct World {
  TestCa ca;
  IssuedCert cert = ca.issue({.cn = "mx.dane.test",
                              .sans = {"mx.dane.test", "mx.bad.dane.test", "mx.bogus.dane.test", "mx.plain.test"}});
  SmtpServer smtp{[this] {
    SmtpServerOptions o;
    o.chain_pem = cert.chain_pem;
    o.key_pem = cert.key_pem;
    return o;
  }()};
  TempDir dir{"lookalike-dane"};
  std::unique_ptr<NsdServer> nsd;
  std::unique_ptr<UnboundDns> dns;
  ActiveOptions options;

  World() {
    const std::string ee = "3 1 1 " + cert.spki_sha256;
    const std::string ta = "2 1 1 " + ca.spki_sha256();
    const std::string records = std::string(kHead) +
                                "@ MX 10 mx\nmx A 127.0.0.1\n"
                                "_25._tcp.mx TLSA " + ee + "\n_25._tcp.mx TLSA " + ta + "\n"
                                "bad MX 10 mx.bad\nmx.bad A 127.0.0.1\n"
                                "_25._tcp.mx.bad TLSA 3 1 1 " + std::string(64, 'e') + "\n"
                                "bogus MX 10 mx.bogus\nmx.bogus A 127.0.0.1\n_25._tcp.mx.bogus TLSA " + ee + "\n";
    const SignedZone signed_zone =
        sign_zone({"dane.test", records}, dir.path,
                  {"bogus.dane.test", "mx.bogus.dane.test", "_25._tcp.mx.bogus.dane.test"});
    nsd = std::make_unique<NsdServer>(std::vector<Zone>{
        signed_zone.zone, Zone{"plain.test", std::string(kHead) + "@ MX 10 mx\nmx A 127.0.0.1\n"}});
    const auto anchor = dir.path / "anchor.ds";
    std::ofstream(anchor) << signed_zone.ds << "\n";
    UnboundOptions u;
    u.stubs = {{"dane.test", nsd->address()}, {"plain.test", nsd->address()}};
    u.trust_anchor_file = anchor.string();
    auto created = UnboundDns::create(u);
    if (!created) throw std::runtime_error("UnboundDns: " + created.error());
    dns = std::move(*created);
    options.smtp_port = smtp.port();
    options.allow_private = true;
    options.timeout_ms = 5000;
  }

  std::vector<Finding> check(const std::string& domain) {
    const std::vector<MailHost> hosts = {MailHost{"mx." + domain, 10, {"127.0.0.1"}, {}}};
    return check_dane(domain, hosts, *dns, options);
  }
};

World& world() {
  static World w;
  return w;
}

const Finding& find(const std::vector<Finding>& findings, std::string_view subject) {
  const auto it = std::find_if(findings.begin(), findings.end(), [&](const Finding& f) { return f.subject == subject; });
  if (it == findings.end()) throw std::runtime_error("no dane finding for " + std::string(subject));
  return *it;
}

std::string dump(const std::vector<Finding>& findings) {
  std::string s;
  for (const auto& f : findings) {
    s += f.subject + " " + std::string(to_string(f.status)) + ": " + f.explanation + "\n";
    for (const auto& e : f.evidence) s += "  " + e.kind + " " + e.value + "\n";
  }
  return s;
}

TEST(DaneWorld, SignedDomainWithMatchingTlsaPasses) {
  const auto findings = world().check("dane.test");
  EXPECT_EQ(find(findings, "").status, Status::pass) << dump(findings);
  EXPECT_EQ(find(findings, "mx.dane.test").status, Status::pass) << dump(findings);
}

TEST(DaneWorld, TlsaThatMatchesNothingFails) {
  const auto findings = world().check("bad.dane.test");
  EXPECT_EQ(find(findings, "").status, Status::pass) << dump(findings);
  EXPECT_EQ(find(findings, "mx.bad.dane.test").status, Status::fail) << dump(findings);
}

TEST(DaneWorld, BogusSignaturesFail) {
  const auto findings = world().check("bogus.dane.test");
  EXPECT_EQ(find(findings, "").status, Status::fail) << dump(findings);
}

TEST(DaneWorld, UnsignedDomainIsInfo) {
  const auto findings = world().check("plain.test");
  EXPECT_EQ(find(findings, "").status, Status::info) << dump(findings);
}

}  // namespace
}  // namespace lookalike::posture
