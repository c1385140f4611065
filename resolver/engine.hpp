// The scheduling core behind Resolver: window, pacing, retries, rotation, health, MX host
// lookups, CNAME chasing and wildcard probes, over any Transport. Internal header.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "resolver/dns_message.hpp"
#include "resolver/resolver.hpp"
#include "resolver/transport.hpp"

namespace lookalike::resolver {

// Receives each finished name with its 0-based input position.
using IndexedSink = std::function<void(std::uint64_t index, NameResult&&)>;

// Runs one bulk resolution on the calling thread until every name from `next` is done.
Stats run_engine(const Config& config, const std::vector<Upstream>& upstreams, Transport& transport,
                 const NameSource& next, const IndexedSink& sink);

// How one reply answers (qname, qtype): outcome, records, CNAME chain, SOA. Exposed for tests
// and the fuzz target; `chase` is set when a CNAME chain ends outside the reply.
struct Interpretation {
  Outcome outcome = Outcome::error;
  std::string error;
  std::vector<const dns::Record*> records;
  std::vector<std::string> chain;
  std::optional<Soa> soa;
  std::string chase;
};
Interpretation interpret(const dns::Message& m, std::string_view qname, std::uint16_t qtype);

// The DNS type sent for a record type (DMARC is TXT).
std::uint16_t qtype_of(RecordType t);

}  // namespace lookalike::resolver
