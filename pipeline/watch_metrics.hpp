// The series `lookalike watch` exports: declared at start-up (every series at 0, so a scrape before
// anything happened shows them and rate() has a start), build information, and the store gauges.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "index/index.hpp"
#include "telemetry/metrics.hpp"

namespace lookalike::pipeline {

// The label values known at start-up: the followed logs' short names and the sinks' descriptions.
struct WatchMetricLabels {
  std::vector<std::string> logs;
  std::vector<std::string> sinks;
};

// Creates every counter and gauge watch updates, at 0 for every label value known in advance, and
// sets lookalike_build_info{version,compiler,build_type} to 1.
void declare_watch_metrics(telemetry::Metrics& metrics, const WatchMetricLabels& labels);

// Sets the store gauges: lookalike_store_brands, lookalike_store_candidates{state} and
// lookalike_store_verdicts{decision}. Reads every candidate: called at start-up and after a
// refresh round, not per event.
[[nodiscard]] std::expected<void, index::Error> update_store_gauges(telemetry::Metrics& metrics, const index::Store& store);

// The state a candidate is counted under: unchecked, unregistered, registered, live (a mail or web
// server answers) or parked.
[[nodiscard]] std::string_view candidate_state_name(const index::Candidate& candidate) noexcept;

}  // namespace lookalike::pipeline
