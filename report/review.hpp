// The review queue of `lookalike review --queue`: which candidates wait for a verdict, and the
// loop that shows each one's screen and records the analyst's single-key decision.
#pragma once

#include <cstddef>
#include <expected>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "index/index.hpp"

namespace lookalike::report {

struct ReviewQuery {
  std::vector<std::string> brands;  // registrable domains; empty: every stored brand
  int min_score = 0;
  bool all = false;  // also names that neither resolve nor appeared in CT
};

// The unreviewed candidates `query` selects, highest score first (unscored last), each once.
[[nodiscard]] std::expected<std::vector<std::string>, index::Error> review_queue(const index::Store& store,
                                                                               const ReviewQuery& query);

struct ReviewTally {
  std::size_t decided = 0;
  std::size_t skipped = 0;
};

// Shows each name of `queue` and reads keys (m s b p o: verdict, n: next, N: note, q: quit) from
// `in`; `terminal`: `in` is the process's terminal, read key by key without Enter (restored on
// every exit and on SIGINT/SIGTERM/SIGHUP/SIGQUIT). Verdicts are stored as they are given.
[[nodiscard]] std::expected<ReviewTally, index::Error> run_review(index::Store& store,
                                                                  const std::vector<std::string>& queue,
                                                                  std::istream& in, bool terminal, std::ostream& out);

}  // namespace lookalike::report
