// `lookalike report`: the ranked threat list from the store.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "cli/common.hpp"
#include "cli/context.hpp"
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
  report::RowQuery query{{}, a.min_score, std::nullopt, {}, a.all};
  if (!a.level.empty()) {
    auto l = scoring::parse_level(a.level);
    if (!l) throw UsageError{"--level: " + l.error()};
    query.min_level = *l;
  }
  // --verdict LIST keeps rows whose verdict is listed ("none": not reviewed yet). Without it,
  // benign and owned names are hidden unless --all: an analyst already cleared them.
  for (const auto& v : split_list(a.verdicts)) {
    if (v == "none") {
      query.verdicts.emplace_back();
      continue;
    }
    auto d = index::parse_decision(v);
    if (!d) throw UsageError{"--verdict: " + d.error() + " or none"};
    query.verdicts.emplace_back(index::decision_name(*d));
  }
  for (const auto& in : a.brands) {
    auto n = domain::parse(in);
    if (!n) throw UsageError{"--brand: " + n.error().message()};
    query.brands.push_back(n->registrable());
  }
  auto store = open_store(ctx, false);
  if (!store) return ctx.exit_code;
  auto rows = report::stored_rows(*store, query);
  if (!rows) throw std::runtime_error(rows.error().message);

  report::RenderOptions ro;
  ro.generated_at = index::now_ms();
  if (a.output.empty()) {
    ro.color = &ctx.out == &std::cout && isatty(STDOUT_FILENO) == 1;
    report::render_report(ctx.out, *rows, *format, ro);
    return 0;
  }
  std::ofstream file(a.output, std::ios::binary | std::ios::trunc);
  if (!file) throw UsageError{"--output: cannot write " + a.output};
  report::render_report(file, *rows, *format, ro);
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
