// An index change-feed event rendered as an alert: the candidate as every JSON rendering spells it
// (report/candidate.hpp) plus its evidence: stored state, CT sightings, latest DNS / probe / CT
// observations.
#pragma once

#include <expected>
#include <optional>
#include <string_view>

#include "alerts/alert.hpp"
#include "index/index.hpp"

namespace lookalike::alerts {

// The alert of `event` ({"seq","id":"<store_id>-<seq>","time","kind", candidate members,
// "detail","evidence"}). nullopt for
// events that are not alerts (verdicts, custom events, a first score) and for names an analyst
// marked owned or benign.
[[nodiscard]] std::expected<std::optional<Alert>, index::Error> render_alert(const index::Store& store,
                                                                             const index::Event& event,
                                                                             std::string_view store_id);

}  // namespace lookalike::alerts
