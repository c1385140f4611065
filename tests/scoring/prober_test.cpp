// The probes against real servers on 127.0.0.1: a well-behaved SMTP, HTTP and HTTPS world
// (self-signed certificate generated here), then hostile servers that must make each probe end
// with a timeout or limit error, with the bytes read bounded.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "scoring/scoring.hpp"
#include "tests/scoring/loopback_servers.hpp"
#include "tests/support/nsd_server.hpp"

namespace lookalike::scoring {
namespace {

using testing::LoopbackServer;

Address loopback() { return *parse_address("127.0.0.1"); }

ProbeOptions test_options() {
  ProbeOptions o;
  o.allow_private = true;
  o.step_timeout = std::chrono::milliseconds(1000);
  o.session_timeout = std::chrono::milliseconds(4000);
  o.concurrency = 8;
  return o;
}

ProbeTarget mail_target(const std::string& name) {
  ProbeTarget t;
  t.name = name;
  t.mx.push_back(MxHost{"mx." + name, {loopback()}});
  return t;
}

ProbeTarget web_target(const std::string& name, const std::string& brand = "brand.test") {
  ProbeTarget t;
  t.name = name;
  t.web_addresses = {loopback()};
  t.brand_domain = brand;
  return t;
}

const WebProbe& scheme(const ProbeResult& r, std::string_view s) {
  for (const auto& w : r.web) {
    if (w.scheme == s) return w;
  }
  throw std::logic_error("no such scheme");
}

TEST(MailProbe, ReadsBannerEhloAndStarttlsFromARealSmtpServer) {
  LoopbackServer smtp(testing::smtp_handler("phish.test"));
  ProbeOptions o = test_options();
  o.smtp_port = smtp.port();
  o.web = false;
  Prober prober(o);
  const std::vector<ProbeTarget> targets = {mail_target("phish.test")};
  const auto results = prober.probe_all(targets);
  ASSERT_EQ(results.size(), 1u);
  const ProbeResult& r = results[0];
  ASSERT_EQ(r.mail.size(), 1u);
  const MailProbe& m = r.mail[0];
  EXPECT_EQ(m.error, ProbeError::none) << m.detail;
  EXPECT_TRUE(m.answered);
  EXPECT_EQ(m.banner_code, 220);
  EXPECT_EQ(m.banner, "mx.phish.test ESMTP Postfix (Debian) | no UCE");
  EXPECT_TRUE(m.ehlo_ok);
  EXPECT_TRUE(m.starttls);
  EXPECT_FALSE(m.rcpt_accepted.has_value());  // mx_check is off by default
  EXPECT_TRUE(r.mx_live);
  EXPECT_FALSE(r.web_live);
}

TEST(MailProbe, MxCheckReportsWhetherRecipientsAtTheLookAlikeAreAccepted) {
  LoopbackServer smtp(testing::smtp_handler("phish.test", /*starttls=*/false));
  ProbeOptions o = test_options();
  o.smtp_port = smtp.port();
  o.web = false;
  o.mx_check = true;
  Prober prober(o);
  const std::vector<ProbeTarget> targets = {mail_target("phish.test"), mail_target("other.test")};
  const auto results = prober.probe_all(targets);
  ASSERT_EQ(results.size(), 2u);
  ASSERT_EQ(results[0].mail.size(), 1u);
  EXPECT_FALSE(results[0].mail[0].starttls);
  EXPECT_EQ(results[0].mail[0].rcpt_accepted, std::optional<bool>(true));
  EXPECT_TRUE(results[0].mx_accepts_mail);
  EXPECT_EQ(results[1].mail[0].rcpt_accepted, std::optional<bool>(false));
  EXPECT_FALSE(results[1].mx_accepts_mail);
  EXPECT_TRUE(results[1].mx_live);
}

TEST(MailProbe, ClosedPortIsAConnectFailureNotALiveMx) {
  std::uint16_t port = 0;
  {
    LoopbackServer gone(testing::silent_handler());
    port = gone.port();
  }
  ProbeOptions o = test_options();
  o.smtp_port = port;
  o.web = false;
  Prober prober(o);
  const std::vector<ProbeTarget> targets = {mail_target("phish.test")};
  const auto r = prober.probe_all(targets);
  ASSERT_EQ(r[0].mail.size(), 1u);
  EXPECT_EQ(r[0].mail[0].error, ProbeError::connect_failed);
  EXPECT_FALSE(r[0].mx_live);
}

class WebWorld : public ::testing::Test {
 protected:
  void SetUp() override {
    cert_ = testing::TestCertificate::make("phish.test", {"phish.test", "*.phish.test"});
    brand_page_ = "<html><head><title>Brand Bank | Sign in</title></head><body><h1>Welcome to Brand Bank</h1>"
                  "<p>Sign in to manage your accounts, cards and payments securely online.</p>"
                  "<form><input name=user><input name=pass type=password></form>"
                  "<p>Need help? Call us any time of day or night.</p></body></html>";
    std::map<std::string, std::string> routes = {
        {"phish.test", "HTTP/1.1 302 Found\r\nLocation: /login\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"},
        {"phish.test/login", testing::html_response(brand_page_, "Apache/2.4.57 (Debian)")},
        {"redirect.test", "HTTP/1.1 301 Moved Permanently\r\nLocation: https://www.brand.test/\r\nContent-Length: 0\r\n\r\n"},
        {"parked.test", testing::html_response("<html><title>parked.test</title><h1>This domain is for sale!</h1></html>")},
    };
    http_ = std::make_unique<LoopbackServer>(testing::http_handler(routes));
    https_ = std::make_unique<LoopbackServer>(testing::http_handler(routes), &cert_);
    opts_ = test_options();
    opts_.http_port = http_->port();
    opts_.https_port = https_->port();
    opts_.mail = false;
  }

