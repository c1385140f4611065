// Test support: an SMTP server with STARTTLS on 127.0.0.1 for the posture tests and the testssl
// cross-check. Blocking sockets, one thread per connection; the destructor shuts every socket
// down and joins every thread. Behaviour per server: STARTTLS offered or not, TLS required (530
// before STARTTLS), the certificate chain, the TLS versions and suites it accepts, and recorded
// bytes it replays to a raw SSLv3 or SSLv2 ClientHello (OpenSSL 3 cannot speak either).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace lookalike::test_support {

struct SmtpServerOptions {
  std::string address = "127.0.0.1";  // any 127.0.0.0/8 address: two servers can share a port
  std::uint16_t port = 0;             // 0: ephemeral
  std::string hostname = "mx.test";  // in the banner and EHLO reply
  bool offer_starttls = true;
  bool require_tls = false;          // MAIL before STARTTLS gets 530
  std::string chain_pem;             // server certificate (+ intermediates), PEM
  std::string key_pem;
  int min_version = 0x0303;          // wire version numbers: 0x0301 TLS 1.0 ... 0x0304 TLS 1.3
  int max_version = 0x0304;
  std::string cipher_list;           // TLS <= 1.2 suites (OpenSSL syntax); empty: OpenSSL's default
  std::string ciphersuites;          // TLS 1.3 suites; empty: OpenSSL's default
  std::string groups;                // key-exchange groups (OpenSSL names, "P-384:ffdhe3072"); empty: OpenSSL's default
  bool server_preference = true;
  bool dh_1024 = false;              // DHE suites use a 1024-bit group (RFC 5114) instead of OpenSSL's auto choice
  int security_level = 1;            // OpenSSL's; 0 lets TLS 1.0/1.1, small keys and weak suites through
  std::string ssl3_reply;            // bytes answered to an SSLv3 ClientHello (empty: OpenSSL answers)
  std::string ssl2_reply;            // same for an SSLv2 CLIENT-HELLO
  // Sees the first TLS record a client sends after STARTTLS (its ClientHello); a non-empty
  // return is sent instead of a handshake and the connection closed (recorded answers to suites
  // OpenSSL 3 cannot offer); empty lets OpenSSL answer.
  std::function<std::string(std::string_view client_hello)> raw_reply;
};

class SmtpServer {
 public:
  // Listens on address:port (loopback only); throws std::runtime_error when TLS setup or bind fails.
  explicit SmtpServer(SmtpServerOptions options);
  ~SmtpServer();
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  [[nodiscard]] std::uint16_t port() const;
  // Connections accepted so far.
  [[nodiscard]] int connections() const;
  // Every command line received (plaintext and over TLS), for asserting what a client sent.
  [[nodiscard]] std::vector<std::string> commands() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lookalike::test_support
