#include "alerts/render.hpp"

#include <map>
#include <string>
#include <utility>

#include "domain/domain.hpp"
#include "report/text.hpp"
#include "scoring/scoring.hpp"
#include "util/encoding.hpp"
#include "util/json.hpp"

namespace lookalike::alerts {
namespace {

using util::append_json_string;
using report::utc_iso;

std::optional<AlertKind> alert_kind_of(const index::Event& e) {
  switch (e.kind) {
    case index::EventKind::new_candidate: return AlertKind::new_lookalike;
    case index::EventKind::registered: return AlertKind::registered;
    case index::EventKind::mx_appeared: return AlertKind::mx_appeared;
    case index::EventKind::web_live: return AlertKind::web_live;
    case index::EventKind::certificate: return AlertKind::certificate;
    case index::EventKind::deleted: return AlertKind::deleted;
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

  Alert a;
  a.seq = event.seq;
  a.kind = *kind;
  a.name = event.name;
  std::string& j = a.json;
  j = "{\"seq\":" + std::to_string(event.seq) + ",\"id\":";
  append_json_string(j, std::string(store_id) + "-" + std::to_string(event.seq));
  j += ",\"time\":";
  append_json_string(j, utc_iso(event.time));
  j += ",\"kind\":";
  append_json_string(j, alert_kind_name(*kind));
  j += ",\"name\":";
  append_json_string(j, event.name);
  if (auto n = domain::parse(event.name); n && n->unicode != n->ascii) {
    j += ",\"unicode\":";
    append_json_string(j, n->unicode);
  }
  j += ",\"detail\":";
  append_json_string(j, event.detail);
  j += ",\"brands\":[";
  if (*cand) {
    for (std::size_t i = 0; i < (*cand)->brands.size(); ++i) {
      if (i) j += ',';
      append_json_string(j, (*cand)->brands[i]);
    }
  }
  j += "]";
  if (*cand && (*cand)->score) {
    const auto& s = *(*cand)->score;
    j += ",\"score\":" + std::to_string(s.value) + ",\"level\":";
    append_json_string(j, scoring::level_name(static_cast<scoring::Level>(s.level)));
    j += ",\"reasons\":[";
    for (std::size_t i = 0; i < s.reasons.size(); ++i) {
      if (i) j += ',';
      append_json_string(j, s.reasons[i]);
    }
    j += "]";
  } else {
    j += ",\"score\":null,\"level\":null,\"reasons\":[]";
  }
  j += ",\"verdict\":";
  if (*verdict) {
    j += "{\"decision\":";
    append_json_string(j, index::decision_name((*verdict)->decision));
    j += ",\"note\":";
    append_json_string(j, (*verdict)->note);
    j += ",\"time\":";
    append_json_string(j, utc_iso((*verdict)->time));
    j += "}";
  } else {
    j += "null";
  }
  j += ",\"evidence\":{";
  if (*cand) {
    const auto& c = **cand;
    j += "\"first_seen\":";
    append_json_string(j, utc_iso(c.first_seen));
    j += ",\"last_seen\":";
    append_json_string(j, utc_iso(c.last_seen));
    if (c.state) {
      j += ",\"state\":{\"time\":";
      append_json_string(j, utc_iso(c.state->time));
      j += ",\"registered\":" + std::string(c.state->flags & index::state_flag::registered ? "true" : "false") +
           ",\"mx\":" + (c.state->flags & index::state_flag::has_mx ? "true" : "false") +
           ",\"mx_live\":" + (c.state->flags & index::state_flag::mx_live ? "true" : "false") +
           ",\"web_live\":" + (c.state->flags & index::state_flag::web_live ? "true" : "false") +
           ",\"parked\":" + (c.state->flags & index::state_flag::parked ? "true" : "false") + "}";
    }
    j += ",\"fuzzers\":[";
    for (std::size_t i = 0; i < c.fuzzers.size(); ++i) {
      if (i) j += ',';
      append_json_string(j, c.fuzzers[i]);
    }
    j += "],\"ct\":[";
    for (std::size_t i = 0; i < c.ct.size(); ++i) {
      if (i) j += ',';
      j += "{\"log_id\":";
      append_json_string(j, c.ct[i].log_id);
      j += ",\"index\":" + std::to_string(c.ct[i].index) + ",\"cert_sha256\":";
      append_json_string(j, util::hex_encode(c.ct[i].cert_sha256));
      j += "}";
    }
    j += "]";
  }
  const std::pair<index::ObservationKind, const char*> kinds[] = {
      {index::ObservationKind::dns, "dns"}, {index::ObservationKind::probe, "probe"}, {index::ObservationKind::ct, "certificate"}};
  for (const auto& [k, key] : kinds) {
    if (auto it = latest.find(k); it != latest.end()) {
      j += std::string(*cand ? "," : "") + "\"" + key + "\":{\"time\":";
      append_json_string(j, utc_iso(it->second.first));
      j += ",\"data\":";
      append_raw_json(j, it->second.second);
      j += "}";
    }
  }
  j += "}}";
  return std::optional<Alert>(std::move(a));
}
}  // namespace lookalike::alerts
