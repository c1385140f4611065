// `lookalike db stats|check|compact|export|import`: maintenance of the RocksDB store.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "cli/common.hpp"
#include "cli/context.hpp"
#include "index/index.hpp"
#include "index/stats_text.hpp"

namespace lookalike::cli {
namespace {

struct DbArgs {
  std::string format = "jsonl";
  std::string output = "-";
  std::string input = "-";
};

}  // namespace

void add_db_command(CLI::App& app, Context& ctx) {
  auto* db = app.add_subcommand("db", "Inspect and maintain the RocksDB store (--db PATH)");
  db->require_subcommand(1);
  auto args = std::make_shared<DbArgs>();

  db->add_subcommand("stats", "Records per column family and size on disk")->callback([&ctx] {
    auto store = open_store(ctx, false);
    if (!store) return;
    auto st = store->stats();
    if (!st) return fail(ctx, st.error());
    index::write_stats(ctx.out, store->path(), *st);
  });

  db->add_subcommand("check", "Verify checksums, every value and the by-brand index")->callback([&ctx] {
    auto store = open_store(ctx, false);
    if (!store) return;
    auto report = store->check();
    if (!report) return fail(ctx, report.error());
    if (report->ok()) {
      ctx.out << "ok: " << report->records << " records checked; checksums, values and the by-brand index agree\n";
      return;
    }
    for (const auto& p : report->problems) ctx.out << "problem: " << p << "\n";
    ctx.err << "lookalike: store " << store->path() << " failed the check: " << report->problems.size()
            << (report->problems.size() >= 100 ? "+" : "") << " problem(s)\n";
    ctx.exit_code = 1;
  });

  db->add_subcommand("compact", "Compact every column family (drops expired observations)")->callback([&ctx] {
    auto store = open_store(ctx, true, false);
    if (!store) return;
    auto before = store->stats();
    if (auto r = store->compact(); !r) return fail(ctx, r.error());
    auto after = store->stats();
    if (!before || !after) return fail(ctx, !before ? before.error() : after.error());
    ctx.out << "compacted " << store->path() << ": " << index::human_bytes(before->disk_bytes) << " -> "
            << index::human_bytes(after->disk_bytes) << " on disk\n";
  });

  auto* exp = db->add_subcommand("export", "Write everything needed to rebuild the store as JSON lines");
  exp->add_option("--format", args->format, "Output format")->check(CLI::IsMember({"jsonl"}))->capture_default_str();
  exp->add_option("-o,--output", args->output, "Output file ('-' = standard output)")->capture_default_str();
  exp->callback([&ctx, args] {
    auto store = open_store(ctx, false);
    if (!store) return;
    std::ofstream file;
    std::ostream* out = &ctx.out;
    if (args->output != "-") {
      file.open(args->output, std::ios::binary | std::ios::trunc);
      if (!file) throw UsageError{"export: cannot write " + args->output};
      out = &file;
    }
    auto n = store->export_jsonl(*out);
    if (!n) return fail(ctx, n.error());
    if (args->output != "-") ctx.err << "exported " << *n << " records to " << args->output << "\n";
  });

  auto* imp = db->add_subcommand("import", "Read `db export` JSON lines into the store (merging)");
  imp->add_option("file", args->input, "Input file ('-' = standard input)")->capture_default_str();
  imp->callback([&ctx, args] {
    std::ifstream file;
    std::istream* in = &ctx.in;
    if (args->input != "-") {
      file.open(args->input, std::ios::binary);
      if (!file) throw UsageError{"import: cannot read " + args->input};
      in = &file;
    }
    auto store = open_store(ctx, true, true);
    if (!store) return;
    auto r = store->import_jsonl(*in);
    if (!r) return fail(ctx, r.error());
    ctx.out << "imported " << r->lines << " lines: " << r->brands << " brands, " << r->candidates << " candidates, "
            << r->observations << " observations, " << r->ct_states << " CT positions, " << r->feed_states
            << " feed positions, " << r->verdicts
            << " verdicts, " << r->events << " events, " << r->acks << " acknowledgements, " << r->posture_runs
            << " posture runs\n";
  });
}

}  // namespace lookalike::cli
