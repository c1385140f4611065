// `lookalike report`: the ranked threat list from the store.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <fstream>
#include <iostream>
#include <set>

#include "cli/common.hpp"
#include "cli/context.hpp"
#include "posture/history.hpp"
#include "report/report.hpp"
#include "domain/domain.hpp"
#include "scoring/scoring.hpp"

namespace lookalike::cli {
namespace {

struct ReportArgs {
  std::vector<std::string> brands;
  int min_score = 0;
  std::string level;
  std::string format = "table";
  std::string output;
  std::string verdicts;  // comma-separated decisions, "none" for unreviewed; empty: no filter
  bool all = false;
};

int run(const ReportArgs& a, Context& ctx) {
  auto format = report::parse_report_format(a.format);
  if (!format) throw UsageError{"--format: " + format.error()};
  std::optional<scoring::Level> min_level;
  if (!a.level.empty()) {
    auto l = scoring::parse_level(a.level);
    if (!l) throw UsageError{"--level: " + l.error()};
    min_level = *l;
  }
  // --verdict LIST keeps rows whose verdict is listed ("none": not reviewed yet). Without it,
  // benign and owned names are hidden unless --all: an analyst already cleared them.
  std::set<std::string> verdicts;
  for (const auto& v : split_list(a.verdicts)) {
    if (v == "none") {
      verdicts.insert("");
      continue;
    }
    auto d = index::parse_decision(v);
    if (!d) throw UsageError{"--verdict: " + d.error() + " or none"};
    verdicts.insert(std::string(index::decision_name(*d)));
  }
  auto store = open_store(ctx, false);
  if (!store) return ctx.exit_code;

  std::vector<std::string> brands;
  for (const auto& in : a.brands) {
    auto n = domain::parse(in);
    if (!n) throw UsageError{"--brand: " + n.error().message()};
    brands.push_back(n->registrable());
  }
  if (brands.empty()) {
    auto all = store->list_brands();
    if (!all) throw std::runtime_error(all.error().message);
    for (const auto& b : *all) brands.push_back(b.domain);
  }

  std::vector<report::ReportRow> rows;
  for (const std::string& brand : brands) {
    std::vector<std::string> names;
    auto visited = store->candidates_by_brand(brand, a.min_score, [&](const index::Ranked& r) {
      names.emplace_back(r.name);
      return true;
    });
    if (!visited) throw std::runtime_error(visited.error().message);
    for (const std::string& name : names) {
      auto c = store->get_candidate(name);
      if (!c) throw std::runtime_error(c.error().message);
      if (!*c) continue;
      const index::Candidate& cand = **c;
      const bool registered = cand.state && (cand.state->flags & index::state_flag::registered);
      if (!registered && !a.all && verdicts.empty()) continue;
      report::ReportRow row;
      row.name = cand.name;
      auto u = domain::to_unicode(cand.name);
      row.unicode = u ? *u : cand.name;
      row.brand = brand;
      if (cand.score) {
        row.score = cand.score->value;
        row.level = std::string(scoring::level_name(static_cast<scoring::Level>(cand.score->level)));
        row.reasons = cand.score->reasons;
        if (min_level && cand.score->level < static_cast<std::uint8_t>(*min_level)) continue;
      } else {
        if (min_level) continue;
        row.level = "unscored";
      }
      row.flags = report::row_flags(cand.state ? cand.state->flags : 0, !cand.ct.empty());
      row.fuzzers = cand.fuzzers;
      if (!cand.ct.empty()) row.fuzzers.emplace_back("ct");
      auto v = store->get_verdict(name);
      if (!v) throw std::runtime_error(v.error().message);
      if (*v) row.verdict = std::string(index::decision_name((*v)->decision));
      if (!verdicts.empty()) {
        if (!verdicts.contains(row.verdict)) continue;
      } else if (!a.all && *v &&
                 ((*v)->decision == index::Decision::benign || (*v)->decision == index::Decision::owned)) {
        continue;
      }
      row.first_seen = cand.first_seen;
      row.last_seen = cand.last_seen;
      rows.push_back(std::move(row));
    }
  }
  report::rank_rows(rows);

  report::RenderOptions ro;
  ro.generated_at = index::now_ms();
  for (const std::string& brand : brands) {
    auto run = posture::latest_run(*store, brand);
    if (!run) throw std::runtime_error(run.error());
    if (*run) ro.posture.push_back(std::move(**run));
  }
  if (a.output.empty()) {
    ro.color = &ctx.out == &std::cout && isatty(STDOUT_FILENO) == 1;
    report::render_report(ctx.out, rows, *format, ro);
    return 0;
  }
  std::ofstream file(a.output, std::ios::binary | std::ios::trunc);
  if (!file) throw UsageError{"--output: cannot write " + a.output};
  report::render_report(file, rows, *format, ro);
  file.flush();
  if (!file) throw UsageError{"--output: write to " + a.output + " failed"};
  return 0;
}

}  // namespace

void add_report_command(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<ReportArgs>();
  auto* sub = app.add_subcommand("report", "Print the ranked threat list from the store");
  sub->add_option("--brand", a->brands, "Only these brands (repeatable; default: all)");
  sub->add_option("--min-score", a->min_score, "Only rows scoring at least N")->capture_default_str();
  sub->add_option("--level", a->level, "Only rows at this level or above (critical, high, medium, low, info)");
  sub->add_option("--format", a->format, "table, jsonl, csv or html")->capture_default_str();
  sub->add_option("--output", a->output, "Write to FILE instead of stdout");
  sub->add_option("--verdict", a->verdicts,
                  "Only rows with these verdicts (malicious, suspicious, benign, parked, owned, none)");
  sub->add_flag("--all", a->all, "Also list candidates that are not registered, and benign or owned ones");
  sub->callback([a, &ctx] { ctx.exit_code = run(*a, ctx); });
}

}  // namespace lookalike::cli
