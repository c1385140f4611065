// The hand-written SSLv2/SSLv3 ClientHellos and the parser of what servers answer, fed with
// answers as servers send them (replayed by a loopback SMTP server after STARTTLS) and with the
// live answer of OpenSSL 3, which refuses both.
#include <gtest/gtest.h>

#include <algorithm>

#include "posture/active.hpp"
#include "posture/client_hello.hpp"
#include "posture/smtp.hpp"
#include "tests/support/smtp_server.hpp"
#include "tests/support/test_ca.hpp"

namespace lookalike::posture {
namespace {

using Verdict = LegacyHelloReply::Verdict;

std::string bytes(std::initializer_list<int> list) {
  std::string s;
  for (const int b : list) s += static_cast<char>(b);
  return s;
}

// An SSLv3 server's ServerHello record (RFC 6101 §5.6.1.3): version 3.0, a 32-byte session id,
// SSL_RSA_WITH_3DES_EDE_CBC_SHA, null compression; then a ServerHelloDone record.
std::string ssl3_server_hello() {
  std::string hello = bytes({0x03, 0x00}) + std::string(32, '\x11') + bytes({0x20}) + std::string(32, '\x22') +
                      bytes({0x00, 0x0a, 0x00});
  std::string handshake = bytes({0x02, 0x00, 0x00, static_cast<int>(hello.size())}) + hello;
  return bytes({0x16, 0x03, 0x00, 0x00, static_cast<int>(handshake.size())}) + handshake +
         bytes({0x16, 0x03, 0x00, 0x00, 0x04, 0x0e, 0x00, 0x00, 0x00});
}

// An SSLv2 SERVER-HELLO (SSLv2 spec, 2-byte header): a 4-byte certificate stand-in, two cipher
// kinds (3DES, RC4) and a 16-byte connection id.
std::string ssl2_server_hello() {
  const std::string cert = bytes({0x30, 0x02, 0x05, 0x00});
  std::string body = bytes({0x04, 0x00, 0x01, 0x00, 0x02, 0x00, static_cast<int>(cert.size()), 0x00, 0x06, 0x00, 0x10}) +
                     cert + bytes({0x07, 0x00, 0xc0, 0x01, 0x00, 0x80}) + std::string(16, '\x33');
  return bytes({0x80, static_cast<int>(body.size())}) + body;
}

TEST(ClientHello, Ssl3HelloIsOneHandshakeRecordOfVersion30) {
  const std::string h = legacy_client_hello(LegacyProtocol::ssl3, "r");
  ASSERT_GT(h.size(), 50U);
  EXPECT_EQ(h.substr(0, 3), bytes({0x16, 0x03, 0x00}));
  EXPECT_EQ(static_cast<std::size_t>((static_cast<unsigned char>(h[3]) << 8) | static_cast<unsigned char>(h[4])), h.size() - 5);
  EXPECT_EQ(h[5], '\x01');                             // ClientHello
  EXPECT_EQ(h.substr(9, 2), bytes({0x03, 0x00}));      // client_version
  EXPECT_EQ(h.substr(h.size() - 2), bytes({0x01, 0x00}));  // null compression only, no extensions
}

TEST(ClientHello, Ssl2HelloHasTwoByteHeaderAndSevenCipherKinds) {
  const std::string h = legacy_client_hello(LegacyProtocol::ssl2, "challenge");
  ASSERT_GE(h.size(), 2U + 9U + 21U + 16U);
  EXPECT_EQ(static_cast<unsigned char>(h[0]) & 0x80, 0x80);
  EXPECT_EQ(static_cast<std::size_t>(((static_cast<unsigned char>(h[0]) & 0x7f) << 8) | static_cast<unsigned char>(h[1])), h.size() - 2);
  EXPECT_EQ(h.substr(2, 3), bytes({0x01, 0x00, 0x02}));  // CLIENT-HELLO, version 2
  EXPECT_EQ(h.substr(5, 2), bytes({0x00, 21}));          // 7 cipher kinds of 3 bytes
}

TEST(ClientHello, Ssl3ServerHelloIsAcceptedWithItsSuite) {
  const auto r = parse_legacy_reply(LegacyProtocol::ssl3, ssl3_server_hello(), false);
  EXPECT_EQ(r.verdict, Verdict::accepted) << r.detail;
  EXPECT_EQ(r.version, 0x0300);
  ASSERT_EQ(r.ciphers.size(), 1U);
  EXPECT_EQ(r.ciphers[0], 0x000aU);
}

TEST(ClientHello, AlertsOtherVersionsAndClosedConnectionsAreRefusals) {
  const auto alert = parse_legacy_reply(LegacyProtocol::ssl3, bytes({0x15, 0x03, 0x00, 0x00, 0x02, 0x02, 0x28}), false);
  EXPECT_EQ(alert.verdict, Verdict::refused);
  EXPECT_NE(alert.detail.find("handshake_failure"), std::string::npos);
  std::string tls12 = ssl3_server_hello();
  tls12[9] = 0x03;
  tls12[10] = 0x03;
  const auto other = parse_legacy_reply(LegacyProtocol::ssl3, tls12, false);
  EXPECT_EQ(other.verdict, Verdict::refused);
  EXPECT_NE(other.detail.find("TLSv1.2"), std::string::npos);
  EXPECT_EQ(parse_legacy_reply(LegacyProtocol::ssl3, "", true).verdict, Verdict::refused);
  EXPECT_EQ(parse_legacy_reply(LegacyProtocol::ssl2, bytes({0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46}), false).verdict,
            Verdict::refused);
}

TEST(ClientHello, PartialAnswersWaitForMoreAndGarbageIsMalformed) {
  const std::string full = ssl3_server_hello();
  for (std::size_t n = 1; n < 5 + 4 + 2 + 32 + 1 + 32 + 2; ++n) {
    EXPECT_EQ(parse_legacy_reply(LegacyProtocol::ssl3, full.substr(0, n), false).verdict, Verdict::incomplete) << n;
    EXPECT_EQ(parse_legacy_reply(LegacyProtocol::ssl3, full.substr(0, n), true).verdict, Verdict::refused) << n;
  }
  EXPECT_EQ(parse_legacy_reply(LegacyProtocol::ssl3, "220 hello\r\n", false).verdict, Verdict::malformed);
  EXPECT_EQ(parse_legacy_reply(LegacyProtocol::ssl3, bytes({0x16, 0x03, 0x00, 0x00, 0x05, 0x0b, 0, 0, 1, 0}), false).verdict,
            Verdict::malformed);
}

TEST(ClientHello, Ssl2ServerHelloIsAcceptedWithItsCipherKinds) {
  const std::string hello = ssl2_server_hello();
  const auto r = parse_legacy_reply(LegacyProtocol::ssl2, hello, false);
  EXPECT_EQ(r.verdict, Verdict::accepted) << r.detail;
  EXPECT_EQ(r.ciphers, (std::vector<std::uint32_t>{0x0700c0, 0x010080}));
  EXPECT_EQ(parse_legacy_reply(LegacyProtocol::ssl2, hello.substr(0, 12), false).verdict, Verdict::incomplete);
  EXPECT_EQ(parse_legacy_reply(LegacyProtocol::ssl2, bytes({0x80, 0x03, 0x00, 0x00, 0x01}), false).verdict, Verdict::refused);
}

struct Served {
  test_support::TestCa ca;
  test_support::IssuedCert cert = ca.issue({.cn = "mx.legacy.test", .sans = {"mx.legacy.test"}});
  test_support::SmtpServerOptions options() const {
    test_support::SmtpServerOptions o;
    o.chain_pem = cert.chain_pem;
    o.key_pem = cert.key_pem;
    return o;
  }
};

// The `id` finding check_mail_hosts gives for a loopback server run with `o`.
Finding graded(const test_support::SmtpServerOptions& o, std::string_view id) {
  test_support::SmtpServer server(o);
  ActiveOptions a;
  a.allow_private = true;
  a.timeout_ms = 5000;
  a.smtp_port = server.port();
  const std::vector<MailHost> hosts = {MailHost{"mx.legacy.test", 10, {"127.0.0.1"}, {}}};
  for (Finding& f : check_mail_hosts("legacy.test", hosts, a)) {
    if (f.id == id) return std::move(f);
  }
  throw std::runtime_error("no finding " + std::string(id));
}

TEST(ClientHello, OpenSsl3AnswersOurSsl3HelloWithAnAlert) {
  Served s;
  test_support::SmtpServer server(s.options());
  smtp::Limits limits;
  limits.allow_private = true;
  limits.timeout_ms = 5000;
  auto session = smtp::open_to_starttls("127.0.0.1", server.port(), limits, "client.test");
  ASSERT_TRUE(session.has_value()) << session.error();
  LegacyHelloReply parsed;
  const std::string answer = session->exchange_raw(legacy_client_hello(LegacyProtocol::ssl3, "x"),
                                                   max_legacy_reply_bytes, [&](std::string_view b, bool eof) {
                                                     parsed = parse_legacy_reply(LegacyProtocol::ssl3, b, eof);
                                                     return parsed.verdict != Verdict::incomplete;
                                                   });
  ASSERT_FALSE(answer.empty());
  EXPECT_EQ(answer[0], '\x15') << "expected a TLS alert record";
  EXPECT_EQ(parsed.verdict, Verdict::refused) << parsed.detail;
}

TEST(ClientHello, ReplayedSsl3AcceptanceWarnsAndSsl2AcceptanceFails) {
  Served s;
  auto o = s.options();
  o.ssl3_reply = ssl3_server_hello();
  const Finding ssl3 = graded(o, "tls-versions");
  EXPECT_EQ(ssl3.status, Status::warn) << ssl3.explanation;
  EXPECT_NE(ssl3.explanation.find("SSLv3 accepted"), std::string::npos) << ssl3.explanation;

  o = s.options();
  o.ssl2_reply = ssl2_server_hello();
  const Finding ssl2 = graded(o, "tls-versions");
  EXPECT_EQ(ssl2.status, Status::fail) << ssl2.explanation;
  EXPECT_NE(ssl2.explanation.find("SSLv2 accepted"), std::string::npos) << ssl2.explanation;
}

}  // namespace
}  // namespace lookalike::posture

