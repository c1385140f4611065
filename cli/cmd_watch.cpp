// `lookalike watch [--config FILE] [--once]`: the long-running service (see pipeline/watch.hpp).
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <memory>
#include <string>

#include "cli/context.hpp"
#include "pipeline/watch.hpp"
#include "pipeline/watch_config.hpp"
#include "telemetry/log.hpp"

namespace lookalike::cli {
namespace {

std::atomic<bool> g_watch_stop{false};
extern "C" void watch_on_signal(int) { g_watch_stop.store(true); }

struct WatchArgs {
  std::string config;
  bool once = false;
  bool check = false;
  std::string brokers;       // overrides the config's `brokers`
  std::string kafka_config;  // overrides the config's `kafka_config`
};

int run(const WatchArgs& a, Context& ctx) {
  pipeline::WatchConfig config;
  if (!a.config.empty()) {
    auto c = pipeline::load_watch_config(a.config);
    if (!c) throw UsageError{c.error()};
    config = std::move(*c);
  } else {
    // No file: the defaults, following the bundled log list's logs, alerts on stdout.
    config.source = "(defaults)";
  }
  if (!a.brokers.empty()) config.brokers = a.brokers;
  if (!a.kafka_config.empty()) config.kafka_config = a.kafka_config;
  if (a.check) {
    ctx.out << config.source << ": OK (" << config.brands.size() << " brand" << (config.brands.size() == 1 ? "" : "s")
            << ", " << config.sinks.size() << " sink" << (config.sinks.size() == 1 ? "" : "s")
            << (config.brokers.empty() ? "" : ", publishing to " + config.brokers) << ")\n";
    return 0;
  }
  if (auto l = telemetry::init_logging(config.log.level, config.log.json); !l) throw UsageError{"log.level: " + l.error()};
  const std::string db = config.db.empty() ? ctx.db_path : config.db;
  if (!config.retention_days) config.retention_days = ctx.retention_days;
  g_watch_stop = false;
  struct sigaction sa {};
  sa.sa_handler = watch_on_signal;
  sigemptyset(&sa.sa_mask);
  struct sigaction old_int {}, old_term {};
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  const int rc = pipeline::run_watch(config, db, a.once, g_watch_stop);
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  return rc;
}

}  // namespace

void add_watch_command(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<WatchArgs>();
  auto* sub = app.add_subcommand(
      "watch", "Run as a service: follow CT, re-check candidates on a schedule, alert on changes");
  sub->footer(
      "The config (TOML, see contrib/watch.example.toml) names brands, CT logs, DNS servers and rates,\n"
      "probe options, the re-check schedule, alert sinks, metrics and logging; an invalid key or\n"
      "value is reported with its line and column (exit code 2). SIGTERM/SIGINT finish the work in\n"
      "flight and exit 0; alerts are acknowledged only after every sink took them.\n"
      "With --brokers (or `brokers` in the config) the brand table, the generated candidates, the\n"
      "CT names that match a brand and every name of each new feed file are published to the Kafka\n"
      "cluster for `lookalike worker` processes (match, resolve, index) instead of being resolved\n"
      "here; a CT position or a feed file's ledger entry is stored only after the broker acknowledged\n"
      "the names it covers.");
  sub->add_option("--config", a->config, "TOML configuration file");
  sub->add_flag("--once", a->once, "Catch up the logs, refresh what is due, deliver the alerts, then exit");
  sub->add_flag("--check", a->check, "Only validate the configuration");
  sub->add_option("--brokers", a->brokers, "Publish work to this Kafka cluster (HOST:PORT,...) instead of resolving here");
  sub->add_option("--kafka-config", a->kafka_config, "librdkafka properties file for --brokers (TLS, SASL, timeouts)");
  sub->callback([a, &ctx] { ctx.exit_code = run(*a, ctx); });
}

}  // namespace lookalike::cli
