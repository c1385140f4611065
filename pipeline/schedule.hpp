// The re-check schedule (the watch's scheduler, and the index workers' of a cluster): which
// stored candidates are due for a re-check, by class (new, changing, registered, unregistered,
// dead), using only stored fields.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/index.hpp"

namespace lookalike::pipeline {

// How often each class of candidate is re-resolved and re-probed.
struct ScheduleConfig {
  std::chrono::milliseconds fresh{std::chrono::minutes(15)};       // first `new_window` after first seen
  std::chrono::milliseconds changing{std::chrono::hours(1)};       // state changed within `changing_window`
  std::chrono::milliseconds registered{std::chrono::hours(6)};     // registered and stable
  std::chrono::milliseconds unregistered{std::chrono::hours(24)};  // NXDOMAIN or never resolved to anything
  std::chrono::milliseconds dead{std::chrono::hours(24 * 7)};      // unregistered for more than `dead_after`
  std::chrono::milliseconds new_window{std::chrono::hours(24)};
  std::chrono::milliseconds changing_window{std::chrono::hours(24 * 7)};
  std::chrono::milliseconds dead_after{std::chrono::hours(24 * 30)};
  std::size_t batch = 500;  // names refreshed per round at most
};

// Why a candidate is re-checked when it is (see ScheduleConfig).
enum class ScheduleClass : std::uint8_t { unchecked, fresh, changing, registered, unregistered, dead };
// "unchecked", "new", "changing", "registered", "unregistered", "dead".
[[nodiscard]] std::string_view schedule_class_name(ScheduleClass c) noexcept;

struct Due {
  ScheduleClass cls = ScheduleClass::unchecked;
  index::Time at = 0;  // when the next check is due (0: now; never-checked names come first)
};

// What marks a candidate's last check: its score's time (watch: a check ends with a score), or
// its last sighting (the cluster's index partition stores keep no score: every resolution that
// reaches them is a check).
enum class LastCheck : std::uint8_t { score, last_seen };

// The class and next check time of a stored candidate. Uses only stored fields: the last check
// (see LastCheck), the state's time the last change of the facts, first_seen the age.
[[nodiscard]] Due due_of(const index::Candidate& c, const ScheduleConfig& schedule, index::Time now,
                         LastCheck last = LastCheck::score) noexcept;

// The up to `max` candidates due at `now`, most overdue first; `next_due` receives the earliest
// due time among the rest (nullopt when there are none). Skips names in `skip` (sorted).
[[nodiscard]] std::expected<std::vector<index::Candidate>, index::Error> select_due(
    const index::Store& store, const ScheduleConfig& schedule, index::Time now, std::size_t max,
    std::optional<index::Time>* next_due = nullptr, const std::vector<std::string>* skip = nullptr,
    LastCheck last = LastCheck::score);

}  // namespace lookalike::pipeline
