// The stored form of one CT sighting (index::ObservationKind::ct): one writer and one reader, so
// the CT adapter that records it and the export, review and alert screens that show it agree on
// the fields without spelling them twice (as resolver/observation_json.hpp does for DNS).
// {"log","log_id","index","timestamp","cert_sha256","issuer","sans","not_before","not_after",
//  "precert","rule","brand"}; times are Unix milliseconds, cert_sha256 lower-case hex.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::index {

// A certificate that named a candidate, as stored.
struct CtObservation {
  std::string log;                // the log's short name
  std::string log_id;             // base64 log ID (the key of its CT state)
  std::uint64_t index = 0;        // entry index in the log
  std::uint64_t timestamp = 0;    // the entry's timestamp, ms since the epoch
  std::string cert_sha256;        // SHA-256 of the certificate, lower-case hex
  std::string issuer;             // RFC 4514 CN/O/C of the issuer
  std::vector<std::string> sans;  // every SAN dNSName of the certificate
  std::uint64_t not_before = 0;   // ms since the epoch (0 = unknown)
  std::uint64_t not_after = 0;
  bool precert = false;
  std::string rule;   // the matcher rule that tied it to the brand ("homoglyph", ...)
  std::string brand;  // the brand it imitates
};

// The payload JSON (compact, one line) of `observation`.
[[nodiscard]] std::string to_json(const CtObservation& observation);

// Reads a stored payload; nullopt when it is not a JSON object. Members that are missing or of
// the wrong type read as empty/zero (payloads written by older versions stay readable).
[[nodiscard]] std::optional<CtObservation> parse_ct_observation(std::string_view json);

}  // namespace lookalike::index
