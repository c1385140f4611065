// The scan pipeline wired by `lookalike scan`: generator -> resolver -> index -> probes ->
// scoring -> ranked rows. Lives in cli because it is where the stages meet.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "cli/report.hpp"
#include "generator/generator.hpp"
#include "index/index.hpp"
#include "resolver/resolver.hpp"
#include "scoring/scoring.hpp"

namespace lookalike::cli {

struct ScanConfig {
  resolver::Config dns;
  scoring::ProbeOptions probe;
  bool probe_enabled = true;
  generator::FuzzerSet fuzzers = generator::kAllFuzzers;
  std::size_t max_per_brand = 0;  // 0: every depth-1 candidate
  bool include_unregistered = false;  // rows for names that do not exist too
  int min_score = 0;
  bool progress = false;  // stderr is a terminal
};

// What one scan saw, for the summary paragraph.
struct ScanSummary {
  std::size_t brands = 0;
  std::size_t candidates = 0;
  std::size_t registered = 0;
  std::size_t mx_live = 0;
  std::size_t web_live = 0;
  std::size_t wildcard = 0;
  std::size_t parked = 0;
  std::size_t new_registered = 0;  // registered now, unknown or unregistered before
  std::size_t changed = 0;         // registered before, with a different state or level now
  std::size_t nxdomain = 0, refused = 0, servfail = 0, timeout = 0, other = 0;
  std::size_t probe_skipped = 0;   // addresses the SSRF guard refused
  std::uint64_t dns_queries = 0;
  double seconds = 0;
};

// Scans `brands` (already in the store) end to end, writing candidates, observations and scores
// to `store`, and returns the ranked rows (registered ones unless include_unregistered, score
// >= min_score). Progress goes to `err` when config.progress.
std::vector<ReportRow> run_scan(index::Store& store, const std::vector<index::Brand>& brands, const ScanConfig& config,
                                std::ostream& err, ScanSummary& summary);

// One paragraph describing `s` for humans.
std::string summary_text(const ScanSummary& s);

// The similarity kind the score uses for a candidate made by `fuzzers` with `edits` edits.
scoring::SimilarityKind similarity_of(generator::FuzzerSet fuzzers, int edits);

}  // namespace lookalike::cli
