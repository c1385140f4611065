#include "report/evidence.hpp"

#include <utility>

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
