// `lookalike scan`: generate, resolve, store, probe, score and print the ranked list; with
// --brokers, publish the brand table and the candidates to the Kafka cluster instead (pipeline/publish).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <optional>
#include <vector>

#include "cli/common.hpp"
#include "cli/context.hpp"
#include "pipeline/publish.hpp"
#include "pipeline/scan.hpp"
#include "report/report.hpp"

namespace lookalike::cli {
namespace {

struct ScanArgs {
  std::vector<std::string> brands;
  std::string resolvers;
  double qps = 0;
  unsigned concurrency = 0;
  int timeout_ms = 1500;
  unsigned retries = 3;
  std::string fuzzers = "all";
  std::size_t max = 0;
  std::size_t budget = generator::kDefaultBudget;
  bool all_types = false;  // ask every record type of every name (no existence question first)
  bool no_probe = false;
  bool allow_private = false;
  bool mx_check = false;
  int probe_timeout_ms = 5000;
  std::uint16_t smtp_port = 25, http_port = 80, https_port = 443;
  std::string ca_file;
  std::string format = "table";
  std::string output;
  int min_score = 0;
  bool all = false;
  std::string brokers;       // publish to this Kafka cluster instead of scanning in-process
  std::string kafka_config;  // librdkafka properties file
};

// Which candidates each brand gets: the same for the in-process scan and --brokers.
void set_generation(const ScanArgs& a, pipeline::ScanConfig& config) {
  auto fz = generator::parse_fuzzers(a.fuzzers);
  if (!fz) throw UsageError{"--fuzzers: " + fz.error()};
  config.fuzzers = *fz;
  config.budget = a.budget;
  config.max_per_brand = a.max;
}

// The brands to scan (pipeline::scan_brands) from the opened store; nullopt when it would not open.
std::optional<std::vector<index::Brand>> brands_to_scan(const ScanArgs& a, Context& ctx, std::optional<index::Store>& store) {
  store = open_store(ctx, true);
  if (!store) return std::nullopt;
  auto brands = pipeline::scan_brands(*store, a.brands);
  if (!brands) throw UsageError{brands.error()};
  return std::move(*brands);
}

// scan --brokers: the same brands and ranked candidates, published for resolve/index workers.
int publish(const ScanArgs& a, Context& ctx) {
  auto queue = pipeline::publish_queue_config(a.brokers, a.kafka_config);
  if (!queue) throw UsageError{"--brokers: " + queue.error()};
  pipeline::ScanConfig config;
  set_generation(a, config);
  std::optional<index::Store> store;
  const auto brands = brands_to_scan(a, ctx, store);
  if (!brands) return ctx.exit_code;
  const auto summary = pipeline::publish_scan(*brands, config, *queue, queue::Topics{});
  if (!summary) throw std::runtime_error("scan: " + summary.error());
  ctx.out << pipeline::publish_summary_text(*summary);
  ctx.out << "results: index workers' stores (lookalike --db DIR worker --role index), alerts with lookalike kafka-read --topic alerts\n";
  return 0;
}

int run(const ScanArgs& a, Context& ctx) {
  if (!a.brokers.empty()) return publish(a, ctx);
  auto format = report::parse_report_format(a.format);
  if (!format) throw UsageError{"--format: " + format.error()};
  pipeline::ScanConfig config;
  if (!a.resolvers.empty()) {
    auto ups = resolver::parse_upstreams(a.resolvers);
    if (!ups) throw UsageError{"--resolvers: " + ups.error()};
    config.dns.upstreams = std::move(*ups);
  } else {
    auto ups = resolver::system_upstreams();
    if (!ups) throw UsageError{"no --resolvers given and " + ups.error()};
    config.dns.upstreams = std::move(*ups);
    // Public resolvers ban abusers: a polite rate unless the user raises it.
    if (a.qps <= 0) config.dns.qps = 300;
  }
  if (a.qps > 0) config.dns.qps = a.qps;
  config.dns.concurrency = a.concurrency;
  config.dns.timeout = std::chrono::milliseconds(a.timeout_ms);
  config.dns.retries = a.retries;
  // One question per name first; the other types only for names that are not NXDOMAIN.
  config.dns.existence_first = !a.all_types;
  set_generation(a, config);
  config.probe_enabled = !a.no_probe;
  config.probe.allow_private = a.allow_private;
  config.probe.mx_check = a.mx_check;
  config.probe.step_timeout = std::chrono::milliseconds(a.probe_timeout_ms);
  config.probe.session_timeout = std::chrono::milliseconds(a.probe_timeout_ms * 4);
  config.probe.smtp_port = a.smtp_port;
  config.probe.http_port = a.http_port;
  config.probe.https_port = a.https_port;
  config.probe.ca_file = a.ca_file;
  // Redirects to other hosts are followed through the scan's own resolvers.
  config.probe.resolve = scoring::dns_resolve_hook(a.resolvers, std::chrono::milliseconds(a.timeout_ms));
  config.include_unregistered = a.all;
  config.min_score = a.min_score;
  config.progress = ctx.err_is_tty;

  std::optional<index::Store> store;
  const auto brands = brands_to_scan(a, ctx, store);
  if (!brands) return ctx.exit_code;
  pipeline::ScanSummary summary;
  const auto rows = pipeline::run_scan(*store, *brands, config, ctx.err, summary);
  if (summary.outage) {
    // Names still in flight were never answered: no list (it would be partial) and nothing of
    // the brand being resolved was stored. Exit code 3 (README), as `lookalike resolve`.
    ctx.err << "lookalike: scan: stopped, " << *summary.outage << "\n";
    return 3;
  }

  report::RenderOptions ro;
  ro.generated_at = index::now_ms();
  std::ofstream file;
  std::ostream* out = &ctx.out;
  if (!a.output.empty()) {
    file.open(a.output, std::ios::binary | std::ios::trunc);
    if (!file) throw UsageError{"--output: cannot write " + a.output};
    out = &file;
  } else {
    ro.color = &ctx.out == &std::cout && isatty(STDOUT_FILENO) == 1;
  }
  report::render_report(*out, rows, *format, ro);
  out->flush();
  // The summary joins the table on stdout; machine formats keep stdout clean.
  std::ostream& s = (*format == report::ReportFormat::table && a.output.empty()) ? ctx.out : ctx.err;
  s << "\n" << pipeline::summary_text(summary) << "\n";
  return 0;
}

}  // namespace

void add_scan_command(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<ScanArgs>();
  auto* sub = app.add_subcommand("scan", "Generate, resolve, probe and score look-alikes of brands; print the ranked list");
  sub->footer(
      "Without --resolvers, the system's resolvers are used at a polite --qps 300.\n"
      "Each brand gets its --budget most likely look-alikes (default " + std::to_string(generator::kDefaultBudget) +
      ": about 10,700 queries, 36 s at 300 q/s),\n"
      "asking one question per name first (--all-types: every type of every name, ~6x the queries).\n"
      "--budget 0 scans every depth-1 candidate in generation order (the unranked generator).\n"
      "If every resolver stops answering, the scan stops with exit code 3 and stores nothing of that brand.\n"
      "--mx-check also sends MAIL FROM/RCPT TO (never DATA) to each live MX host, as dnstwist does,\n"
      "to see whether it accepts mail for the look-alike: off by default because it talks to hosts\n"
      "chosen by attackers beyond a banner and may be logged by them.\n"
      "Private, loopback, link-local, CGNAT and metadata addresses are never probed without --allow-private.\n"
      "--brokers publishes the brand table and each brand's candidates (the same --budget, --max and\n"
      "--fuzzers) to a Kafka cluster for `lookalike worker` processes, waits until the broker has them\n"
      "all, prints the counts and exits; the DNS, probe and output options do not apply then.");
  sub->add_option("brands", a->brands, "Brand domains (default: every brand in the store); new ones are added");
  sub->add_option("--resolvers", a->resolvers, "DNS servers IP[:PORT],... or a file (default: /etc/resolv.conf)");
  sub->add_option("--qps", a->qps, "Queries per second cap (default: 300 with system resolvers, none with --resolvers)");
  sub->add_option("--concurrency", a->concurrency, "Queries in flight (default: adaptive)");
  sub->add_option("--timeout", a->timeout_ms, "DNS timeout per attempt, ms")->capture_default_str();
  sub->add_option("--retries", a->retries, "DNS retries on SERVFAIL/timeout")->capture_default_str();
  sub->add_option("--fuzzers", a->fuzzers, "Fuzzers to run (see lookalike generate --help)")->capture_default_str();
  sub->add_option("--budget", a->budget, "Scan the N most likely look-alikes per brand, best first (0: unranked, every depth-1 name)")
      ->capture_default_str();
  sub->add_option("--max", a->max, "At most N candidates per brand (0: no cap; lowers --budget)");
  sub->add_flag("--all-types", a->all_types, "Ask every record type of every name (no existence question first)");
  sub->add_flag("--no-probe", a->no_probe, "Do not connect to SMTP/HTTP(S) hosts");
  sub->add_flag("--allow-private", a->allow_private, "Also probe private/loopback addresses (local tests only)");
  sub->add_flag("--mx-check", a->mx_check, "Ask live MX hosts whether they accept mail for the look-alike (see below)");
  sub->add_option("--probe-timeout", a->probe_timeout_ms, "Timeout per probe step, ms")->capture_default_str();
  sub->add_option("--smtp-port", a->smtp_port, "SMTP port to probe")->capture_default_str()->group("");
  sub->add_option("--http-port", a->http_port, "HTTP port to probe")->capture_default_str()->group("");
  sub->add_option("--https-port", a->https_port, "HTTPS port to probe")->capture_default_str()->group("");
  sub->add_option("--ca-file", a->ca_file, "Extra trusted CA certificates (PEM) for HTTPS probes")->group("");
  sub->add_option("--format", a->format, "table, jsonl, csv or html")->capture_default_str();
  sub->add_option("--output", a->output, "Write the list to FILE instead of stdout");
  sub->add_option("--min-score", a->min_score, "Only rows scoring at least N")->capture_default_str();
  sub->add_flag("--all", a->all, "Also list candidates that are not registered");
  sub->add_option("--brokers", a->brokers, "Publish the work to this Kafka cluster (HOST:PORT,...) instead of scanning here");
  sub->add_option("--kafka-config", a->kafka_config, "With --brokers: librdkafka properties file (TLS, SASL, timeouts)");
  sub->callback([a, &ctx] { ctx.exit_code = run(*a, ctx); });
}

}  // namespace lookalike::cli
