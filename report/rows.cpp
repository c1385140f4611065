#include <algorithm>
#include <utility>

#include "index/index.hpp"
#include "report/report.hpp"

namespace lookalike::report {

std::vector<std::string> row_flags(std::uint32_t f, bool ct_seen) {
  namespace sf = index::state_flag;
  std::vector<std::string> out;
  if (f & sf::mx_live) out.emplace_back("MX");
  if (f & sf::web_live) out.emplace_back("WEB");
  if (f & sf::spf) out.emplace_back("SPF");
  if (f & sf::dmarc) out.emplace_back("DMARC");
  if (ct_seen) out.emplace_back("CT");
  if (f & sf::wildcard) out.emplace_back("WILDCARD");
  if (f & sf::parked) out.emplace_back("PARKED");
  return out;
}

void rank_rows(std::vector<ReportRow>& rows) {
  std::stable_sort(rows.begin(), rows.end(), [](const ReportRow& x, const ReportRow& y) {
    return x.score_or_zero() != y.score_or_zero() ? x.score_or_zero() > y.score_or_zero() : x.name < y.name;
  });
}

std::expected<std::vector<ReportRow>, index::Error> stored_rows(const index::Store& store, const RowQuery& q) {
  std::vector<std::string> brands = q.brands;
  if (brands.empty()) {
    auto all = store.list_brands();
    if (!all) return std::unexpected(all.error());
    for (const auto& b : *all) brands.push_back(b.domain);
  }
  std::vector<ReportRow> rows;
  for (const std::string& brand : brands) {
    std::vector<std::string> names;
    auto visited = store.candidates_by_brand(brand, q.min_score, [&](const index::Ranked& r) {
      names.emplace_back(r.name);
      return true;
    });
    if (!visited) return std::unexpected(visited.error());
    for (const std::string& name : names) {
      auto c = store.get_candidate(name);
      if (!c) return std::unexpected(c.error());
      if (!*c) continue;
      const index::Candidate& cand = **c;
      const bool registered = cand.state && (cand.state->flags & index::state_flag::registered);
      if (!registered && !q.all && q.verdicts.empty()) continue;
      if (q.min_level && (!cand.score || cand.score->level < static_cast<std::uint8_t>(*q.min_level))) continue;
      auto v = store.get_verdict(name);
      if (!v) return std::unexpected(v.error());
      ReportRow row{candidate_view(cand, *v), brand, row_flags(cand.state ? cand.state->flags : 0, !cand.ct.empty()), {}};
      if (!q.verdicts.empty()) {
        if (std::find(q.verdicts.begin(), q.verdicts.end(), row.decision()) == q.verdicts.end()) continue;
      } else if (!q.all && *v &&
                 ((*v)->decision == index::Decision::benign || (*v)->decision == index::Decision::owned)) {
        continue;
      }
      rows.push_back(std::move(row));
    }
  }
  rank_rows(rows);
  return rows;
}

}  // namespace lookalike::report
