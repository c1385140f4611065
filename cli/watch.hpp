// `lookalike watch`: the long-running service. CT followers (one thread per log) store matches;
// a scheduler re-resolves, re-probes and re-scores stored candidates when their class interval
// is due (new CT names at once); state transitions are committed with their alert events; a
// dispatcher renders each event with its evidence, delivers it to every sink, then acknowledges
// it in the store's change feed (so kill -9 and a restart neither lose nor repeat an alert).
#pragma once

#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/alerts.hpp"
#include "cli/watch_config.hpp"
#include "index/index.hpp"

namespace lookalike::cli {

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

// Renders a change-feed event as an alert with its evidence (latest DNS answers, MX hosts, probe
// summary, CT certificates, score/level/reasons, brands, verdict). nullopt for events that are
// not alerts (verdicts, custom events, a first score) and for names an analyst marked owned or benign.
[[nodiscard]] std::expected<std::optional<Alert>, index::Error> render_alert(const index::Store& store,
                                                                             const index::Event& event,
                                                                             std::string_view store_id);

// Runs the service until `stop` is set (SIGTERM/SIGINT) or, with `once`, until the logs are
// caught up, every due name is refreshed and every alert delivered. Returns the exit code
// (0 clean, 1 a runtime failure); progress and problems are logged through cli/log.hpp.
int run_watch(const WatchConfig& config, const std::string& db_path, bool once, const std::atomic<bool>& stop);

}  // namespace lookalike::cli
