#include <algorithm>

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
    return x.score != y.score ? x.score > y.score : x.name < y.name;
  });
}

}  // namespace lookalike::report
