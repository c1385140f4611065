// `lookalike resolve`: bulk DNS resolution of a list of names, streamed as JSON lines or CSV.
#include <CLI/CLI.hpp>
#include <charconv>
#include <chrono>
#include <fstream>
#include <istream>
#include <ostream>
#include <string>

#include "cli/context.hpp"
#include "resolver/resolver.hpp"
#include "resolver/result_output.hpp"

namespace lookalike::cli {
namespace {

namespace res = lookalike::resolver;

struct ResolveOptions {
  std::string names_file;
  std::string resolvers;
  std::string types = "A,AAAA,MX,NS,TXT,DMARC";
  std::optional<double> qps;
  std::string concurrency = "auto";
  long timeout_ms = 1500;
  unsigned retries = 3;
  std::string format = "jsonl";
  bool no_wildcards = false;
  bool existence_first = false;
  bool no_0x20 = false;
  std::string backend = "native";
  bool stats = false;
};

void run_resolve(const ResolveOptions& o, Context& ctx) {
  res::Config config;
  if (!o.resolvers.empty()) {
    auto ups = res::parse_upstreams(o.resolvers);
    if (!ups) throw UsageError{"--resolvers: " + ups.error()};
    config.upstreams = std::move(*ups);
  }
  config.types.clear();
  std::string_view rest = o.types;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const auto item = rest.substr(0, comma);
    auto t = res::parse_record_type(item);
    if (!t) throw UsageError{"--types: unknown record type '" + std::string(item) + "' (A,AAAA,MX,NS,TXT,DMARC)"};
    config.types.push_back(*t);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
  if (config.types.empty()) throw UsageError{"--types: no record type given"};
  if (o.qps) {
    if (*o.qps <= 0) throw UsageError{"--qps must be positive"};
    config.qps = o.qps;
  }
  if (o.concurrency != "auto") {
    unsigned n = 0;
    const auto [p, ec] = std::from_chars(o.concurrency.data(), o.concurrency.data() + o.concurrency.size(), n);
    if (ec != std::errc{} || p != o.concurrency.data() + o.concurrency.size() || n == 0 || n > 100000) {
      throw UsageError{"--concurrency must be 'auto' or a number from 1 to 100000"};
    }
    config.concurrency = n;
  }
  if (o.timeout_ms <= 0) throw UsageError{"--timeout must be a positive number of milliseconds"};
  config.timeout = std::chrono::milliseconds(o.timeout_ms);
  config.retries = o.retries;
  config.detect_wildcards = !o.no_wildcards;
  config.existence_first = o.existence_first;
  if (o.no_0x20) config.case_randomization = res::CaseRandomization::never;
  config.backend = o.backend == "c-ares" ? res::Backend::c_ares : res::Backend::native;

  std::ifstream file;
  std::istream* in = &ctx.in;
  if (!o.names_file.empty() && o.names_file != "-") {
    file.open(o.names_file);
    if (!file) throw UsageError{"cannot read names file '" + o.names_file + "'"};
    in = &file;
  }

  res::Resolver resolver(config);  // std::invalid_argument: a config error, reported by cli.cpp
  std::string line;
  std::string why;
  res::NameSource next = [&]() -> std::optional<std::string> {
    while (std::getline(*in, line)) {
      if (auto n = res::input_name(line, why)) return n;
    }
    return std::nullopt;
  };
  std::string buf;
  if (o.format == "csv") buf = "name,type,outcome,records,cname,wildcard,error\n";
  std::uint64_t done = 0;
  auto last_progress = std::chrono::steady_clock::now();
  const auto started = last_progress;
  res::ResultSink sink = [&](res::NameResult&& r) {
    if (o.format == "csv") {
      res::append_result_csv(buf, r);
    } else {
      res::append_result_jsonl(buf, r);
    }
    // Flush in blocks: one write per result would dominate at 100k names/s.
    if (buf.size() > 64 * 1024) {
      ctx.out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
      ctx.out.flush();
      buf.clear();
    }
    ++done;
    if (ctx.err_is_tty && (done & 0xFF) == 0) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_progress > std::chrono::milliseconds(500)) {
        last_progress = now;
        ctx.err << "\rresolved " << done << " names" << std::flush;
      }
    }
  };
  const res::Stats stats = resolver.resolve(next, sink);
  ctx.out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
  ctx.out.flush();
  if (ctx.err_is_tty) ctx.err << "\r";
  if (stats.outage) {
    // Every resolver is dead: the names not printed were not resolved. Exit code 3 (README).
    ctx.err << "lookalike: resolve: " << *stats.outage << "\n";
    ctx.exit_code = 3;
  }
  if (o.stats) {
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    ctx.err << res::stats_json(stats, secs) << "\n";
  }
}

}  // namespace

void add_resolve_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<ResolveOptions>();
  CLI::App* cmd = app.add_subcommand("resolve", "Resolve names (file or stdin) and stream one result per name");
  cmd->add_option("NAMES_FILE", opts->names_file, "File with one name per line (default: stdin)");
  cmd->add_option("--resolvers", opts->resolvers,
                  "IP[:PORT],... or a file with one per line (default: the system's resolvers, at --qps 300)");
  cmd->add_option("--types", opts->types, "Record types: A,AAAA,MX,NS,TXT,DMARC (DMARC = TXT at _dmarc.<name>)")
      ->capture_default_str();
  cmd->add_option("--qps", opts->qps, "Queries per second cap (default: none with --resolvers)");
  cmd->add_option("--concurrency", opts->concurrency, "Queries in flight: auto (adaptive window) or N")
      ->capture_default_str();
  cmd->add_option("--timeout", opts->timeout_ms, "Timeout per attempt in milliseconds")->capture_default_str();
  cmd->add_option("--retries", opts->retries, "Extra attempts after SERVFAIL/timeout, on another resolver")
      ->capture_default_str();
  cmd->add_option("--format", opts->format, "Output format")->check(CLI::IsMember({"jsonl", "csv"}))->capture_default_str();
  cmd->add_option("--backend", opts->backend, "Network engine: native (batched UDP) or c-ares")
      ->check(CLI::IsMember({"native", "c-ares"}))
      ->capture_default_str();
  cmd->add_flag("--no-wildcard-check", opts->no_wildcards, "Do not probe random labels under each parent");
  cmd->add_flag("--existence-first", opts->existence_first,
                "Ask A first and the other types only for names that are not NXDOMAIN (RFC 8020)");
  cmd->add_flag("--no-0x20", opts->no_0x20,
                "Send question names in their own case: for resolvers that do not echo 0x20 case randomisation");
  cmd->add_flag("--stats", opts->stats, "Print a JSON line of counters (queries/s, retries, window) to stderr");
  cmd->callback([opts, &ctx] { run_resolve(*opts, ctx); });
}

}  // namespace lookalike::cli
