// Test rows for the ranked-list renderers, spelled as the columns read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "report/report.hpp"

namespace lookalike::report {

// A ranked row as the renderers get it: the candidate's view (listed under `brand` only; an
// empty verdict is none, a level "unscored" has no score) plus the row's flags and change.
inline ReportRow row(std::string name, std::string unicode, std::string brand, int score, std::string level,
              std::vector<std::string> flags, std::vector<std::string> reasons, std::vector<std::string> fuzzers,
              std::string verdict, std::int64_t first_seen, std::int64_t last_seen, std::string change) {
  ReportRow r;
  r.name = std::move(name);
  r.unicode = std::move(unicode);
  r.brands = {brand};
  if (level != "unscored") {
    r.score = score;
    r.level = std::move(level);
  }
  r.reasons = std::move(reasons);
  r.fuzzers = std::move(fuzzers);
  if (!verdict.empty()) r.verdict = CandidateVerdict{std::move(verdict), "", 0};
  r.first_seen = first_seen;
  r.last_seen = last_seen;
  r.brand = std::move(brand);
  r.flags = std::move(flags);
  r.change = std::move(change);
  return r;
}

}  // namespace lookalike::report
