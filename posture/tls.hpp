#pragma once
// TLS client side of the posture checks (internal to posture/): what one handshake asks for
// (versions, suites, SNI, DANE records), what it learned (version, suite, key exchange, the chain
// with fingerprints, trust, DANE match), and the grading facts of a cipher suite. OpenSSL stays in
// tls.cpp; the session code hands it the connected socket.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct ssl_st;
struct ssl_ctx_st;

namespace lookalike::posture::tls {

// Protocol versions as on the wire (0x0301 = TLS 1.0 ... 0x0304 = TLS 1.3).
inline constexpr int tls1_0 = 0x0301, tls1_1 = 0x0302, tls1_2 = 0x0303, tls1_3 = 0x0304;

// "TLSv1.2" for 0x0303.
[[nodiscard]] std::string version_name(int version);

// One handshake's parameters. The security level is always 0: the probe must be able to offer
// what a weak server accepts; grading is ours, not OpenSSL's.
struct Request {
  int min_version = tls1_0;
  int max_version = tls1_3;
  std::string cipher_list;           // TLS <= 1.2 suites, OpenSSL syntax; empty: every suite OpenSSL has
  std::string ciphersuites;          // TLS 1.3 suites; empty: all five
  std::string groups;                // supported_groups offered, OpenSSL names ("X25519:P-256"); empty: OpenSSL's default
  std::string sni;                   // server name sent and checked against (the MX host)
  bool verify = false;               // check the chain against the trust store (+ ca_file)
  std::string ca_file;
  std::vector<std::string> tlsa;     // DANE: TLSA rdata (usage, selector, type, data); empty = off
};

// One certificate as presented.
struct Certificate {
  std::string subject;      // RFC 2253, sanitised
  std::string issuer;
  std::int64_t not_before = 0;  // Unix seconds
  std::int64_t not_after = 0;
  std::string sha256;       // of the DER, lower-case hex
  std::string key_type;     // "RSA", "EC", "Ed25519", ...
  int key_bits = 0;
  std::string signature;    // "sha256WithRSAEncryption"
  bool weak_signature = false;  // MD5 or SHA-1 digest
  bool self_signed = false;
};

// What one handshake learned.
struct Result {
  bool ok = false;
  std::string error;          // why the handshake failed
  int version = 0;
  std::string cipher;         // OpenSSL name
  std::string cipher_iana;    // RFC name
  int cipher_bits = 0;        // symmetric strength
  bool forward_secret = false;
  bool anonymous = false;
  std::string kx;             // "ECDHE", "DHE", "RSA", "TLS1.3", ...
  std::string group;          // "X25519", "ffdhe2048", "" when unknown
  int kx_bits = 0;            // size of the server's ephemeral key
  std::vector<Certificate> chain;  // leaf first
  // verify only:
  bool trusted = false;       // chains to the store (time not considered)
  std::string trust_error;
  bool name_matches = false;  // the leaf covers `sni` (RFC 9525 rules, X509_check_host)
  // DANE only:
  bool dane_matched = false;
  int dane_usage = -1, dane_selector = -1, dane_mtype = -1, dane_depth = -1;
  std::string dane_error;
};

// Builds the SSL for `request` on the connected socket `fd` (not yet handshaken); nullptr with
// `error` set when OpenSSL refuses the parameters.
struct SslDeleter {
  void operator()(ssl_st* ssl) const noexcept;
};
using SslPtr = std::unique_ptr<ssl_st, SslDeleter>;
[[nodiscard]] SslPtr make_ssl(const Request& request, int fd, std::string& error);

// Fills `result` from a completed handshake on `ssl`.
void describe(ssl_st* ssl, const Request& request, Result& result);

// The last OpenSSL error queue entry as text (and clears the queue).
[[nodiscard]] std::string last_error();

// Grading facts of one suite, by OpenSSL name (any version).
struct SuiteFacts {
  bool known = false;
  int bits = 0;               // symmetric strength
  bool forward_secret = false;
  bool anonymous = false;     // no server authentication (aNULL)
  bool null_cipher = false;
  bool triple_des = false;
  bool rc4 = false;
  bool is_tls13 = false;
};
[[nodiscard]] SuiteFacts suite_facts(std::string_view openssl_name);

// The suites OpenSSL can offer for exactly `version` at security level 0, in its preference
// order (for TLS 1.3, the five TLS 1.3 suites).
[[nodiscard]] std::vector<std::string> offerable_suites(int version);

// The key-exchange groups the posture scan probes one at a time (OpenSSL names, RFC 8446 §4.2.7
// order: ECDHE, then the RFC 7919 finite-field groups, which only TLS 1.3 negotiates by name).
inline constexpr std::string_view kProbedGroups[] = {"X25519",    "P-256",     "P-384",     "P-521",     "X448",
                                                     "ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192"};
// True for the finite-field (RFC 7919) groups of kProbedGroups.
[[nodiscard]] bool is_ffdhe_group(std::string_view group) noexcept;

// SHA-256 of `bytes`, lower-case hex (certificate fingerprints in the evidence).
[[nodiscard]] std::string sha256_hex(std::string_view bytes);

}  // namespace lookalike::posture::tls
