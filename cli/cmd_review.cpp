// `lookalike review`: record an analyst's verdict on one candidate, or walk the queue of the
// highest-scoring unreviewed candidates one screen at a time, deciding with single keys.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/common.hpp"
#include "cli/context.hpp"
#include "report/review.hpp"
#include "report/review_screen.hpp"
#include "domain/domain.hpp"

namespace lookalike::cli {
namespace {

struct ReviewArgs {
  std::string name;
  std::string verdict;
  std::string note;
  bool queue = false;
  std::vector<std::string> brands;
  int min_score = 0;
  bool all = false;
};

std::string normalise_name(std::string_view input) {
  auto n = domain::parse(input);
  if (!n) throw UsageError{"NAME: " + n.error().message()};
  return n->ascii;
}

// ---- commands --------------------------------------------------------------------------------

int set_verdict(const ReviewArgs& a, Context& ctx) {
  auto decision = index::parse_decision(a.verdict);
  if (!decision) throw UsageError{"--verdict: " + decision.error()};
  const std::string name = normalise_name(a.name);
  auto store = open_store(ctx, true, false);
  if (!store) return ctx.exit_code;
  auto c = store->get_candidate(name);
  if (!c) {
    fail(ctx, c.error());
    return 1;
  }
  if (!*c) {
    ctx.err << "lookalike review: " << name << " is not a candidate in " << ctx.db_path
            << " (scan its brand or follow CT first)\n";
    return 1;
  }
  auto previous = store->get_verdict(name);
  if (!previous) {
    fail(ctx, previous.error());
    return 1;
  }
  const index::Verdict v{*decision, a.note, index::now_ms()};
  if (auto r = store->put_verdict(name, v); !r) {
    fail(ctx, r.error());
    return 1;
  }
  ctx.out << name << ": " << index::decision_name(v.decision);
  if (*previous) ctx.out << " (was " << index::decision_name((*previous)->decision) << ")";
  if (!v.note.empty()) ctx.out << ", note \"" << report::screen_text(v.note) << "\"";
  ctx.out << "\n";
  return 0;
}

int run_queue(const ReviewArgs& a, Context& ctx) {
  auto store = open_store(ctx, true, false);
  if (!store) return ctx.exit_code;
  report::ReviewQuery query{{}, a.min_score, a.all};
  for (const auto& b : a.brands) {
    auto n = domain::parse(b);
    if (!n) throw UsageError{"--brand: " + n.error().message()};
    query.brands.push_back(n->registrable());
  }
  auto queue = report::review_queue(*store, query);
  if (!queue) {
    fail(ctx, queue.error());
    return 1;
  }
  if (queue->empty()) {
    ctx.out << "nothing to review: every candidate" << (a.min_score > 0 ? " at or above the score" : "")
            << " has a verdict\n";
    return 0;
  }
  const bool terminal = &ctx.in == &std::cin;
  auto tally = report::run_review(*store, *queue, ctx.in, terminal, ctx.out);
  if (!tally) {
    fail(ctx, tally.error());
    return 1;
  }
  const std::size_t decided = tally->decided, skipped = tally->skipped;
  ctx.out << "\nreviewed " << decided << ", skipped " << skipped << ", left "
          << (queue->size() - decided - skipped) << " of " << queue->size() << "\n";
  return 0;
}

}  // namespace

void add_review_command(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<ReviewArgs>();
  auto* sub = app.add_subcommand("review", "Record a verdict on a candidate, or review the queue of unreviewed ones");
  sub->add_option("NAME", a->name, "The candidate (A-label or U-label)");
  sub->add_option("--verdict", a->verdict, "malicious, suspicious, benign, parked or owned");
  sub->add_option("--note", a->note, "Free text stored with the verdict");
  sub->add_flag("--queue", a->queue, "Walk the highest-scoring unreviewed candidates (keys m s b p o n N q)");
  sub->add_option("--brand", a->brands, "Queue: only these brands (repeatable; default all)");
  sub->add_option("--min-score", a->min_score, "Queue: only candidates scoring at least N")->capture_default_str();
  sub->add_flag("--all", a->all, "Queue: also names that neither resolve nor appeared in CT");
  sub->callback([a, &ctx] {
    if (a->queue) {
      if (!a->name.empty() || !a->verdict.empty()) throw UsageError{"review: --queue takes no NAME or --verdict"};
      ctx.exit_code = run_queue(*a, ctx);
      return;
    }
    if (a->name.empty() || a->verdict.empty()) throw UsageError{"review: give NAME --verdict DECISION, or --queue"};
    ctx.exit_code = set_verdict(*a, ctx);
  });
}

}  // namespace lookalike::cli
