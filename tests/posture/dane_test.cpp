// check_dane with DNS answers from a fake Dns (DNSSEC states set by the test) and a real STARTTLS
// server on loopback whose chain the TLSA records do or do not match (OpenSSL's DANE matching).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "posture/active.hpp"
#include "tests/support/smtp_server.hpp"
#include "tests/support/test_ca.hpp"

namespace lookalike::posture {
namespace {

constexpr const char* kMx = "mx.dane.test";

// Answers by (name, type); anything not set is a secure NXDOMAIN.
class FakeDns : public Dns {
 public:
  std::map<std::pair<std::string, std::uint16_t>, Answer> answers;
  std::vector<Question> asked;

  std::vector<Answer> resolve(std::span<const Question> questions) override {
    std::vector<Answer> out;
    for (const auto& q : questions) {
      asked.push_back(q);
      const auto it = answers.find({q.name, q.type});
      if (it != answers.end()) {
        out.push_back(it->second);
      } else {
        Answer a;
        a.rcode = Answer::Rcode::nxdomain;
        a.security = Security::secure;
        out.push_back(a);
      }
    }
    return out;
  }

  void set(const std::string& name, std::uint16_t type, Security security, std::vector<std::string> rdata = {},
           Answer::Rcode rcode = Answer::Rcode::noerror) {
    Answer a;
    a.rcode = rcode;
    a.security = security;
    a.rdata = std::move(rdata);
    if (security == Security::bogus) a.why_bogus = "signature expired";
    answers[{name, type}] = a;
  }
};

std::string tlsa(int usage, int selector, int mtype, const std::string& hex) {
  std::string r{static_cast<char>(usage), static_cast<char>(selector), static_cast<char>(mtype)};
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) r += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return r;
}

struct DaneWorld {
  test_support::TestCa ca;
  test_support::IssuedCert cert = ca.issue({.cn = kMx, .sans = {kMx}});
  test_support::SmtpServer server{[this] {
    test_support::SmtpServerOptions o;
    o.hostname = kMx;
    o.chain_pem = cert.chain_pem;
    o.key_pem = cert.key_pem;
    return o;
  }()};
  FakeDns dns;
  ActiveOptions options;
  std::vector<MailHost> hosts = {MailHost{kMx, 10, {"127.0.0.1"}, {}}};

