// IP addresses and the SSRF guard: which addresses an outgoing connection may reach. One copy
// for the probes (scoring/), the HTTP client (RDAP registries, CT logs, webhooks) and posture checks.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lookalike::net {

// An IPv4 or IPv6 address in network byte order (IPv4 uses the first 4 bytes).
struct Address {
  std::array<std::uint8_t, 16> bytes{};
  bool v6 = false;

  friend bool operator==(const Address&, const Address&) = default;
};

// Parses dotted IPv4 or textual IPv6 (no zone ids, no brackets); nullopt when it is neither.
// (optional, not expected: clang 14, used for the fuzzers, cannot destroy an expected whose value
// type is trivially destructible and whose error type is not.)
[[nodiscard]] std::optional<Address> parse_address(std::string_view text);
// Canonical text form ("192.0.2.1", "2001:db8::1").
[[nodiscard]] std::string to_string(const Address& address);

// What kind of network an address belongs to; only `global` is probed by default.
enum class AddressClass : std::uint8_t {
  global,
  unspecified,   // 0.0.0.0/8, ::
  loopback,      // 127/8, ::1
  private_net,   // 10/8, 172.16/12, 192.168/16, fec0::/10
  link_local,    // 169.254/16, fe80::/10
  cgnat,         // 100.64/10
  multicast,     // 224/4, ff00::/8
  reserved,      // 240/4, broadcast, 192.0.0/24, documentation, benchmarking, 2001:db8::/32, ...
  metadata,      // cloud metadata/credential services: 169.254.169.254, 169.254.170.2,
                 // 100.100.100.200, fd00:ec2::254, ... (the table in address.cpp)
  unique_local,  // fc00::/7
};

// Classifies an address; IPv4-mapped, IPv4-compatible, NAT64 (64:ff9b::/96) and 6to4
// (2002::/16) IPv6 addresses are classified by the IPv4 address they embed.
[[nodiscard]] AddressClass classify(const Address& address) noexcept;
// "global", "loopback", "private", ... for messages.
[[nodiscard]] std::string_view address_class_name(AddressClass c) noexcept;
// True when a connection may be made: global addresses; with allow_private (tests) also private,
// loopback etc., but never unspecified, multicast or cloud-metadata addresses.
[[nodiscard]] bool may_connect(const Address& address, bool allow_private) noexcept;

}  // namespace lookalike::net
