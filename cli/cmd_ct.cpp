// `lookalike ct follow|logs`: follow Certificate Transparency logs, match every certificate name
// against the store's brands, and keep matches and per-log positions in the index (one atomic
// commit per verified prefix, so kill -9 and a restart continue with no gap and no duplicate, and
// nothing from a range the signed head does not cover is stored or printed).
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "cli/common.hpp"
#include "cli/context.hpp"
#include "ctlog/ctlog.hpp"
#include "generator/matcher.hpp"
#include "index/index.hpp"
#include "pipeline/ct_store.hpp"
#include "pipeline/log_list.hpp"

namespace lookalike::cli {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void ct_on_signal(int) { g_stop.store(true); }

// The log list from a file or an http(s) URL; with no --logs, the published list, falling back to
// the snapshot compiled into the program when offline.
ctlog::LogList load_log_list(Context& ctx, const std::string& source) {
  auto loaded = pipeline::load_log_list({source, /*fetch_published=*/true, {}});
  if (!loaded) throw UsageError{loaded.error()};
  if (!loaded->warning.empty()) ctx.err << "lookalike ct: " << loaded->warning << "\n";
  return std::move(loaded->list);
}

std::vector<ctlog::LogInfo> select_logs(const ctlog::LogList& list, const std::vector<std::string>& names, bool all_states) {
  auto logs = pipeline::select_logs(list, names, all_states);
  if (!logs) throw UsageError{logs.error() + " (see lookalike ct logs)"};
  return std::move(*logs);
}

struct FollowArgs {
  std::string logs;
  std::vector<std::string> names;
  std::string from = "start";
  bool once = false;
  bool all_states = false;
  unsigned parallel = 4;
  std::uint64_t batch = 1024;
  unsigned poll_seconds = 10;
  std::uint64_t verify_every = 65536;
  bool quiet = false;
};

void run_follow(Context& ctx, const FollowArgs& a) {
  ctlog::FollowOptions opts;
  opts.once = a.once;
  opts.parallel = a.parallel;
  opts.batch = a.batch;
  opts.poll = std::chrono::seconds(a.poll_seconds);
  opts.verify_every = a.verify_every;
  if (auto ok = pipeline::parse_start(a.from, opts); !ok) throw UsageError{ok.error()};
  const auto list = load_log_list(ctx, a.logs);
  const auto logs = select_logs(list, a.names, a.all_states);
  if (logs.empty()) throw UsageError{"no logs to follow"};

  auto store = index::Store::open(ctx.db_path, store_options(ctx));
  if (!store) {
    ctx.err << "lookalike: " << store.error().message << "\n";
    ctx.exit_code = 1;
    return;
  }
  auto brands = store->list_brands();
  if (!brands) {
    ctx.err << "lookalike: " << brands.error().message << "\n";
    ctx.exit_code = 1;
    return;
  }
  std::vector<generator::BrandSpec> specs;
  for (const auto& b : *brands) specs.push_back(generator::BrandSpec{b.domain, b.keywords, b.owned});
  if (specs.empty()) ctx.err << "lookalike ct: no brands in the store (add some with `lookalike brand add`); following without matching\n";
  auto matcher = generator::Matcher::build(specs);
  if (!matcher) throw UsageError{"brand " + specs[matcher.error().index].domain + ": " + matcher.error().message};

  std::mutex out_mu;
  const generator::Matcher& m = *matcher;
  const ctlog::NameMatcher match = pipeline::ct_name_matcher(m);
  const std::string evidence_dir = ctx.db_path + "/ct-evidence";
  opts.on_alert = [&](const ctlog::Alert& al) {
    std::lock_guard lock(out_mu);
    ctx.err << "lookalike ct: ALERT " << al.log << ": " << al.kind << ": " << al.detail << "\n";
    pipeline::write_alert_evidence(evidence_dir, al);
  };
  opts.on_malformed = [&](std::string_view log, std::uint64_t index, const ctlog::Error& e) {
    if (a.quiet) return;
    std::lock_guard lock(out_mu);
    ctx.err << "lookalike ct: " << log << " entry " << index << " skipped: " << e.what << "\n";
  };

  // Matches are printed as they are committed: output follows durability.
  pipeline::PrintingStateStore printing(*store, ctx.out, out_mu);

  std::signal(SIGINT, ct_on_signal);
  std::signal(SIGTERM, ct_on_signal);
  opts.stop = &g_stop;

  std::vector<ctlog::FollowResult> results(logs.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < logs.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = ctlog::follow_log(logs[i], printing, match, opts); });
  }
  for (auto& t : threads) t.join();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);

  for (std::size_t i = 0; i < logs.size(); ++i) {
    const auto& r = results[i];
    ctx.err << "lookalike ct: " << logs[i].short_name() << ": " << r.entries << " entries, " << r.hits << " matches; at "
            << r.state.next_index << " of " << r.state.head_size << ", verified " << r.state.verified_size;
    if (r.error) {
      ctx.err << "; error: " << r.error->what;
      ctx.exit_code = 1;
    }
    ctx.err << "\n";
  }
}

