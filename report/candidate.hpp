// The candidate view: what every rendering of one look-alike shows (name, brands, score, verdict,
// first/last seen), and its one JSON spelling, shared by the ranked list's JSON lines, the
// takedown export's JSON lines and the watch alerts (README "Candidate JSON").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/index.hpp"

namespace lookalike::report {

// An analyst's verdict as shown.
struct CandidateVerdict {
  std::string decision;   // "malicious", "suspicious", "benign", "parked", "owned"
  std::string note;       // free text, "" when none
  std::int64_t time = 0;  // ms since the Unix epoch (0: unknown)
};

// One look-alike as every format shows it. Text may be attacker-chosen; renderers escape it.
struct CandidateView {
  std::string name;                  // ASCII (A-label) name
  std::string unicode;               // U-label form (same as name when ASCII)
  std::vector<std::string> brands;   // the brands' registrable domains
  std::optional<int> score;          // 0..100, nullopt when not scored yet
  std::string level;                 // critical, high, medium, low, info; "" when unscored
  std::vector<std::string> reasons;  // human-readable, strongest first
  std::vector<std::string> fuzzers;  // generator fuzzers, or "ct:<rule>" for a CT match
  std::optional<CandidateVerdict> verdict;
  std::int64_t first_seen = 0;  // ms since the Unix epoch (0: unknown)
  std::int64_t last_seen = 0;

  // The score, 0 when unscored (for ranking and tables).
  [[nodiscard]] int score_or_zero() const noexcept { return score.value_or(0); }
  // The level, "unscored" when there is no score (for people).
  [[nodiscard]] std::string_view level_text() const noexcept { return score ? std::string_view(level) : "unscored"; }
  // The verdict's decision, "" without one.
  [[nodiscard]] std::string_view decision() const noexcept {
    return verdict ? std::string_view(verdict->decision) : std::string_view();
  }
};

// The view of a stored candidate and its verdict (unicode from the name).
[[nodiscard]] CandidateView candidate_view(const index::Candidate& candidate,
                                           const std::optional<index::Verdict>& verdict);

// Appends the candidate members, without braces, in this order:
// "name","unicode","brands","score","level","reasons","fuzzers","verdict","first_seen","last_seen".
// unicode is always present; score and level are null when unscored; verdict is
// {"decision","note","time"} or null; times are RFC 3339 UTC strings to the second, or null.
void append_candidate_members(std::string& out, const CandidateView& view);
// The candidate members as one JSON object.
[[nodiscard]] std::string candidate_json(const CandidateView& view);

// A time as every JSON rendering spells it: "2026-11-28T11:50:00Z" (UTC, to the second), or
// null for 0 (unknown).
void append_json_time(std::string& out, std::int64_t ms);

}  // namespace lookalike::report