  testing::TestCertificate cert_;
  std::string brand_page_;
  std::unique_ptr<LoopbackServer> http_;
  std::unique_ptr<LoopbackServer> https_;
  ProbeOptions opts_;
};

TEST_F(WebWorld, FollowsSameHostRedirectAndReadsStatusTitleAndServer) {
  Prober prober(opts_);
  const std::vector<ProbeTarget> targets = {web_target("phish.test")};
  const auto r = prober.probe_all(targets);
  const WebProbe& http = scheme(r[0], "http");
  EXPECT_EQ(http.error, ProbeError::none) << http.detail;
  EXPECT_TRUE(http.answered);
  EXPECT_EQ(http.status, 200);
  EXPECT_EQ(http.title, "Brand Bank | Sign in");
  EXPECT_EQ(http.server, "Apache/2.4.57 (Debian)");
  ASSERT_EQ(http.hops.size(), 2u);
  EXPECT_EQ(http.hops[0].status, 302);
  EXPECT_EQ(http.hops[0].location, "/login");
  EXPECT_EQ(http.final_url, "http://phish.test:" + std::to_string(http_->port()) + "/login");
  EXPECT_FALSE(http.redirects_to_brand);
  EXPECT_FALSE(http.certificate.has_value());
  EXPECT_TRUE(r[0].web_live);
}

TEST_F(WebWorld, HttpsRecordsTheSelfSignedCertificateWithoutFailing) {
  Prober prober(opts_);
  const std::vector<ProbeTarget> targets = {web_target("phish.test")};
  const auto r = prober.probe_all(targets);
  const WebProbe& https = scheme(r[0], "https");
  EXPECT_EQ(https.error, ProbeError::none) << https.detail;
  EXPECT_EQ(https.status, 200);
  EXPECT_EQ(https.title, "Brand Bank | Sign in");
  ASSERT_TRUE(https.certificate.has_value());
  const CertificateInfo& c = *https.certificate;
  EXPECT_EQ(c.subject, "CN=phish.test,O=Lookalike Test");
  EXPECT_EQ(c.issuer, "CN=phish.test,O=Lookalike Test");
  EXPECT_TRUE(c.covers_name);
  EXPECT_FALSE(c.verified);
  EXPECT_FALSE(c.verify_error.empty());
  EXPECT_LT(c.not_before, c.not_after);
  EXPECT_TRUE(r[0].tls_covers_name);
}

TEST_F(WebWorld, CertificateVerifiesWhenItsIssuerIsTrusted) {
  const auto path = std::filesystem::temp_directory_path() / ("lookalike-ca-" + std::to_string(::getpid()) + ".pem");
  {
    std::ofstream out(path);
    out << cert_.pem;
  }
  struct Remove {
    std::filesystem::path p;
    ~Remove() { std::filesystem::remove(p); }
  } cleanup{path};
  opts_.ca_file = path.string();
  Prober prober(opts_);
  const std::vector<ProbeTarget> targets = {web_target("www.phish.test"), web_target("elsewhere.test")};
  const auto r = prober.probe_all(targets);
  const auto& c = scheme(r[0], "https").certificate;
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(c->verified) << c->verify_error;
  EXPECT_TRUE(c->covers_name);  // *.phish.test
  const auto& other = scheme(r[1], "https").certificate;
  ASSERT_TRUE(other.has_value());
  EXPECT_FALSE(other->covers_name);
  EXPECT_EQ(scheme(r[1], "https").status, 404);
}

TEST_F(WebWorld, RedirectToTheBrandIsRecordedAsDefensive) {
  Prober prober(opts_);
  const std::vector<ProbeTarget> targets = {web_target("redirect.test")};
  const auto r = prober.probe_all(targets);
  const WebProbe& http = scheme(r[0], "http");
  EXPECT_EQ(http.status, 301);
  EXPECT_TRUE(http.redirects_to_brand);
  ASSERT_EQ(http.hops.size(), 1u);
  EXPECT_EQ(http.hops[0].location, "https://www.brand.test/");
  EXPECT_TRUE(r[0].redirects_to_brand);
}

TEST_F(WebWorld, PageSimilarityToTheBrandAndParkingAreReported) {
  Prober prober(opts_);
  ProbeTarget clone = web_target("phish.test");
  clone.brand_page_hash = page_hash(brand_page_);
  ProbeTarget parked = web_target("parked.test");
  parked.brand_page_hash = page_hash(brand_page_);
  ProbeTarget parked_ns = web_target("elsewhere.test");
  parked_ns.ns = {"ns1.sedoparking.com"};
  const std::vector<ProbeTarget> targets = {clone, parked, parked_ns};
  const auto r = prober.probe_all(targets);
  ASSERT_TRUE(r[0].page_similarity.has_value());
  EXPECT_DOUBLE_EQ(*r[0].page_similarity, 1.0);
  EXPECT_FALSE(r[0].parked);
  EXPECT_TRUE(r[1].parked);
  ASSERT_TRUE(r[1].page_similarity.has_value());
  EXPECT_LT(*r[1].page_similarity, 0.9);
  EXPECT_TRUE(r[2].parked);
  // The facts feed the score: a cloned page earns its points.
  Facts f;
  f.registered = true;
  apply_probe(r[0], f);
  const Score s = score(f);
  EXPECT_TRUE(std::any_of(s.reasons.begin(), s.reasons.end(), [](const Reason& x) { return x.code == "page_similarity"; }));
}

TEST(ProbeSafety, PrivateAndMetadataAddressesAreNotProbedByDefault) {
  LoopbackServer smtp(testing::smtp_handler("phish.test"));
  LoopbackServer http(testing::http_handler({}));
  ProbeOptions o;  // defaults: allow_private = false
  o.smtp_port = smtp.port();
  o.http_port = http.port();
  o.https_port = http.port();
  o.step_timeout = std::chrono::milliseconds(1000);
  Prober prober(o);
  ProbeTarget t;
  t.name = "ssrf.test";
  for (const char* a : {"127.0.0.1", "10.0.0.1", "169.254.169.254", "::1"}) t.web_addresses.push_back(*parse_address(a));
  t.mx.push_back(MxHost{"mx.ssrf.test", {*parse_address("127.0.0.1"), *parse_address("::ffff:10.0.0.1")}});
  t.mx.push_back(MxHost{"mx2.ssrf.test", {*parse_address("100.64.0.1"), *parse_address("fd00::1")}});
  const std::vector<ProbeTarget> targets = {t};
  const auto r = prober.probe_all(targets);
  EXPECT_EQ(smtp.connections(), 0);
  EXPECT_EQ(http.connections(), 0);
  for (const auto& m : r[0].mail) EXPECT_EQ(m.error, ProbeError::refused_address);
  for (const auto& w : r[0].web) EXPECT_EQ(w.error, ProbeError::refused_address);
  EXPECT_FALSE(r[0].mx_live);
  EXPECT_FALSE(r[0].web_live);
  const std::vector<std::string> expected = {"10.0.0.1 (private)",       "100.64.0.1 (cgnat)",
                                             "127.0.0.1 (loopback)",     "169.254.169.254 (cloud-metadata)",
                                             "::1 (loopback)",           "::ffff:10.0.0.1 (private)",
                                             "fd00::1 (unique-local)"};
  EXPECT_EQ(r[0].skipped, expected);
}

TEST(ProbeSafety, RedirectToTheCloudMetadataAddressIsRefusedEvenWhenPrivateIsAllowed) {
  LoopbackServer http(testing::http_handler(
      {{"ssrf.test", "HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest/meta-data/\r\n\r\n"}}));
  ProbeOptions o = test_options();  // allow_private: needed to reach the loopback server at all
  o.http_port = http.port();
  o.https_port = http.port();
  o.mail = false;
  Prober prober(o);
  const std::vector<ProbeTarget> targets = {web_target("ssrf.test")};
  const auto r = prober.probe_all(targets);
  const WebProbe& w = scheme(r[0], "http");
  ASSERT_EQ(w.hops.size(), 1u);
  EXPECT_EQ(w.hops[0].status, 302);
  EXPECT_EQ(w.error, ProbeError::refused_address) << w.detail;
  EXPECT_EQ(r[0].skipped, std::vector<std::string>{"169.254.169.254 (cloud-metadata)"});
}

// --- hostile servers: each probe must END with timeout/limit, having read a bounded amount ---

ProbeOptions hostile_options() {
  ProbeOptions o = test_options();
  o.step_timeout = std::chrono::milliseconds(700);
  o.session_timeout = std::chrono::milliseconds(3000);
  return o;
}

TEST(HostileServers, EndlessBannerEndsAtTheByteLimit) {
  LoopbackServer evil(testing::endless_banner_handler());
  ProbeOptions o = hostile_options();
  o.smtp_port = evil.port();
  o.web = false;
  Prober prober(o);
  const std::vector<ProbeTarget> targets = {mail_target("evil.test")};
  const auto r = prober.probe_all(targets);
  ASSERT_EQ(r[0].mail.size(), 1u);
  EXPECT_EQ(r[0].mail[0].error, ProbeError::limit) << r[0].mail[0].detail;
  EXPECT_LE(r[0].mail[0].bytes_read, o.max_smtp_bytes);
  EXPECT_FALSE(r[0].mx_live);
}

TEST(HostileServers, BytePerIntervalSenderEndsWithATimeout) {
  LoopbackServer evil(testing::trickle_handler(150));
  ProbeOptions o = hostile_options();
  o.smtp_port = evil.port();
  o.web = false;
  Prober prober(o);
  const std::vector<ProbeTarget> targets = {mail_target("slow.test")};
  const auto r = prober.probe_all(targets);
  EXPECT_EQ(r[0].mail[0].error, ProbeError::timeout) << r[0].mail[0].detail;
  EXPECT_FALSE(r[0].mx_live);
}

TEST(HostileServers, GarbageIsAProtocolErrorForMailAndWeb) {
  LoopbackServer evil(testing::garbage_handler());
  ProbeOptions o = hostile_options();
  o.smtp_port = o.http_port = evil.port();
  o.https_port = evil.port();
  Prober prober(o);
  ProbeTarget t = web_target("junk.test");
  t.mx.push_back(MxHost{"mx.junk.test", {loopback()}});
  const std::vector<ProbeTarget> targets = {t};
  const auto r = prober.probe_all(targets);
  EXPECT_EQ(r[0].mail[0].error, ProbeError::protocol) << r[0].mail[0].detail;
  EXPECT_EQ(scheme(r[0], "http").error, ProbeError::protocol) << scheme(r[0], "http").detail;
  EXPECT_EQ(scheme(r[0], "https").error, ProbeError::tls) << scheme(r[0], "https").detail;
  EXPECT_FALSE(r[0].mx_live);
  EXPECT_FALSE(r[0].web_live);
}

TEST(HostileServers, OneMegabyteOfHeadersEndsAtTheHeaderLimit) {
  LoopbackServer evil(testing::huge_header_handler());
  ProbeOptions o = hostile_options();
  o.http_port = evil.port();
  o.mail = false;
  Prober prober(o);
  const std::vector<ProbeTarget> targets = {web_target("big.test")};
  const auto r = prober.probe_all(targets);
  const WebProbe& w = scheme(r[0], "http");
  EXPECT_EQ(w.error, ProbeError::limit) << w.detail;
  EXPECT_LE(w.bytes_read, o.max_header_bytes + o.max_body_bytes);
  EXPECT_LT(w.bytes_read, std::size_t{1} << 20);
}

TEST(HostileServers, TlsHandshakeThatNeverCompletesEndsWithATimeout) {
  LoopbackServer evil(testing::silent_handler());
  ProbeOptions o = hostile_options();
  o.https_port = evil.port();
  o.http_port = evil.port();
  o.mail = false;
  Prober prober(o);
  const std::vector<ProbeTarget> targets = {web_target("stall.test")};
  const auto r = prober.probe_all(targets);
  EXPECT_EQ(scheme(r[0], "https").error, ProbeError::timeout) << scheme(r[0], "https").detail;
  EXPECT_EQ(scheme(r[0], "http").error, ProbeError::timeout) << scheme(r[0], "http").detail;
}

TEST(HostileServers, ManyConcurrentHostileSessionsAllEnd) {
  LoopbackServer banner(testing::endless_banner_handler());
  LoopbackServer stall(testing::silent_handler());
  ProbeOptions o = hostile_options();
  o.smtp_port = banner.port();
  o.http_port = stall.port();
  o.https_port = stall.port();
  o.concurrency = 16;
  Prober prober(o);
  std::vector<ProbeTarget> targets;
  for (int i = 0; i < 12; ++i) {
    ProbeTarget t = web_target("t" + std::to_string(i) + ".test");
    t.mx.push_back(MxHost{"mx", {loopback()}});
    targets.push_back(t);
  }
  std::size_t delivered = 0;
  prober.probe(targets, [&](ProbeResult&& r) {
    ++delivered;
    EXPECT_EQ(r.mail[0].error, ProbeError::limit);
    for (const auto& w : r.web) EXPECT_EQ(w.error, ProbeError::timeout);
  });
  EXPECT_EQ(delivered, targets.size());
}

}  // namespace
}  // namespace lookalike::scoring

