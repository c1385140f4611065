#pragma once
// The DNS the posture checks ask: any record type, answers with their DNSSEC state, batched so a
// check walk (SPF includes, MX hosts, TLSA) costs round trips, not sequential queries. The real
// implementation is libunbound (validating, forwarding to the configured resolvers); tests may
// fake it. No libunbound type appears here.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace lookalike::posture {

// RR type numbers as on the wire (RFC 1035 / IANA), for the types the checks use.
namespace rrtype {
inline constexpr std::uint16_t a = 1, ns = 2, cname = 5, soa = 6, mx = 15, txt = 16, aaaa = 28,
                               tlsa = 52;
}

// DNSSEC state of an answer as a validating resolver sees it (RFC 4033 §5).
enum class Security : std::uint8_t { secure, insecure, bogus, indeterminate };

struct Question {
  std::string name;       // absolute or relative, ASCII (A-labels)
  std::uint16_t type = 0;
};

struct Answer {
  enum class Rcode : std::uint8_t { noerror, nxdomain, servfail, refused, timeout, error };
  Rcode rcode = Rcode::error;
  std::vector<std::string> rdata;  // each record's rdata in wire form (TXT: length-prefixed strings)
  std::string canonical_name;      // the owner after CNAMEs, empty when none were followed
  Security security = Security::indeterminate;
  std::string why_bogus;           // validator's reason when security == bogus
  std::string error;               // what went wrong when rcode == error or timeout
};

// Asks DNS questions; answers come back in the order asked. Implementations are thread-compatible
// (one instance per thread) and bounded in time by their own timeout.
class Dns {
 public:
  virtual ~Dns() = default;
  [[nodiscard]] virtual std::vector<Answer> resolve(std::span<const Question> questions) = 0;
};

}  // namespace lookalike::posture
