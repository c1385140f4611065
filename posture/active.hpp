#pragma once
// The checks that connect to a domain's mail servers (POSTURE.md: starttls, tls-versions,
// tls-ciphers, certificate, require-tls) and the DNSSEC/DANE check. Every address passes the
// address guard before a connect; SMTP never goes past RCPT (never DATA); every read is bounded.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "posture/dns.hpp"
#include "posture/posture.hpp"

namespace lookalike::posture {

// One MX host as the DNS checks found it (in preference order; the first is the primary).
struct MailHost {
  std::string name;                    // "mx1.example.com"
  std::uint16_t preference = 0;
  std::vector<std::string> addresses;  // resolved A/AAAA, textual
  // The host's `_25._tcp` TLSA rdata (wire form) when the lookup was DNSSEC-secure (attach_tlsa
  // fills it): a certificate a DANE-EE record matches is not failed for trust, name or dates.
  std::vector<std::string> tlsa;
};

struct ActiveOptions {
  std::uint16_t smtp_port = 25;
  std::string ca_file;               // extra trust anchors (tests); the system store otherwise
  bool allow_private = false;        // tests only: connect to loopback/private addresses
  bool probe_require_tls = false;    // the opt-in plaintext MAIL/RCPT probe (policy point 5)
  int timeout_ms = 10'000;           // per connection step
  std::string ehlo_name = "lookalike.invalid";
  // Bounds on what a hostile MX set can make us do (look-alikes choose their own DNS).
  std::size_t max_hosts = 10;         // MX hosts checked, in preference order
  std::size_t max_addresses = 4;      // addresses per host given a session
};

// starttls, tls-versions, tls-ciphers, certificate and require-tls findings for every host, in that
// order per host, subject = the MX host name (per-address results are in the evidence, prefixed
// "[address] "). Evidence kinds: "smtp" (transcript lines "C: ..." / "S: ..." / "T: <handshake>"),
// "tls" (version/suite lines, "server order: yes|no", key exchange), "certificate" ("depth N
// sha256=... subject=... issuer=... notBefore=... notAfter=... key=RSA 2048 sig=..."), "dane"
// (the TLSA record that matched), "error" (why a step or address was not measured). A check that
// could not be measured (no STARTTLS anywhere) is `error`; require-tls is `not_assessable`
// unless probe_require_tls.
[[nodiscard]] std::vector<Finding> check_mail_hosts(std::string_view domain, std::span<const MailHost> hosts,
                                                    const ActiveOptions& options);

// Fills each host's `tlsa` from secure `_25._tcp.<host>` answers (one batch through `dns`);
// insecure, bogus or failed answers leave it empty.
void attach_tlsa(std::span<MailHost> hosts, Dns& dns);

// The dane finding(s): validated lookups of the domain, its MX set and hosts; `_25._tcp.<mx>` TLSA
// matched against the chain each host presents (OpenSSL's DANE support). First a domain-wide
// finding (subject ""), then, when the MX set is secure, one per host (subject = host name).
// Evidence kinds: "dnssec" ("<name> <type>: NOERROR, secure, N records"), "tlsa" ("3 1 1 <hex>"),
// "certificate" (presented chain fingerprints), "dane" (the record that matched).
[[nodiscard]] std::vector<Finding> check_dane(std::string_view domain, std::span<const MailHost> hosts, Dns& dns,
                                              const ActiveOptions& options);

}  // namespace lookalike::posture