namespace lookalike::posture {
namespace {

// The suites in a TLS ClientHello record (empty when it is not one).
std::vector<std::uint16_t> offered_suites(std::string_view record) {
  std::vector<std::uint16_t> out;
  auto at = [&](std::size_t i) { return static_cast<std::size_t>(static_cast<unsigned char>(record[i])); };
  if (record.size() < 5 + 4 + 2 + 32 + 1 || at(0) != 0x16 || at(5) != 0x01) return out;
  const std::size_t sid = at(43);
  std::size_t pos = 44 + sid;
  if (record.size() < pos + 2) return out;
  const std::size_t len = (at(pos) << 8) | at(pos + 1);
  for (std::size_t i = pos + 2; i + 1 < pos + 2 + len && i + 1 < record.size(); i += 2) {
    out.push_back(static_cast<std::uint16_t>((at(i) << 8) | at(i + 1)));
  }
  return out;
}

// A TLS 1.2 server's ServerHello choosing `suite`, then ServerHelloDone.
std::string tls12_server_hello(std::uint16_t suite) {
  std::string hello = bytes({0x03, 0x03}) + std::string(32, '\x44') + bytes({0x00, suite >> 8, suite & 0xff, 0x00});
  std::string handshake = bytes({0x02, 0x00, 0x00, static_cast<int>(hello.size())}) + hello;
  return bytes({0x16, 0x03, 0x03, 0x00, static_cast<int>(handshake.size())}) + handshake +
         bytes({0x16, 0x03, 0x03, 0x00, 0x04, 0x0e, 0x00, 0x00, 0x00});
}

TEST(ClientHello, TlsHelloOffersExactlyTheGivenSuitesWithSniForNamesOnly) {
  const std::vector<std::uint16_t> suites = {0x0005, 0x000a, 0xc012};
  const std::string h = tls_client_hello(0x0303, suites, "mx.legacy.test", "r");
  EXPECT_EQ(h.substr(0, 3), bytes({0x16, 0x03, 0x01}));
  EXPECT_EQ(h.substr(9, 2), bytes({0x03, 0x03}));
  EXPECT_EQ(offered_suites(h), suites);
  EXPECT_NE(h.find("mx.legacy.test"), std::string::npos);
  EXPECT_EQ(tls_client_hello(0x0303, suites, "192.0.2.1", "r").find("192.0.2.1"), std::string::npos);
}

TEST(ClientHello, TlsReplyIsAcceptedOnlyAtTheOfferedVersion) {
  const auto ok = parse_tls_reply(0x0303, tls12_server_hello(0x000a), false);
  EXPECT_EQ(ok.verdict, Verdict::accepted);
  EXPECT_EQ(ok.ciphers, (std::vector<std::uint32_t>{0x000a}));
  EXPECT_EQ(parse_tls_reply(0x0302, tls12_server_hello(0x000a), false).verdict, Verdict::refused);
  EXPECT_EQ(parse_tls_reply(0x0303, bytes({0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28}), false).verdict, Verdict::refused);
  EXPECT_STREQ(find_legacy_suite(0x000a)->name, "DES-CBC3-SHA");
  EXPECT_EQ(find_legacy_suite(0x1301), nullptr);
}

TEST(ClientHello, SuitesOpenSslCannotOfferAreFoundWithOurOwnHello) {
  Served s;
  auto o = s.options();
  o.max_version = 0x0303;
  // Recorded answers of a server that still takes RC4 and 3DES: it picks RC4 while offered, then 3DES.
  o.raw_reply = [](std::string_view hello) -> std::string {
    const auto suites = offered_suites(hello);
    for (const std::uint16_t pick : std::initializer_list<std::uint16_t>{0x0005, 0x000a}) {
      if (std::find(suites.begin(), suites.end(), pick) != suites.end()) return tls12_server_hello(pick);
    }
    return {};
  };
  const Finding ciphers = graded(o, "tls-ciphers");
  std::string evidence;
  for (const auto& e : ciphers.evidence) evidence += e.value + "\n";
  EXPECT_EQ(ciphers.status, Status::fail) << ciphers.explanation << "\n" << evidence;
  EXPECT_NE(ciphers.explanation.find("RC4-SHA"), std::string::npos) << ciphers.explanation;
  EXPECT_NE(evidence.find("TLSv1.2 DES-CBC3-SHA (112 bits)"), std::string::npos) << evidence;
  EXPECT_NE(evidence.find("TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384"), std::string::npos) << evidence;
}

}  // namespace
}  // namespace lookalike::posture
