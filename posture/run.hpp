#pragma once
// One posture run: every check of POSTURE.md for each domain, in the policy's order, with the
// active checks (posture/active.hpp) for the brand's own MX hosts when asked for.
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "posture/active.hpp"
#include "posture/checks.hpp"
#include "posture/dns.hpp"
#include "posture/posture.hpp"

namespace lookalike::index {
class Store;
}

namespace lookalike::posture {

// The brand's registered look-alikes as the index knows them (policy point 13).
struct LookalikeSummary {
  struct Top {
    std::string name;
    int score = 0;
    int level = 0;  // scoring's level number: 3 high, 4 critical
    bool live_mx = false;
  };
  std::size_t registered = 0;
  int worst_score = -1;        // -1: none scored
  std::size_t live_mx_high = 0;  // registered, MX live, level high or critical
  std::vector<Top> top;        // at most 5, by score
};

// Reads the summary for `brand` from the index; nullopt when the brand is not in the store.
[[nodiscard]] std::expected<std::optional<LookalikeSummary>, std::string> summarize_lookalikes(const index::Store& store,
                                                                                               std::string_view brand);

struct RunOptions {
  std::vector<std::string> dkim_selectors;
  bool active = false;             // connect to the MX hosts (starttls, tls-*, certificate, dane)
  ActiveOptions active_options;
};

// Grades one domain. `lookalikes` is nullopt when no index was available (the finding says so).
[[nodiscard]] DomainReport check_domain(std::string_view domain, Dns& dns, PolicyFetcher& fetcher,
                                        const RunOptions& options, const std::optional<LookalikeSummary>& lookalikes,
                                        std::int64_t now_ms);

// The lookalikes finding from a summary.
[[nodiscard]] Finding lookalikes_finding(const std::optional<LookalikeSummary>& summary);

// What `lookalike posture` reports for its domains, in order.
struct Checked {
  std::vector<DomainReport> reports;
  std::vector<std::string> diffs;  // describe()'s text per domain, when asked for
};

// Grades each of `inputs` (normalised: IDNs to A-labels, lowercase, no trailing dot). With a store
// each gets the look-alike summary, is compared with its latest stored run (when `want_diff`) and
// is recorded as the newest run with its alerts; `want_diff` without a store is an error. Errors
// are one line for the user.
[[nodiscard]] std::expected<Checked, std::string> check_domains(std::span<const std::string> inputs, index::Store* store,
                                                                bool want_diff, Dns& dns, PolicyFetcher& fetcher,
                                                                const RunOptions& options);

// 0 when every finding passes (info/not_assessable count as passing), 1 warnings, 2 failures,
// 3 errors (an error outranks warnings, a failure outranks errors).
[[nodiscard]] int exit_code(std::span<const DomainReport> reports) noexcept;

}  // namespace lookalike::posture
