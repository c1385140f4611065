// An index change-feed event rendered as an alert with its evidence: the latest DNS answers, MX
// hosts, probe summary, CT certificates, score/level/reasons, brands and verdict.
#pragma once

#include <expected>
#include <optional>
#include <string_view>

#include "alerts/alert.hpp"
#include "index/index.hpp"

namespace lookalike::alerts {

// The alert of `event` ({"seq","id":"<store_id>-<seq>","time","kind","name",...}). nullopt for
// events that are not alerts (verdicts, custom events, a first score) and for names an analyst
// marked owned or benign.
[[nodiscard]] std::expected<std::optional<Alert>, index::Error> render_alert(const index::Store& store,
                                                                             const index::Event& event,
                                                                             std::string_view store_id);

}  // namespace lookalike::alerts