// --- redirects across hosts and STARTTLS (issue #14, point 5) --------------------------------

namespace lookalike::scoring {
namespace {

class RedirectWorld : public ::testing::Test {
 protected:
  void SetUp() override {
    cert_ = testing::TestCertificate::make("apex.test", {"apex.test", "*.apex.test"});
    page_ =
        "<html><head><title>Brand Bank | Sign in</title></head><body><h1>Welcome to Brand Bank</h1>"
        "<p>Sign in to manage your accounts, cards and payments securely online.</p></body></html>";
    auto moved = [](const std::string& to) {
      return "HTTP/1.1 301 Moved Permanently\r\nLocation: " + to + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    };
    std::map<std::string, std::string> routes = {
        {"apex.test", moved("https://www.apex.test/")},
        {"www.apex.test", testing::html_response(page_)},
        {"parked.test", moved("https://www.parked.test/")},
        {"www.parked.test", testing::html_response("<html><title>x</title><h1>This domain is for sale!</h1></html>")},
        {"private.test", moved("https://www.private.test/")},
        {"a.chain.test", moved("http://b.chain.test/")},
        {"b.chain.test", moved("http://c.chain.test/")},
        {"c.chain.test", moved("http://d.chain.test/")},
        {"d.chain.test", moved("http://e.chain.test/")},
        {"e.chain.test", testing::html_response("<title>too far</title>")},
    };
    http_ = std::make_unique<LoopbackServer>(testing::http_handler(routes));
    https_ = std::make_unique<LoopbackServer>(testing::http_handler(routes), &cert_);
    opts_.allow_loopback = true;  // loopback servers; private ranges stay refused
    opts_.step_timeout = std::chrono::milliseconds(1000);
    opts_.session_timeout = std::chrono::milliseconds(4000);
    opts_.http_port = http_->port();
    opts_.https_port = https_->port();
    opts_.mail = false;
    opts_.resolve = [this](std::string_view host) -> std::vector<Address> {
      asked_.emplace_back(host);
      if (host == "www.private.test") return {*parse_address("10.0.0.7")};
      return {*parse_address("127.0.0.1")};
    };
  }

