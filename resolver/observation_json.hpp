// The stored form of what the resolver saw for one name (index::ObservationKind::dns): one writer
// and one reader, so the scan that records it and the review/export screens that show it agree
// on the fields without spelling them twice.
// {"name":"..","types":{"A":{"outcome":"answer","records":[".."],"ttl":300[,"wildcard":true]},..}}
// MX answers are records "<preference> <host>".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "resolver/resolver.hpp"

namespace lookalike::resolver {

// One record type's answer as stored.
struct StoredType {
  std::string type;                  // "A", "AAAA", "MX", ... (to_string(RecordType))
  std::string outcome;               // "answer", "nxdomain", ... (to_string(Outcome))
  std::vector<std::string> records;  // addresses, hosts, TXT strings, "10 mx.example.test"
  std::uint32_t ttl = 0;
  bool wildcard = false;
};

// A DNS observation as stored.
struct DnsObservation {
  std::string name;
  std::vector<StoredType> types;  // in the order the resolver asked them

  // The stored answer of `type` ("A", "MX", ...), or nullptr when it was not asked.
  [[nodiscard]] const StoredType* find(std::string_view type) const;
};

// What is kept of a resolver result.
[[nodiscard]] DnsObservation dns_observation(const NameResult& result);

// The payload JSON (compact, one line) of an observation.
[[nodiscard]] std::string to_json(const DnsObservation& observation);
// Shorthand for to_json(dns_observation(result)).
[[nodiscard]] std::string dns_observation_json(const NameResult& result);

// Reads a stored payload; nullopt when it is not a JSON object. Members that are missing or of
// the wrong type read as empty (payloads written by older versions stay readable).
[[nodiscard]] std::optional<DnsObservation> parse_dns_observation(std::string_view json);

}  // namespace lookalike::resolver
