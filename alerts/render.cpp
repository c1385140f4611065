#include "alerts/render.hpp"

#include <map>
#include <string>
#include <utility>

#include "report/candidate.hpp"
#include "util/encoding.hpp"
#include "util/json.hpp"

namespace lookalike::alerts {
namespace {

using util::append_json_string;

std::optional<AlertKind> alert_kind_of(const index::Event& e) {
  switch (e.kind) {
    case index::EventKind::new_candidate: return AlertKind::new_lookalike;
    case index::EventKind::registered: return AlertKind::registered;
    case index::EventKind::mx_appeared: return AlertKind::mx_appeared;
    case index::EventKind::web_live: return AlertKind::web_live;
    case index::EventKind::certificate: return AlertKind::certificate;
    case index::EventKind::deleted: return AlertKind::deleted;
    case index::EventKind::posture_regressed: return AlertKind::posture_regressed;
    case index::EventKind::posture_improved: return AlertKind::posture_improved;
    case index::EventKind::level_changed:
      // The first score of a name is not a crossing (its new-lookalike/registered alert says it).
      if (e.detail.find("(was none)") != std::string::npos) return std::nullopt;
      return AlertKind::level_changed;
    default: return std::nullopt;
  }
}

void append_raw_json(std::string& j, const std::string& payload) {
  // Payloads are JSON objects written by our own stages; anything else is embedded as text.
  if (payload.size() >= 2 && payload.front() == '{' && payload.back() == '}') {
    j += payload;
  } else {
    append_json_string(j, payload);
  }
}

}  // namespace

std::expected<std::optional<Alert>, index::Error> render_alert(const index::Store& store, const index::Event& event,
                                                               std::string_view store_id) {
  const auto kind = alert_kind_of(event);
  if (!kind) return std::optional<Alert>{};
  auto verdict = store.get_verdict(event.name);
  if (!verdict) return std::unexpected(verdict.error());
  if (*verdict) {
    const std::string_view d = index::decision_name((*verdict)->decision);
    if (d == "owned" || d == "benign") return std::optional<Alert>{};
  }
  auto cand = store.get_candidate(event.name);
  if (!cand) return std::unexpected(cand.error());

  // The latest observation of each kind is the evidence.
  std::map<index::ObservationKind, std::pair<index::Time, std::string>> latest;
  auto obs = store.observations(event.name, [&](const index::Observation& o) {
    latest[o.kind] = {o.time, o.payload};
    return true;
  });
  if (!obs) return std::unexpected(obs.error());

  // The candidate members as every JSON rendering spells them (report/candidate.hpp); a name
  // the store has no candidate record for still shows its name and verdict.
  index::Candidate bare;
  bare.name = event.name;
  const report::CandidateView view = report::candidate_view(*cand ? **cand : bare, *verdict);

  Alert a;
  a.seq = event.seq;
  a.kind = *kind;
  a.name = event.name;
  std::string& j = a.json;
  j = "{\"seq\":" + std::to_string(event.seq) + ",\"id\":";
  append_json_string(j, std::string(store_id) + "-" + std::to_string(event.seq));
  j += ",\"time\":";
  report::append_json_time(j, event.time);
  j += ",\"kind\":";
  append_json_string(j, alert_kind_name(*kind));
  j += ',';
  report::append_candidate_members(j, view);
  j += ",\"detail\":";
  append_json_string(j, event.detail);
  // What the alert adds: the stored state, the CT sightings, and the latest observation of each
  // kind as its owner stored it.
  j += ",\"evidence\":{";
  bool first = true;
  const auto member = [&](std::string_view key) {
    j += first ? "\"" : ",\"";
    first = false;
    j += key;
    j += "\":";
  };
  if (*cand && (*cand)->state) {
    const index::StateSummary& st = *(*cand)->state;
    const auto flag = [&](std::uint32_t bit) { return (st.flags & bit) ? "true" : "false"; };
    member("state");
    j += "{\"time\":";
    report::append_json_time(j, st.time);
    j += std::string(",\"registered\":") + flag(index::state_flag::registered) + ",\"mx\":" +
         flag(index::state_flag::has_mx) + ",\"mx_live\":" + flag(index::state_flag::mx_live) +
         ",\"web_live\":" + flag(index::state_flag::web_live) + ",\"parked\":" + flag(index::state_flag::parked) + "}";
  }
  if (*cand) {
    member("ct");
    j += '[';
    const auto& ct = (*cand)->ct;
    for (std::size_t i = 0; i < ct.size(); ++i) {
      if (i) j += ',';
      j += "{\"log_id\":";
      append_json_string(j, ct[i].log_id);
      j += ",\"index\":" + std::to_string(ct[i].index) + ",\"cert_sha256\":";
      append_json_string(j, util::hex_encode(ct[i].cert_sha256));
      j += "}";
    }
    j += ']';
  }
  const std::pair<index::ObservationKind, const char*> kinds[] = {
      {index::ObservationKind::dns, "dns"}, {index::ObservationKind::probe, "probe"}, {index::ObservationKind::ct, "certificate"}};
  for (const auto& [k, key] : kinds) {
    if (auto it = latest.find(k); it != latest.end()) {
      member(key);
      j += "{\"time\":";
      report::append_json_time(j, it->second.first);
      j += ",\"data\":";
      append_raw_json(j, it->second.second);
      j += "}";
    }
  }
  j += "}}";
  return std::optional<Alert>(std::move(a));
}
}  // namespace lookalike::alerts
