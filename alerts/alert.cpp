// Alert kind names: the `kind` member of the alert JSON and the values of a sink's `kinds` filter.
#include "alerts/alert.hpp"

#include <array>
#include <utility>

namespace lookalike::alerts {
namespace {

constexpr std::array<std::pair<AlertKind, std::string_view>, 9> kind_names{{
    {AlertKind::new_lookalike, "new-lookalike"},
    {AlertKind::registered, "registered"},
    {AlertKind::mx_appeared, "mx-appeared"},
    {AlertKind::web_live, "web-live"},
    {AlertKind::certificate, "certificate"},
    {AlertKind::level_changed, "level-changed"},
    {AlertKind::deleted, "deleted"},
    {AlertKind::posture_regressed, "posture-regressed"},
    {AlertKind::posture_improved, "posture-improved"},
}};

}  // namespace

std::string_view alert_kind_name(AlertKind kind) noexcept {
  for (const auto& [k, name] : kind_names) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::expected<AlertKind, std::string> parse_alert_kind(std::string_view name) {
  for (const auto& [k, n] : kind_names) {
    if (n == name) return k;
  }
  std::string known;
  for (const auto& [k, n] : kind_names) {
    if (!known.empty()) known += ", ";
    known += n;
  }
  return std::unexpected("unknown alert kind \"" + std::string(name) + "\" (expected one of: " + known + ")");
}

}  // namespace lookalike::alerts
