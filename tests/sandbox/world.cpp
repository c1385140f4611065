#include "tests/sandbox/world.hpp"

#include <map>
#include <stdexcept>

#include "domain/domain.hpp"
#include "tests/scoring/loopback_servers.hpp"
#include "tests/support/nsd_server.hpp"

namespace lookalike::sandbox {
namespace {

using lookalike::testing::html_response;
using lookalike::testing::LoopbackServer;
using lookalike::testing::TestCertificate;

const char* kBankPage =
    "<html><head><title>Example Bank - Online Banking</title></head><body><h1>Example Bank</h1>"
    "<p>Sign in to online banking to manage your accounts, pay bills and transfer money securely.</p>"
    "<form action=/login><input name=user><input name=password type=password><button>Sign in</button></form>"
    "<p>Example Bank, member FDIC. Equal housing lender. Privacy and security notice.</p></body></html>";

std::string soa() { return "@ 3600 IN SOA ns.sandbox.invalid. hostmaster.sandbox.invalid. 1 3600 600 86400 60\n@ NS ns.sandbox.invalid.\n"; }

}  // namespace

std::string World::unicode_lookalike() {
  auto a = domain::to_ascii("exàmplebank.com");
  if (!a) throw std::runtime_error(a.error().message());
  return *a;
}

struct World::Impl {
  std::unique_ptr<test_support::NsdServer> nsd;
  TestCertificate cert;
  std::unique_ptr<LoopbackServer> smtp, http, https;
};

World::World() : impl_(std::make_unique<Impl>()) {
  const std::string uni = unicode_lookalike();
  const std::string uni_label = uni.substr(0, uni.find('.'));
  // Every live host is 127.0.0.1, where the servers listen; 127.0.0.2 has nothing listening.
  std::string com = soa() +
                    // the brand itself (its page is the similarity reference)
                    "examplebank A 127.0.0.1\n"
                    // rn/m homoglyph with mail: MX + SPF + DMARC + web -> the top threat
                    "exarnplebank A 127.0.0.1\nexarnplebank MX 10 mail.exarnplebank.com.\n"
                    "mail.exarnplebank A 127.0.0.1\nexarnplebank TXT \"v=spf1 mx -all\"\n"
                    "_dmarc.exarnplebank TXT \"v=DMARC1; p=none\"\n"
                    // l/1 homoglyph serving a clone of the brand's page over HTTPS
                    "examp1ebank A 127.0.0.1\n" +
                    uni_label + " A 127.0.0.1\n" +
                    // transposition: mail only, SPF published
                    "examplebnak MX 10 mx.examplebnak.com.\nmx.examplebnak A 127.0.0.1\n"
                    "examplebnak TXT \"v=spf1 a mx ~all\"\n"
                    // combosquat with a login page
                    "examplebank-login A 127.0.0.1\n"
                    // omission: registered, delegated to a parking service
                    "exmplebank NS ns1.sedoparking.com.\nexmplebank NS ns2.sedoparking.com.\n"
                    // keyboard typo: registered, address with nothing listening
                    "examplebamk A 127.0.0.2\n"
                    // the second brand's TLD swap: a defensive registration redirecting to the brand
                    "examplepay A 127.0.0.1\n";
  std::string net = soa() +
                    "examplepay A 127.0.0.1\n"
                    "examp1epay A 127.0.0.1\nexamp1epay MX 10 mail.examp1epay.net.\nmail.examp1epay A 127.0.0.1\n"
                    "exampelpay TXT \"v=spf1 -all\"\n";
  // Parked TLD swaps serving a "for sale" page. (No TLD-wide wildcard any more: ranked generation
  // crosses every typo with the TLD set, so a wildcard TLD would list hundreds of names.)
  std::string xyz = soa() + "examplebank A 127.0.0.1\nexamplepay A 127.0.0.1\n";
  impl_->nsd = std::make_unique<test_support::NsdServer>(
      std::vector<test_support::Zone>{{"com", com}, {"net", net}, {"xyz", xyz}});

  const std::string login =
      "<html><head><title>Example Bank Login - Verify your account</title></head><body><form>"
      "<input name=card><input name=pin type=password></form></body></html>";
  const std::string parked =
      "<html><head><title>examplebank.xyz</title></head><body>This domain is for sale! Buy this domain.</body></html>";
  std::map<std::string, std::string> routes = {
      {"examplebank.com", html_response(kBankPage)},
      {"exarnplebank.com", html_response("<html><head><title>Example Bank secure message centre</title></head>"
                                         "<body>Your account is locked. Verify now.</body></html>")},
      {"examp1ebank.com", html_response(kBankPage)},
      {uni, html_response(kBankPage)},
      {"examplebank-login.com", html_response(login)},
      {"examplepay.net", html_response("<html><head><title>ExamplePay</title></head><body>Pay with ExamplePay.</body></html>")},
      {"examplepay.com", "HTTP/1.1 301 Moved Permanently\r\nLocation: https://examplepay.net/\r\nContent-Length: 0\r\n"
                         "Connection: close\r\n\r\n"},
      {"examp1epay.net", html_response("<html><head><title>ExamplePay - sign in</title></head><body>Sign in</body></html>")},
  };
  for (const char* host : {"examplebank.xyz", "examplepay.xyz"}) routes.emplace(host, html_response(parked));
  std::vector<std::string> names;
  for (const auto& [host, _] : routes) names.push_back(host);
  impl_->cert = TestCertificate::make("examp1ebank.com", names);
  impl_->smtp = std::make_unique<LoopbackServer>(lookalike::testing::smtp_handler("exarnplebank.com"));
  impl_->http = std::make_unique<LoopbackServer>(lookalike::testing::http_handler(routes));
  impl_->https = std::make_unique<LoopbackServer>(lookalike::testing::http_handler(routes), &impl_->cert);
}

World::~World() = default;

std::string World::resolver() const { return impl_->nsd->address(); }
std::uint16_t World::smtp_port() const { return impl_->smtp->port(); }
std::uint16_t World::http_port() const { return impl_->http->port(); }
std::uint16_t World::https_port() const { return impl_->https->port(); }

}  // namespace lookalike::sandbox
