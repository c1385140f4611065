// `lookalike db stats|check|compact|export|import`: maintenance of the RocksDB store.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "cli/common.hpp"
#include "cli/context.hpp"
#include "index/index.hpp"

namespace lookalike::cli {
namespace {

std::string human_bytes(std::uint64_t b) {
  static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  std::ostringstream s;
  if (u == 0) {
    s << b << " B";
  } else {
    s << std::fixed << std::setprecision(1) << v << ' ' << units[u];
  }
  return s.str();
}

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
    ctx.out << "store " << store->path() << " (schema " << st->schema_version << ")\n";
    ctx.out << std::left << std::setw(14) << "family" << std::right << std::setw(12) << "records" << std::setw(14)
            << "logical" << std::setw(14) << "sst files" << "\n";
    for (const auto& f : st->families) {
      ctx.out << std::left << std::setw(14) << f.name << std::right << std::setw(12) << f.keys << std::setw(14)
              << human_bytes(f.logical_bytes) << std::setw(14) << human_bytes(f.sst_bytes) << "\n";
    }
    ctx.out << "on disk: " << human_bytes(st->disk_bytes) << " (" << st->disk_bytes << " bytes)\n";
    ctx.out << "last event: " << st->last_event_seq << "\n";
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
    ctx.out << "compacted " << store->path() << ": " << human_bytes(before->disk_bytes) << " -> "
            << human_bytes(after->disk_bytes) << " on disk\n";
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
            << " verdicts, " << r->events << " events, " << r->acks << " acknowledgements\n";
  });
}

}  // namespace lookalike::cli