  ProbeTarget target(const std::string& name) const {
    ProbeTarget t;
    t.name = name;
    t.web_addresses = {*parse_address("127.0.0.1")};
    t.brand_domain = "brand.test";
    t.brand_page_hash = page_hash(page_);
    return t;
  }

  testing::TestCertificate cert_;
  std::string page_;
  std::unique_ptr<LoopbackServer> http_;
  std::unique_ptr<LoopbackServer> https_;
  ProbeOptions opts_;
  std::vector<std::string> asked_;
};

const WebProbe& http_of(const ProbeResult& r) {
  for (const auto& w : r.web) {
    if (w.scheme == "http") return w;
  }
  throw std::logic_error("no http probe");
}

TEST_F(RedirectWorld, ApexToHttpsWwwIsFollowedAndScored) {
  Prober prober(opts_);
  const std::vector<ProbeTarget> targets = {target("apex.test"), target("parked.test")};
  const auto r = prober.probe_all(targets);
  const WebProbe& w = http_of(r[0]);
  EXPECT_EQ(w.error, ProbeError::none) << w.detail;
  ASSERT_EQ(w.hops.size(), 2u);
  EXPECT_EQ(w.hops[0].status, 301);
  EXPECT_EQ(w.status, 200);
  EXPECT_EQ(w.final_url, "https://www.apex.test:" + std::to_string(https_->port()) + "/");
  EXPECT_EQ(w.title, "Brand Bank | Sign in");
  ASSERT_TRUE(r[0].page_similarity.has_value());
  EXPECT_DOUBLE_EQ(*r[0].page_similarity, 1.0);
  EXPECT_FALSE(r[0].parked);
  EXPECT_TRUE(http_of(r[1]).parked_page);
  EXPECT_TRUE(r[1].parked);
  EXPECT_NE(std::find(asked_.begin(), asked_.end(), "www.apex.test"), asked_.end());
}

TEST_F(RedirectWorld, RedirectToAPrivateAddressIsRefused) {
  Prober prober(opts_);
  const std::vector<ProbeTarget> targets = {target("private.test")};
  const auto r = prober.probe_all(targets);
  const WebProbe& w = http_of(r[0]);
  ASSERT_EQ(w.hops.size(), 1u);
  EXPECT_EQ(w.hops[0].status, 301);
  EXPECT_EQ(w.error, ProbeError::refused_address) << w.detail;
  EXPECT_EQ(r[0].skipped, std::vector<std::string>{"10.0.0.7 (private)"});
}

TEST_F(RedirectWorld, FourRedirectsStopAfterThree) {
  Prober prober(opts_);
  const std::vector<ProbeTarget> targets = {target("a.chain.test")};
  const auto r = prober.probe_all(targets);
  const WebProbe& w = http_of(r[0]);
  ASSERT_EQ(w.hops.size(), 4u);  // a, b, c, d fetched: three redirects followed
  EXPECT_EQ(w.hops.back().status, 301);
  EXPECT_EQ(w.hops.back().location, "http://e.chain.test/");
  EXPECT_EQ(w.status, 301);
  EXPECT_TRUE(w.title.empty());
  EXPECT_EQ(std::find(asked_.begin(), asked_.end(), "e.chain.test"), asked_.end());
}

TEST(DnsResolveHook, ResolvesRedirectHostsThroughTheGivenResolver) {
  test_support::NsdServer dns({test_support::Zone{
      "apex.test", "@ SOA ns1 host 1 3600 600 86400 60\n@ NS ns1\nns1 A 127.0.0.1\nwww A 127.0.0.1\n"}});
  auto hook = dns_resolve_hook(dns.address());
  const auto www = hook("www.apex.test");
  ASSERT_EQ(www.size(), 1u);
  EXPECT_EQ(to_string(www[0]), "127.0.0.1");
  EXPECT_TRUE(hook("missing.apex.test").empty());
  EXPECT_THROW((void)dns_resolve_hook("not-an-address"), std::invalid_argument);
}

TEST(MailProbe, StarttlsIsNegotiatedAndItsFactsRecorded) {
  const auto cert = testing::TestCertificate::make("mx.phish.test", {"mx.phish.test"});
  LoopbackServer smtp(testing::smtp_handler("phish.test", true, &cert));
  ProbeOptions o = test_options();
  o.smtp_port = smtp.port();
  o.web = false;
  Prober prober(o);
  ProbeTarget t;
  t.name = "phish.test";
  t.mx = {MxHost{"mx.phish.test", {loopback()}}, MxHost{"other.test", {loopback()}}};
  const std::vector<ProbeTarget> targets = {t};
  const auto r = prober.probe_all(targets);
  ASSERT_EQ(r[0].mail.size(), 2u);
  const MailProbe& m = r[0].mail[0];
  EXPECT_EQ(m.error, ProbeError::none) << m.detail;
  EXPECT_TRUE(m.starttls);
  EXPECT_TRUE(m.tls_ok) << m.tls_error;
  EXPECT_TRUE(m.tls_version.starts_with("TLSv1.")) << m.tls_version;
  EXPECT_FALSE(m.tls_cipher.empty());
  ASSERT_TRUE(m.certificate.has_value());
  EXPECT_EQ(m.certificate->subject, "CN=mx.phish.test,O=Lookalike Test");
  EXPECT_EQ(m.certificate->issuer, "CN=mx.phish.test,O=Lookalike Test");
  EXPECT_LT(m.certificate->not_before, m.certificate->not_after);
  EXPECT_TRUE(m.certificate->covers_name);
  EXPECT_FALSE(m.certificate->verified);  // self-signed, not in the trust store
  // The same certificate does not cover another MX name.
  ASSERT_TRUE(r[0].mail[1].certificate.has_value());
  EXPECT_FALSE(r[0].mail[1].certificate->covers_name);
}

TEST(MailProbe, RefusedStarttlsIsRecordedWithoutFailingTheSession) {
  LoopbackServer smtp(testing::smtp_handler("phish.test", true, nullptr));
  ProbeOptions o = test_options();
  o.smtp_port = smtp.port();
  o.web = false;
  Prober prober(o);
  const std::vector<ProbeTarget> targets = {mail_target("phish.test")};
  const auto r = prober.probe_all(targets);
  const MailProbe& m = r[0].mail.at(0);
  EXPECT_EQ(m.error, ProbeError::none) << m.detail;
  EXPECT_TRUE(m.answered);
  EXPECT_FALSE(m.tls_ok);
  EXPECT_THAT(m.tls_error, ::testing::HasSubstr("454"));
  EXPECT_FALSE(m.certificate.has_value());
}

}  // namespace
}  // namespace lookalike::scoring
