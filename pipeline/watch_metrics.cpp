#include "pipeline/watch_metrics.hpp"

#include <array>
#include <map>
#include <string_view>

#include "alerts/alert.hpp"

namespace lookalike::pipeline {
namespace {

using telemetry::label;

// Each series watch updates: name, kind, help and the label whose values are known at start-up.
// The help text is the one the update sites pass (the first caller's help is kept).
enum class Kind : std::uint8_t { counter, gauge };
enum class Over : std::uint8_t { none, log, sink, alert_kind, feed_outcome, probe_outcome };
struct Series {
  std::string_view name;
  Kind kind;
  Over over;
  std::string_view help;
};
constexpr std::array kSeries{
    Series{"lookalike_ct_entries_processed_total", Kind::counter, Over::log, "CT log entries processed"},
    Series{"lookalike_ct_next_index", Kind::gauge, Over::log, "Next CT entry to fetch"},
    Series{"lookalike_ct_lag_entries", Kind::gauge, Over::log, "Entries between the position and the latest signed head"},
    Series{"lookalike_generated_candidates_total", Kind::counter, Over::none, "Generated look-alikes stored for scheduling"},
    Series{"lookalike_feed_files_total", Kind::counter, Over::feed_outcome, "Feed files ingested by outcome"},
    Series{"lookalike_dns_outages_total", Kind::counter, Over::none, "Refresh rounds stopped because no resolver answered"},
    Series{"lookalike_names_refreshed_total", Kind::counter, Over::none, "Names re-resolved and re-scored"},
    Series{"lookalike_dns_queries_total", Kind::counter, Over::none, "DNS queries sent"},
    Series{"lookalike_probe_sessions_total", Kind::counter, Over::probe_outcome, "Probe sessions by outcome"},
    Series{"lookalike_alert_delivery_failures_total", Kind::counter, Over::sink, "Alerts a sink gave up on"},
    Series{"lookalike_alerts_total", Kind::counter, Over::alert_kind, "Alerts by kind"},
};
constexpr std::array<alerts::AlertKind, 6> kAlertKinds{alerts::AlertKind::new_lookalike, alerts::AlertKind::registered,
                                                       alerts::AlertKind::mx_appeared,   alerts::AlertKind::web_live,
                                                       alerts::AlertKind::certificate,   alerts::AlertKind::level_changed};
constexpr std::array<std::string_view, 5> kCandidateStates{"unchecked", "unregistered", "registered", "live", "parked"};

std::vector<std::string> label_values(Over over, const WatchMetricLabels& l) {
  switch (over) {
    case Over::none: return {""};
    case Over::log: {
      std::vector<std::string> out;
      for (const auto& n : l.logs) out.push_back(label("log", n));
      return out;
    }
    case Over::sink: {
      std::vector<std::string> out;
      for (const auto& n : l.sinks) out.push_back(label("sink", n));
      return out;
    }
    case Over::alert_kind: {
      std::vector<std::string> out;
      for (auto k : kAlertKinds) out.push_back(label("kind", alerts::alert_kind_name(k)));
      return out;
    }
    case Over::feed_outcome: return {label("outcome", "ok"), label("outcome", "failed")};
    case Over::probe_outcome:
      return {label("outcome", "mail_answered"), label("outcome", "web_answered"), label("outcome", "failed"),
              label("outcome", "refused_address")};
  }
  return {};
}

}  // namespace

void declare_watch_metrics(telemetry::Metrics& metrics, const WatchMetricLabels& labels) {
  for (const Series& s : kSeries) {
    for (const std::string& l : label_values(s.over, labels)) {
      if (s.kind == Kind::counter) {
        metrics.add(s.name, l, 0, s.help);
      } else {
        metrics.set(s.name, l, 0, s.help);
      }
    }
  }
#if defined(__clang__)
  const std::string compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
  const std::string compiler = "gcc " + std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
                               std::to_string(__GNUC_PATCHLEVEL__);
#else
  const std::string compiler = "unknown";
#endif
  metrics.set("lookalike_build_info",
              label("version", LOOKALIKE_VERSION) + "," + label("compiler", compiler) + "," +
                  label("build_type", LOOKALIKE_BUILD_TYPE),
              1, "The running build: always 1, the facts are in the labels");
}

std::string_view candidate_state_name(const index::Candidate& c) noexcept {
  namespace f = index::state_flag;
  if (!c.state) return "unchecked";
  if ((c.state->flags & f::registered) == 0) return "unregistered";
  if ((c.state->flags & f::parked) != 0) return "parked";
  if ((c.state->flags & (f::mx_live | f::web_live)) != 0) return "live";
  return "registered";
}

std::expected<void, index::Error> update_store_gauges(telemetry::Metrics& metrics, const index::Store& store) {
  auto brands = store.list_brands();
  if (!brands) return std::unexpected(brands.error());
  std::map<std::string_view, std::uint64_t> states;
  for (auto s : kCandidateStates) states[s] = 0;
  if (auto r = store.visit_candidates([&](const index::Candidate& c) {
        ++states[candidate_state_name(c)];
        return true;
      });
      !r) {
    return r;
  }
  std::map<index::Decision, std::uint64_t> verdicts;
  for (auto d : index::kDecisions) verdicts[d] = 0;
  if (auto r = store.visit_verdicts([&](std::string_view, const index::Verdict& v) {
        ++verdicts[v.decision];
        return true;
      });
      !r) {
    return r;
  }
  metrics.set("lookalike_store_brands", "", static_cast<double>(brands->size()), "Brands in the store");
  for (const auto& [state, n] : states) {
    metrics.set("lookalike_store_candidates", label("state", state), static_cast<double>(n),
                "Candidates in the store by state (unchecked, unregistered, registered, live, parked)");
  }
  for (const auto& [decision, n] : verdicts) {
    metrics.set("lookalike_store_verdicts", label("decision", index::decision_name(decision)), static_cast<double>(n),
                "Analyst verdicts in the store by decision");
  }
  return {};
}

}  // namespace lookalike::pipeline
