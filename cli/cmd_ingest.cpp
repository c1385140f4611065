// `lookalike ingest FILE...`: zone files and domain feeds matched against the store's brands,
// with day-over-day registrations (the work is in ingest/; this file parses options and prints).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "cli/common.hpp"
#include "cli/context.hpp"
#include "generator/matcher.hpp"
#include "index/index.hpp"
#include "ingest/ingest.hpp"
#include "pipeline/publish.hpp"

namespace lookalike::cli {
namespace {

struct IngestArgs {
  std::vector<std::string> files;
  std::string format = "auto";
  std::string source;
  std::string date;
  bool strict = false;
  bool stats = false;
  bool all = false;
  std::string dir;
  std::string brokers;  // publish the names for the cluster's match workers instead
  std::string kafka_config;
};

constexpr std::size_t kMalformedShown = 10;  // per file; the rest are counted

std::string grouped(std::uint64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

void run_stats(Context& ctx) {
  auto store = open_store(ctx, false);
  if (!store) return;
  auto states = ingest::source_states(*store);
  if (!states) throw UsageError{states.error()};
  ctx.out << "source\tlast_date\tnames\tlookalikes\tadded\tremoved\tfiles\n";
  for (const auto& s : *states) {
    ctx.out << s.source << '\t' << s.date << '\t' << s.names << '\t' << s.matches << '\t' << s.added << '\t'
            << s.removed << '\t' << s.files << '\n';
  }
}

// Ingests one file and prints its changes (stdout) and summary (stderr); false when it failed.
bool ingest_one(Context& ctx, const generator::Matcher& matcher, index::Store& store,
                const ingest::IngestOptions& options, const std::string& file, bool all) {
  std::size_t shown = 0;
  const auto on_malformed = [&](const ingest::ParseError& e) {
    if (shown++ < kMalformedShown) ctx.err << "lookalike ingest: " << e.message() << " (skipped)\n";
  };
  const auto start = std::chrono::steady_clock::now();
  auto r = ingest::ingest_file(file, matcher, store, options, on_malformed);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!r) {
    ctx.err << "lookalike ingest: " << r.error().message() << " (nothing of this file was committed)\n";
    ctx.exit_code = 1;
    return false;
  }
  std::uint64_t counts[4] = {};
  for (const auto& m : r->matches) {
    ++counts[static_cast<int>(m.change)];
    if (m.change == ingest::Change::seen && !all) continue;
    ctx.out << ingest::change_name(m.change) << '\t' << m.name << '\t' << (m.brand.empty() ? "-" : m.brand) << '\t'
            << (m.rule.empty() ? "-" : m.rule) << '\t' << m.distance << '\t' << r->source << '@' << r->date << '\n';
  }
  ctx.out.flush();
  char rate[64];
  std::snprintf(rate, sizeof rate, "%.2f s, %.2fM lines/s", secs,
                secs > 0 ? static_cast<double>(r->read.lines) / secs / 1e6 : 0.0);
  ctx.err << "lookalike ingest: " << file << ": " << r->source << '@' << r->date << ": " << grouped(r->read.lines)
          << " lines, " << grouped(r->names) << " names";
  if (r->previous_date.empty()) {
    ctx.err << " (first file of this source)";
  } else {
    ctx.err << " (+" << grouped(r->added) << " -" << grouped(r->removed) << " since " << r->previous_date << ")";
  }
  ctx.err << "; " << grouped(r->matches.size() - counts[static_cast<int>(ingest::Change::deleted)]) << " look-alikes ("
          << counts[static_cast<int>(ingest::Change::new_candidate)] << " new, "
          << counts[static_cast<int>(ingest::Change::registered)] << " registered, "
          << counts[static_cast<int>(ingest::Change::deleted)] << " deleted); " << grouped(r->read.malformed)
          << " malformed lines skipped; " << rate << "\n";
  if (r->resumed > 0) {
    ctx.err << "lookalike ingest: " << file << ": resumed an interrupted ingest after its first "
            << grouped(r->resumed) << " look-alikes (committed then, not listed above)\n";
  }
  if (!r->note.empty()) ctx.err << "lookalike ingest: " << file << ": " << r->note << "\n";
  return true;
}

// Runs `one` on each input: the files given, or the files of --dir not taken before, oldest first,
// each with its date and recorded in the directory's ledger with its outcome (`one`'s result).
void each_input(Context& ctx, const IngestArgs& a, ingest::IngestOptions& options,
                const std::function<bool(const std::string& file)>& one) {
  if (a.dir.empty()) {
    for (const auto& file : a.files) (void)one(file);
    return;
  }
  const std::string ledger = ingest::feed_ledger_path(options.state_dir, a.dir);
  auto pending = ingest::pending_feed_files(a.dir, ledger);
  if (!pending) throw UsageError{pending.error()};
  if (pending->empty()) ctx.err << "lookalike ingest: " << a.dir << ": no new files\n";
  for (const auto& f : *pending) {
    options.date = f.date;
    const bool ok = one(f.path);
    if (auto m = ingest::mark_feed_file(ledger, f, ok); !m) throw UsageError{m.error()};
  }
}

// --brokers: every registrable name of each file goes to topic `names` (pipeline/publish); the
// match workers match them against the brand table. No store is opened; --dir keeps its ledger.
void publish(Context& ctx, const IngestArgs& a, ingest::IngestOptions options) {
  auto queue = pipeline::publish_queue_config(a.brokers, a.kafka_config);
  if (!queue) throw UsageError{"--brokers: " + queue.error()};
  queue->client_id = "lookalike-ingest";
  auto publisher = pipeline::WorkPublisher::open(*queue, queue::Topics{});
  if (!publisher) {
    ctx.err << "lookalike ingest: cannot open the Kafka producer: " << publisher.error() << "\n";
    ctx.exit_code = 1;
    return;
  }
  auto one = [&](const std::string& file) {
    std::size_t shown = 0;
    const auto on_malformed = [&](const ingest::ParseError& e) {
      if (shown++ < kMalformedShown) ctx.err << "lookalike ingest: " << e.message() << " (skipped)\n";
    };
    auto r = pipeline::publish_feed_file(**publisher, file, options, on_malformed);
    if (!r) {
      ctx.err << "lookalike ingest: " << r.error().message << "\n";
      ctx.exit_code = 1;
      return false;
    }
    ctx.err << "lookalike ingest: " << file << ": " << r->source << '@' << r->date << ": " << grouped(r->read.lines)
            << " lines, " << grouped(r->published) << " names published to " << (*publisher)->topics().names << "; "
            << grouped(r->read.malformed) << " malformed lines skipped\n";
    return true;
  };
  each_input(ctx, a, options, one);
}

void run_ingest(Context& ctx, const IngestArgs& a) {
  if (a.stats) {
    if (!a.files.empty()) throw UsageError{"--stats takes no files"};
    run_stats(ctx);
    return;
  }
  if (!a.dir.empty() && (!a.files.empty() || !a.date.empty())) {
    throw UsageError{"--dir takes no files and no --date (each file's date comes from its name or time)"};
  }
  if (a.files.empty() && a.dir.empty()) throw UsageError{"ingest: give FILE..., - for standard input, or --dir DIR"};
  ingest::IngestOptions options;
  auto format = ingest::parse_format(a.format);
  if (!format) throw UsageError{"--format: " + format.error()};
  options.format = *format;
  options.source = a.source;
  options.date = a.date;
  options.strict = a.strict;
  if (!a.date.empty() && !ingest::valid_date(a.date))
    throw UsageError{"--date: expected YYYY-MM-DD, got \"" + a.date + "\""};
  options.state_dir = ctx.db_path + "/ingest";
  if (!a.brokers.empty()) return publish(ctx, a, options);

  auto store = open_store(ctx, true);
  if (!store) return;
  auto brands = store->list_brands();
  if (!brands) return fail(ctx, brands.error());
  std::vector<generator::BrandSpec> specs;
  for (const auto& b : *brands) specs.push_back(generator::BrandSpec{b.domain, b.keywords, b.owned});
  if (specs.empty()) throw UsageError{"no brands in the store (add some with `lookalike brand add`)"};
  auto matcher = generator::Matcher::build(specs);
  if (!matcher) throw UsageError{"brand " + specs[matcher.error().index].domain + ": " + matcher.error().message};

  each_input(ctx, a, options,
             [&](const std::string& file) { return ingest_one(ctx, *matcher, *store, options, file, a.all); });
}

}  // namespace

void add_ingest_command(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<IngestArgs>();
  CLI::App* cmd = app.add_subcommand("ingest",
                                     "Match zone files (CZDS, dig AXFR) and domain feeds against the brands; store "
                                     "look-alikes and day-over-day registrations");
  cmd->add_option("files", args->files, "Zone or list files, gzip or plain; - for standard input");
  cmd->add_option("--format", args->format, "auto (default), zone or list")
      ->check(CLI::IsMember({"auto", "zone", "list"}));
  cmd->add_option(
      "--source", args->source,
      "Zone: the zone expected (default: the file's SOA/$ORIGIN); list: the feed's name (default: file name)");
  cmd->add_option("--date", args->date, "Date of the data, YYYY-MM-DD (default: today, UTC)");
  cmd->add_flag("--strict", args->strict, "Fail a file at its first malformed line (default: count and skip)");
  cmd->add_flag("--all", args->all, "Also print look-alikes that did not change");
  cmd->add_option("--dir", args->dir,
                  "Ingest every file of this feed directory not ingested before, oldest first (date from the "
                  "file name, else its time)");
  cmd->add_flag("--stats", args->stats, "Print each source's last date and counts, then exit");
  cmd->add_option("--brokers", args->brokers,
                  "Publish every name to this Kafka cluster (HOST:PORT,...) for its match workers instead of "
                  "matching here");
  cmd->add_option("--kafka-config", args->kafka_config, "With --brokers: librdkafka properties file (TLS, SASL, timeouts)");
  cmd->callback([&ctx, args] { run_ingest(ctx, *args); });
}

}  // namespace lookalike::cli
