// Address parsing and the SSRF guard: which addresses a probe, an RDAP lookup or any other
// outgoing connection may reach.
#include "net/address.hpp"

#include <arpa/inet.h>

#include <algorithm>

namespace lookalike::net {
namespace {

// Cloud instance metadata and credential services: AWS/GCP/Azure/OpenStack/Oracle IMDS, AWS ECS
// task credentials, EKS pod identity, Alibaba Cloud, Azure's WireServer, Oracle Cloud Classic.
// They hand out credentials to whoever asks from inside the instance, so nothing connects to them.
constexpr std::array<std::array<std::uint8_t, 4>, 6> kMetadata4{{
    {169, 254, 169, 254}, {169, 254, 170, 2}, {169, 254, 170, 23}, {100, 100, 100, 200},
    {168, 63, 129, 16}, {192, 0, 0, 192},
}};
// fd00:ec2::254 (AWS IMDS over IPv6) and fd00:ec2::23 (EKS pod identity over IPv6).
constexpr std::array<std::array<std::uint8_t, 16>, 2> kMetadata6{{
    {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54},
    {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x23},
}};

bool in4(const std::uint8_t* a, std::uint8_t b0, std::uint8_t b1, std::uint8_t b2, std::uint8_t b3, int prefix) {
  const std::uint32_t addr = (std::uint32_t{a[0]} << 24) | (std::uint32_t{a[1]} << 16) | (std::uint32_t{a[2]} << 8) | a[3];
  const std::uint32_t net = (std::uint32_t{b0} << 24) | (std::uint32_t{b1} << 16) | (std::uint32_t{b2} << 8) | b3;
  const std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
  return (addr & mask) == (net & mask);
}

AddressClass classify4(const std::uint8_t* a) noexcept {
  for (const auto& m : kMetadata4) {
    if (std::equal(m.begin(), m.end(), a)) return AddressClass::metadata;
  }
  if (in4(a, 0, 0, 0, 0, 8)) return AddressClass::unspecified;
  if (in4(a, 127, 0, 0, 0, 8)) return AddressClass::loopback;
  if (in4(a, 10, 0, 0, 0, 8) || in4(a, 172, 16, 0, 0, 12) || in4(a, 192, 168, 0, 0, 16)) {
    return AddressClass::private_net;
  }
  if (in4(a, 169, 254, 0, 0, 16)) return AddressClass::link_local;
  if (in4(a, 100, 64, 0, 0, 10)) return AddressClass::cgnat;
  if (in4(a, 224, 0, 0, 0, 4)) return AddressClass::multicast;
  // IETF protocol assignments, documentation (TEST-NET-1/2/3), benchmarking, 6to4 relay
  // anycast, and 240/4 (which includes the limited broadcast address).
  if (in4(a, 192, 0, 0, 0, 24) || in4(a, 192, 0, 2, 0, 24) || in4(a, 198, 51, 100, 0, 24) ||
      in4(a, 203, 0, 113, 0, 24) || in4(a, 198, 18, 0, 0, 15) || in4(a, 192, 88, 99, 0, 24) ||
      in4(a, 240, 0, 0, 0, 4)) {
    return AddressClass::reserved;
  }
  return AddressClass::global;
}

bool prefix6(const std::array<std::uint8_t, 16>& b, std::initializer_list<std::uint8_t> head, int bits) {
  int i = 0;
  for (std::uint8_t h : head) {
    const int take = bits - i * 8;
    if (take <= 0) break;
    const auto mask = static_cast<std::uint8_t>(take >= 8 ? 0xff : (0xff << (8 - take)) & 0xff);
    if ((b[static_cast<std::size_t>(i)] & mask) != (h & mask)) return false;
    ++i;
  }
  return true;
}

}  // namespace

std::optional<Address> parse_address(std::string_view text) {
  if (text.size() > 45) return std::nullopt;
  const std::string s(text);
  Address a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) return a;
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.v6 = true;
    return a;
  }
  return std::nullopt;
}

std::string to_string(const Address& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(a.v6 ? AF_INET6 : AF_INET, a.bytes.data(), buf, sizeof buf) == nullptr) return "?";
  return buf;
}

AddressClass classify(const Address& address) noexcept {
  if (!address.v6) return classify4(address.bytes.data());
  const auto& b = address.bytes;
  for (const auto& m : kMetadata6) {
    if (m == b) return AddressClass::metadata;
  }
  bool zero_head = true;  // first 10 bytes zero
  for (int i = 0; i < 10; ++i) zero_head = zero_head && b[static_cast<std::size_t>(i)] == 0;
  if (zero_head && b[10] == 0xff && b[11] == 0xff) return classify4(&b[12]);  // ::ffff:a.b.c.d
  if (zero_head && b[10] == 0 && b[11] == 0) {
    bool low_zero = b[12] == 0 && b[13] == 0 && b[14] == 0;
    if (low_zero && b[15] == 0) return AddressClass::unspecified;
    if (low_zero && b[15] == 1) return AddressClass::loopback;
    return classify4(&b[12]);  // deprecated IPv4-compatible ::a.b.c.d
  }
  if (prefix6(b, {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0}, 96)) return classify4(&b[12]);  // NAT64
  if (prefix6(b, {0x20, 0x02}, 16)) return classify4(&b[2]);                                       // 6to4
  if (prefix6(b, {0xff}, 8)) return AddressClass::multicast;
  if (prefix6(b, {0xfe, 0x80}, 10)) return AddressClass::link_local;
  if (prefix6(b, {0xfe, 0xc0}, 10)) return AddressClass::private_net;  // deprecated site-local
  if (prefix6(b, {0xfc}, 7)) return AddressClass::unique_local;
  // Documentation, discard-only, ORCHID and the rest of 2001::/23's special purposes, plus
  // everything outside 2000::/3 (not global unicast).
  if (prefix6(b, {0x20, 0x01, 0x0d, 0xb8}, 32) || prefix6(b, {0x01, 0x00, 0, 0, 0, 0, 0, 0}, 64) ||
      prefix6(b, {0x20, 0x01, 0x00}, 23) || prefix6(b, {0x3f, 0xff}, 20) || !prefix6(b, {0x20}, 3)) {
    return AddressClass::reserved;
  }
  return AddressClass::global;
}

std::string_view address_class_name(AddressClass c) noexcept {
  switch (c) {
    case AddressClass::global: return "global";
    case AddressClass::unspecified: return "unspecified";
    case AddressClass::loopback: return "loopback";
    case AddressClass::private_net: return "private";
    case AddressClass::link_local: return "link-local";
    case AddressClass::cgnat: return "cgnat";
    case AddressClass::multicast: return "multicast";
    case AddressClass::reserved: return "reserved";
    case AddressClass::metadata: return "cloud-metadata";
    case AddressClass::unique_local: return "unique-local";
  }
  return "unknown";
}

bool may_connect(const Address& address, bool allow_private) noexcept {
  if (allow_private) {
    // Even tests never need these: nothing listens on the first two, and the metadata
    // services hand out cloud credentials, so no flag opens them.
    const auto c = classify(address);
    return c != AddressClass::unspecified && c != AddressClass::multicast && c != AddressClass::metadata;
  }
  return classify(address) == AddressClass::global;
}

}  // namespace lookalike::net
