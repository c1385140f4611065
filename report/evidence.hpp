// Everything the store knows about one candidate, gathered for an analyst screen (`review`) or a
// takedown record (`export`): the candidate, its verdict, and its DNS / probe / CT / RDAP history.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/index.hpp"

namespace lookalike::report {

struct Evidence {
  index::Candidate candidate;
  std::string unicode;                      // U-label form (equal to the name when ASCII)
  std::optional<index::Verdict> verdict;
  std::vector<index::Observation> dns;      // newest last, at most kMaxEvidence
  std::vector<index::Observation> probes;   // newest last, at most kMaxEvidence
  std::vector<index::Observation> ct;       // newest last, at most kMaxEvidence
  std::optional<index::Observation> rdap;   // the newest cached RDAP record, if any
};
inline constexpr std::size_t kMaxEvidence = 16;

// Reads the candidate `name` (A-label) and its history; nullopt when there is no such candidate.
[[nodiscard]] std::expected<std::optional<Evidence>, index::Error> gather_evidence(const index::Store& store,
                                                                                  std::string_view name);

// "answer", "nxdomain", ... for a stored DNS outcome.
[[nodiscard]] std::string_view dns_outcome_name(index::DnsOutcome o) noexcept;
// The state flag names set in `flags` ("registered", "A", "AAAA", "MX", "NS", "SPF", "DMARC",
// "wildcard", "mx-live", "web-live", "parked"), in that order.
[[nodiscard]] std::vector<std::string> state_flag_names(std::uint32_t flags);

}  // namespace lookalike::report
