#include "report/evidence.hpp"

#include <algorithm>
#include <utility>

#include "report/export.hpp"

#include "domain/domain.hpp"

namespace lookalike::report {
namespace {

// Keeps the newest `kMaxEvidence` entries: a long-watched name has years of history, and a
// takedown record only needs the recent picture plus the first sighting (kept in the candidate).
void keep_recent(std::vector<index::Observation>& v, const index::Observation& o) {
  if (v.size() == kMaxEvidence) v.erase(v.begin());
  v.push_back(o);
}

}  // namespace

std::expected<std::optional<Evidence>, index::Error> gather_evidence(const index::Store& store, std::string_view name) {
  auto c = store.get_candidate(name);
  if (!c) return std::unexpected(c.error());
  if (!*c) return std::optional<Evidence>{};
  Evidence e;
  e.candidate = std::move(**c);
  auto u = domain::to_unicode(e.candidate.name);
  e.unicode = u ? *u : e.candidate.name;
  auto v = store.get_verdict(name);
  if (!v) return std::unexpected(v.error());
  e.verdict = *v;
  auto seen = store.observations(name, [&](const index::Observation& o) {
    switch (o.kind) {
      case index::ObservationKind::dns: keep_recent(e.dns, o); break;
      case index::ObservationKind::probe: keep_recent(e.probes, o); break;
      case index::ObservationKind::ct: keep_recent(e.ct, o); break;
      case index::ObservationKind::rdap: e.rdap = o; break;
      case index::ObservationKind::other: break;
    }
    return true;
  });
  if (!seen) return std::unexpected(seen.error());
  return std::optional<Evidence>(std::move(e));
}

std::expected<std::vector<Threat>, index::Error> select_threats(const index::Store& store, const ThreatQuery& q) {
  const auto listed = [](const auto& list, const auto& x) { return std::find(list.begin(), list.end(), x) != list.end(); };
  std::vector<std::string> names;
  auto visited = store.visit_candidates([&](const index::Candidate& c) {
    if (q.brands.empty() || std::any_of(c.brands.begin(), c.brands.end(), [&](const std::string& b) { return listed(q.brands, b); })) {
      names.push_back(c.name);
    }
    return true;
  });
  if (!visited) return std::unexpected(visited.error());
  std::vector<Threat> threats;
  for (const auto& name : names) {
    auto v = store.get_verdict(name);
    if (!v) return std::unexpected(v.error());
    if (!*v || !listed(q.verdicts, (*v)->decision)) continue;
    auto e = gather_evidence(store, name);
    if (!e) return std::unexpected(e.error());
    if (*e) threats.push_back(Threat{std::move(**e), std::nullopt, {}});
  }
  std::stable_sort(threats.begin(), threats.end(), [](const Threat& x, const Threat& y) {
    const int sx = x.evidence.candidate.score ? x.evidence.candidate.score->value : -1;
    const int sy = y.evidence.candidate.score ? y.evidence.candidate.score->value : -1;
    return sx != sy ? sx > sy : x.evidence.candidate.name < y.evidence.candidate.name;
  });
  return threats;
}

std::string_view dns_outcome_name(index::DnsOutcome o) noexcept {
  switch (o) {
    case index::DnsOutcome::unknown: return "unknown";
    case index::DnsOutcome::answer: return "answer";
    case index::DnsOutcome::nodata: return "nodata";
    case index::DnsOutcome::nxdomain: return "nxdomain";
    case index::DnsOutcome::servfail: return "servfail";
    case index::DnsOutcome::refused: return "refused";
    case index::DnsOutcome::timeout: return "timeout";
  }
  return "unknown";
}

std::vector<std::string> state_flag_names(std::uint32_t f) {
  namespace sf = index::state_flag;
  static constexpr std::pair<std::uint32_t, const char*> kNames[] = {
      {sf::registered, "registered"}, {sf::has_a, "A"},         {sf::has_aaaa, "AAAA"},     {sf::has_mx, "MX"},
      {sf::has_ns, "NS"},             {sf::spf, "SPF"},         {sf::dmarc, "DMARC"},       {sf::wildcard, "wildcard"},
      {sf::mx_live, "mx-live"},       {sf::web_live, "web-live"}, {sf::parked, "parked"}};
  std::vector<std::string> out;
  for (const auto& [bit, n] : kNames) {
    if (f & bit) out.emplace_back(n);
  }
  return out;
}

}  // namespace lookalike::report