  DaneWorld() {
    options.smtp_port = server.port();
    options.allow_private = true;
    options.timeout_ms = 5000;
    dns.set("dane.test", rrtype::mx, Security::secure, {"mx"});
    dns.set(kMx, rrtype::a, Security::secure, {"\x7f\x00\x00\x01"});
    dns.set(kMx, rrtype::aaaa, Security::secure);
  }
  std::string ee() const { return tlsa(3, 1, 1, cert.spki_sha256); }
  std::string ta() const { return tlsa(2, 1, 1, ca.spki_sha256()); }
  std::vector<Finding> run() { return check_dane("dane.test", hosts, dns, options); }
};

const Finding& find(const std::vector<Finding>& findings, std::string_view subject) {
  const auto it = std::find_if(findings.begin(), findings.end(),
                               [&](const Finding& f) { return f.id == "dane" && f.subject == subject; });
  if (it == findings.end()) throw std::runtime_error("no dane finding for " + std::string(subject));
  return *it;
}

std::string dump(const Finding& f) {
  std::string s = f.subject + " " + std::string(to_string(f.status)) + ": " + f.explanation + "\n";
  for (const auto& e : f.evidence) s += "  " + e.kind + " " + e.value + "\n";
  return s;
}

TEST(Dane, UnsignedDomainIsInfoAndConnectsNowhere) {
  DaneWorld w;
  w.dns.set("dane.test", rrtype::mx, Security::insecure, {"mx"});
  const auto findings = w.run();
  ASSERT_EQ(findings.size(), 1U);
  EXPECT_EQ(findings[0].status, Status::info) << dump(findings[0]);
  EXPECT_EQ(w.server.connections(), 0);
}

TEST(Dane, WithoutValidationDaneIsAnErrorThatSaysWhy) {
  DaneWorld w;
  w.dns.set("dane.test", rrtype::mx, Security::indeterminate, {"mx"});
  const auto findings = w.run();
  ASSERT_EQ(findings.size(), 1U);
  EXPECT_EQ(findings[0].status, Status::error);
  EXPECT_NE(findings[0].explanation.find("no trust anchor"), std::string::npos) << dump(findings[0]);
  EXPECT_EQ(w.server.connections(), 0);
}

TEST(Dane, BogusMxSetFails) {
  DaneWorld w;
  w.dns.set("dane.test", rrtype::mx, Security::bogus, {"mx"});
  const Finding f = find(w.run(), "");
  EXPECT_EQ(f.status, Status::fail) << dump(f);
  EXPECT_NE(f.explanation.find("signature expired"), std::string::npos);
}

TEST(Dane, MatchingEeAndTaRecordsPass) {
  DaneWorld w;
  w.dns.set("_25._tcp.mx.dane.test", rrtype::tlsa, Security::secure, {w.ee(), w.ta()});
  const auto findings = w.run();
  EXPECT_EQ(find(findings, "").status, Status::pass);
  const Finding& f = find(findings, kMx);
  EXPECT_EQ(f.status, Status::pass) << dump(f);
  EXPECT_TRUE(std::any_of(f.evidence.begin(), f.evidence.end(),
                          [](const Evidence& e) { return e.kind == "tlsa" && e.value.starts_with("3 1 1 "); }));
}

TEST(Dane, OneMatchingRecordWithoutRolloverWarns) {
  DaneWorld w;
  w.dns.set("_25._tcp.mx.dane.test", rrtype::tlsa, Security::secure, {w.ta()});
  const Finding f = find(w.run(), kMx);
  EXPECT_EQ(f.status, Status::warn) << dump(f);
  EXPECT_NE(f.explanation.find("rollover"), std::string::npos);
}

TEST(Dane, RecordsThatMatchNothingFail) {
  DaneWorld w;
  std::string wrong = w.ee();
  wrong.back() = static_cast<char>(wrong.back() ^ 0x5a);
  w.dns.set("_25._tcp.mx.dane.test", rrtype::tlsa, Security::secure, {wrong, tlsa(3, 0, 1, std::string(64, 'a'))});
  const Finding f = find(w.run(), kMx);
  EXPECT_EQ(f.status, Status::fail) << dump(f);
  EXPECT_NE(f.explanation.find("none matches"), std::string::npos) << dump(f);
}

TEST(Dane, TlsaServfailFails) {
  DaneWorld w;
  w.dns.set("_25._tcp.mx.dane.test", rrtype::tlsa, Security::indeterminate, {}, Answer::Rcode::servfail);
  const Finding f = find(w.run(), kMx);
  EXPECT_EQ(f.status, Status::fail) << dump(f);
  EXPECT_NE(f.explanation.find("SERVFAIL"), std::string::npos);
}

TEST(Dane, SignedWithoutTlsaWarns) {
  DaneWorld w;
  w.dns.set("_25._tcp.mx.dane.test", rrtype::tlsa, Security::secure, {}, Answer::Rcode::nxdomain);
  const Finding f = find(w.run(), kMx);
  EXPECT_EQ(f.status, Status::warn) << dump(f);
  EXPECT_NE(f.explanation.find("no TLSA"), std::string::npos) << dump(f);
}

TEST(Dane, OnlyPkixUsagesWarn) {
  DaneWorld w;
  w.dns.set("_25._tcp.mx.dane.test", rrtype::tlsa, Security::secure, {tlsa(1, 1, 1, w.cert.spki_sha256)});
  const Finding f = find(w.run(), kMx);
  EXPECT_EQ(f.status, Status::warn) << dump(f);
  EXPECT_NE(f.explanation.find("0/1"), std::string::npos);
}

TEST(Dane, AttachTlsaKeepsOnlySecureAnswers) {
  DaneWorld w;
  w.dns.set("_25._tcp.mx.dane.test", rrtype::tlsa, Security::secure, {w.ee()});
  w.dns.set("_25._tcp.mx2.dane.test", rrtype::tlsa, Security::insecure, {w.ee()});
  std::vector<MailHost> hosts = {MailHost{kMx, 10, {}, {}}, MailHost{"mx2.dane.test", 20, {}, {}}};
  attach_tlsa(hosts, w.dns);
  EXPECT_EQ(hosts[0].tlsa, std::vector<std::string>{w.ee()});
  EXPECT_TRUE(hosts[1].tlsa.empty());
}

}  // namespace
}  // namespace lookalike::posture
