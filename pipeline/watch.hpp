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

#include "pipeline/watch_config.hpp"

namespace lookalike::pipeline {

// Runs the service until `stop` is set (SIGTERM/SIGINT) or, with `once`, until the logs are
// caught up, every due name is refreshed and every alert delivered. Returns the exit code
// (0 clean, 1 a runtime failure); progress and problems are logged through telemetry/log.hpp.
int run_watch(const WatchConfig& config, const std::string& db_path, bool once, const std::atomic<bool>& stop);

}  // namespace lookalike::pipeline
