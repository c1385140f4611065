// The watch scheduler: which stored candidates are due for a re-check, by class (new, changing,
// registered, unregistered, dead), using only stored fields.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/index.hpp"
#include "pipeline/watch_config.hpp"

namespace lookalike::pipeline {

// Why a candidate is re-checked when it is (see ScheduleConfig).
enum class ScheduleClass : std::uint8_t { unchecked, fresh, changing, registered, unregistered, dead };
// "unchecked", "new", "changing", "registered", "unregistered", "dead".
[[nodiscard]] std::string_view schedule_class_name(ScheduleClass c) noexcept;

struct Due {
  ScheduleClass cls = ScheduleClass::unchecked;
  index::Time at = 0;  // when the next check is due (0: now; never-checked names come first)
};

// The class and next check time of a stored candidate. Uses only stored fields: the score's
// time is the last check, the state's time the last change of the facts, first_seen the age.
[[nodiscard]] Due due_of(const index::Candidate& c, const ScheduleConfig& schedule, index::Time now) noexcept;

// The up to `max` candidates due at `now`, most overdue first; `next_due` receives the earliest
// due time among the rest (nullopt when there are none). Skips names in `skip` (sorted).
[[nodiscard]] std::expected<std::vector<index::Candidate>, index::Error> select_due(
    const index::Store& store, const ScheduleConfig& schedule, index::Time now, std::size_t max,
    std::optional<index::Time>* next_due = nullptr, const std::vector<std::string>* skip = nullptr);

}  // namespace lookalike::pipeline
