#pragma once
// The MTA-STS policy fetch (RFC 8461 §3.3) over our own bounded HTTPS GET: the policy host's
// addresses come from posture::Dns and each one passes the address guard before the connect (the
// host is attacker-controlled for look-alikes); certificate and name verified; no redirects
// followed; at most 64 KiB of body.
#include <cstdint>
#include <memory>
#include <string>

#include "posture/checks.hpp"
#include "posture/dns.hpp"

namespace lookalike::posture {

struct FetchOptions {
  std::uint16_t port = 443;
  std::string ca_file;         // extra trust anchor (tests); the system store otherwise
  bool allow_private = false;  // tests only: loopback/private addresses pass the guard
  int timeout_ms = 10'000;     // per connect / handshake / read
};

// A PolicyFetcher that resolves through `dns` (which must outlive it).
[[nodiscard]] std::unique_ptr<PolicyFetcher> make_policy_fetcher(Dns& dns, const FetchOptions& options);

}  // namespace lookalike::posture