void run_logs(Context& ctx, const std::string& source, bool all_states) {
  const auto list = load_log_list(ctx, source);
  std::optional<index::Store> store;
  index::Options o = store_options(ctx);
  o.read_only = true;
  o.create_if_missing = false;
  if (auto s = index::Store::open(ctx.db_path, o)) store.emplace(std::move(*s));
  pipeline::IndexStateStore* states = nullptr;
  std::optional<pipeline::IndexStateStore> holder;
  if (store) states = &holder.emplace(*store);
  ctx.out << "# log list " << list.version << " (" << list.timestamp << ")\n";
  ctx.out << "name\tapi\tstate\tposition\tverified\thead\tlag\tlast_error\tflags\n";
  for (const auto& l : list.logs) {
    if (!all_states && !l.followed_by_default()) continue;
    std::optional<ctlog::FollowState> st;
    std::string err;
    if (states != nullptr) {
      if (auto s = states->load(l.log_id_b64)) st = *s;
      else err = s.error().what;
    }
    ctx.out << l.short_name() << '\t' << l.api << '\t' << l.state << '\t';
    if (st) {
      const std::uint64_t lag = st->head_size > st->next_index ? st->head_size - st->next_index : 0;
      ctx.out << st->next_index << '\t' << st->verified_size << '\t' << st->head_size << '\t' << lag << '\t'
              << (st->last_error.empty() ? "-" : st->last_error);
      // The last head as judged when it was fetched (see ctlog::head_health).
      const ctlog::HeadHealth h = ctlog::head_health(*st, l.mmd);
      ctx.out << '\t' << (h.future ? "head-in-future" : h.stale ? "head-stale" : "-");
    } else {
      ctx.out << "-\t-\t-\t-\t" << (err.empty() ? "never followed" : err) << "\t-";
    }
    ctx.out << '\n';
  }
}

}  // namespace

void add_ct_command(CLI::App& app, Context& ctx) {
  CLI::App* ct = app.add_subcommand("ct", "Follow Certificate Transparency logs and match certificate names to brands");
  ct->require_subcommand(1);

  auto fa = std::make_shared<FollowArgs>();
  CLI::App* follow = ct->add_subcommand("follow", "Follow logs (RFC 6962 and static-ct-api), verify them, store matches");
  follow->add_option("--logs", fa->logs, "Log list v3: FILE, URL or `bundled` (default: the published list, else the bundled snapshot)");
  follow->add_option("--log", fa->names, "Follow only this log (short name, description, log ID or URL); repeatable");
  follow->add_option("--from", fa->from, "Where a log never followed starts: start (default), end, or an entry index");
  follow->add_flag("--once", fa->once, "Catch up to the current signed head of each log, then exit");
  follow->add_flag("--all-states", fa->all_states, "Also follow pending, retired and rejected logs");
  follow->add_option("--parallel", fa->parallel, "Requests in flight per log (default 4)")->check(CLI::Range(1, 64));
  follow->add_option("--batch", fa->batch, "First get-entries size; the log's cap is learnt (default 1024)")
      ->check(CLI::Range(1, 100000));
  follow->add_option("--poll", fa->poll_seconds, "Seconds between signed-head polls when caught up (default 10)");
  follow->add_option("--verify-every", fa->verify_every,
                     "Entries fetched before they are verified against the signed head and their matches stored "
                     "(default 65536)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  follow->add_flag("--quiet", fa->quiet, "Do not report malformed entries one by one");
  follow->callback([&ctx, fa] { run_follow(ctx, *fa); });

  auto logs_source = std::make_shared<std::string>();
  auto logs_all = std::make_shared<bool>(false);
  CLI::App* logs = ct->add_subcommand("logs", "List logs with their state, position, head, lag and last error");
  logs->add_option("--logs", *logs_source, "Log list v3: FILE, URL or `bundled` (default: the published list, else the bundled snapshot)");
  logs->add_flag("--all-states", *logs_all, "Also list pending, retired and rejected logs");
  logs->callback([&ctx, logs_source, logs_all] { run_logs(ctx, *logs_source, *logs_all); });
}

}  // namespace lookalike::cli
