#pragma once
// Posture history: each run stored in the index per domain with its time (the run's JSON, written
// and read by render.cpp's to_json/from_json), and what changed between two runs, per (id, subject).
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "posture/posture.hpp"

namespace lookalike::index {
class Store;
}

namespace lookalike::posture {

// Stores `report` under its domain and checked_at_ms.
[[nodiscard]] std::expected<void, std::string> store_run(index::Store& store, const DomainReport& report);
// The newest stored run of `domain`, nullopt when there is none.
[[nodiscard]] std::expected<std::optional<DomainReport>, std::string> latest_run(const index::Store& store,
                                                                                std::string_view domain);

// One finding whose status changed, appeared or disappeared.
struct Change {
  std::string id;
  std::string subject;
  std::optional<Status> before;  // nullopt: new finding
  std::optional<Status> after;   // nullopt: finding gone
  std::string explanation;       // the new one (or the old one when gone)
};
// Changes from `before` (nullptr: no previous run, nothing to compare) to `after`, in `after`'s order.
[[nodiscard]] std::vector<Change> diff(const DomainReport* before, const DomainReport& after);
// True when the change makes the status worse (e.g. pass -> warn, warn -> fail).
[[nodiscard]] bool regressed(const Change& change) noexcept;
// True when the change makes it better.
[[nodiscard]] bool improved(const Change& change) noexcept;
// Human lines: "posture diff example.com (since 2026-...)\n  spf: pass -> fail: ...\n" or "no change".
[[nodiscard]] std::string describe(std::string_view domain, const DomainReport* before, const std::vector<Change>& changes);

}  // namespace lookalike::posture
