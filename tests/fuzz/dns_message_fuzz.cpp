// Fuzzes the DNS response parser and the interpretation of a reply (CNAME chains, referrals,
// SOA) with bytes a hostile server could send.
#include <cstddef>
#include <cstdint>
#include <span>

#include "resolver/dns_message.hpp"
#include "resolver/engine.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace dns = lookalike::resolver::dns;
  auto m = dns::parse(std::span(data, size));
  if (!m) {
    // Errors must point inside (or just past) the input.
    if (m.error().offset > size || m.error().what.empty()) __builtin_trap();
    return 0;
  }
  for (std::uint16_t qtype : {dns::kTypeA, dns::kTypeAaaa, dns::kTypeMx, dns::kTypeNs, dns::kTypeTxt}) {
    auto i = lookalike::resolver::interpret(*m, m->qname, qtype);
    for (const dns::Record* r : i.records) {
      if (r->type != qtype) __builtin_trap();
    }
  }
  return 0;
}
