#pragma once
// The email posture of a domain (../shared/brief/POSTURE.md): one finding per check of the
// Hardenize email-infrastructure policy, per MX host / address where it applies, with the raw
// evidence behind each status. This header holds the shared model; the DNS lookups are behind
// posture/dns.hpp and the checks that connect to mail servers behind posture/active.hpp.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lookalike::posture {

// A check's grade (POSTURE.md): must -> fail, should -> warn, consider -> info.
enum class Status : std::uint8_t { pass, warn, fail, info, not_assessable, error };

// "pass", "warn", "fail", "info", "not_assessable", "error".
[[nodiscard]] std::string_view to_string(Status status) noexcept;

// The worse of two statuses by severity: fail > error > warn > info > pass/not_assessable.
[[nodiscard]] Status worse(Status a, Status b) noexcept;

// One piece of raw evidence, as received: ("record", "v=spf1 -all"), ("smtp", "250-STARTTLS"),
// ("tls", "TLSv1.3 TLS_AES_256_GCM_SHA384"), ("tlsa", "3 1 1 ab..."), ("policy", "<text>").
struct Evidence {
  std::string kind;
  std::string value;
};

// One graded check. `id` is stable across runs and releases ("spf", "starttls", ...; POSTURE.md's
// id column); `subject` narrows it to an MX host or address ("mx1.example.com", "192.0.2.1"), empty
// for domain-wide checks. (id, subject) is the key that history and --diff compare on.
struct Finding {
  std::string id;
  std::string subject;
  int policy_point = 0;      // 1-14 in the policy; 0 for the MX prerequisite
  std::string standard;      // "RFC 7208 §4.6.4"
  Status status = Status::not_assessable;
  std::string explanation;   // one line a user reads
  std::vector<Evidence> evidence;
};

// Everything posture found for one domain, in check order.
struct DomainReport {
  std::string domain;
  std::int64_t checked_at_ms = 0;  // Unix time of the run
  std::vector<Finding> findings;
};

}  // namespace lookalike::posture
