// The stored form of what the probes learned about one name (index::ObservationKind::probe): one
// writer and one reader, so the scan that records it and the review/export screens that show it
// agree on the fields without spelling them twice.
// {"name":"..","mail":[{"host","address","answered","banner","starttls"[,"tls":{"ok","version",
//  "cipher"[,"certificate":{"subject","issuer","not_before","not_after","covers_name","verified"}],
//  "error"}],"error"}],
//  "web":[{"scheme","status","title","server","final_url"[,"certificate":{"subject","issuer",
//  "not_after","covers_name"}],"page_hash","error"}],"skipped":[".."]}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scoring/probe.hpp"

namespace lookalike::scoring {

// The certificate a server showed, as stored (HTTPS: not_before and verified are not kept).
struct StoredCertificate {
  std::string subject;
  std::string issuer;
  std::int64_t not_after = 0;  // Unix seconds
  bool covers_name = false;
  std::int64_t not_before = 0;  // Unix seconds (STARTTLS only)
  bool verified = false;        // the chain verified (STARTTLS only)
};

// The STARTTLS session negotiated with an MX, as stored (absent when none was attempted).
struct StoredTls {
  bool ok = false;
  std::string version;  // "TLSv1.3"
  std::string cipher;
  std::optional<StoredCertificate> certificate;
  std::string error;  // why the negotiation failed, "" when it worked
};

// One SMTP session as stored.
struct StoredMail {
  std::string host;
  std::string address;  // to_string(Address)
  bool answered = false;
  std::string banner;
  bool starttls = false;
  std::string error;  // probe_error_name(), "none" when it worked
  std::optional<StoredTls> tls;
};

// One web fetch as stored.
struct StoredWeb {
  std::string scheme;
  int status = 0;
  std::string title;
  std::string server;
  std::string final_url;
  std::optional<StoredCertificate> certificate;
  std::uint64_t page_hash = 0;
  std::string error;
};

// A probe observation as stored.
struct ProbeObservation {
  std::string name;
  std::vector<StoredMail> mail;
  std::vector<StoredWeb> web;
  std::vector<std::string> skipped;  // addresses the SSRF guard refused
};

// What is kept of a probe result.
[[nodiscard]] ProbeObservation probe_observation(const ProbeResult& result);

// The payload JSON (compact, one line) of an observation.
[[nodiscard]] std::string to_json(const ProbeObservation& observation);
// Shorthand for to_json(probe_observation(result)).
[[nodiscard]] std::string probe_observation_json(const ProbeResult& result);

// Reads a stored payload; nullopt when it is not a JSON object. Members that are missing or of
// the wrong type read as empty (payloads written by older versions stay readable).
[[nodiscard]] std::optional<ProbeObservation> parse_probe_observation(std::string_view json);

}  // namespace lookalike::scoring
