// `lookalike worker` (a stage as a Kafka consumer-group member), `lookalike kafka-mock` (librdkafka's
// mock cluster for demos and tests), `lookalike enqueue` (names -> candidates topic) and
// `lookalike kafka-read` (print a topic, alerts de-duplicated by id). Parsing and wiring only:
// the loops live in pipeline/worker.cpp, Kafka in queue/.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <fstream>
#include <istream>
#include <ostream>
#include <optional>
#include <string>
#include <vector>

#include "cli/common.hpp"
#include "cli/context.hpp"
#include "pipeline/log_list.hpp"
#include "pipeline/worker.hpp"
#include "queue/queue.hpp"
#include "queue/tools.hpp"
#include "resolver/resolver.hpp"
#include "scoring/probe.hpp"

namespace lookalike::cli {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void worker_on_signal(int) { g_stop.store(true); }

struct QueueOptions {
  std::string brokers;
  std::string group;
  std::string config_file;
};

void add_queue_options(CLI::App* cmd, QueueOptions& o) {
  cmd->add_option("--brokers", o.brokers, "Kafka bootstrap servers HOST:PORT,...")->required();
  cmd->add_option("--config", o.config_file, "librdkafka properties file (key=value lines: TLS, SASL, timeouts)");
}

queue::Config queue_config(const QueueOptions& o) {
  if (o.brokers.empty()) throw UsageError{"--brokers: no bootstrap servers given (HOST:PORT,...)"};
  queue::Config c;
  c.brokers = o.brokers;
  c.group = o.group;
  if (!o.config_file.empty()) {
    auto props = queue::read_properties(o.config_file);
    if (!props) throw UsageError{"--config: " + props.error().message};
    c.properties = std::move(*props);
  }
  return c;
}

struct WorkerOptions {
  QueueOptions queue;
  std::string role;
  std::string resolvers;
  unsigned concurrency = 0;
  std::optional<double> qps;  // resolve: queries/s cap of this worker
  std::size_t window = 256;
  std::string input = "resolved";  // index
  bool recheck = false;            // index: the re-check schedule
  double recheck_every = 0;        // seconds for every class (0: the watch's classes)
  double recheck_poll = 60;
  double brand_refresh = 60;       // match
  double stall_after = 30;         // match, resolve, probe, index: idle seconds before a stall check
  // probe
  bool allow_private = false;
  bool mx_check = false;
  int probe_timeout_ms = 5000;
  std::uint16_t smtp_port = 25, http_port = 80, https_port = 443;
  std::string ca_file;
  // ct-follow
  std::string logs;
  std::vector<std::string> log_names;
  bool all_states = false;
  std::string from = "start";
  unsigned parallel = 4;
  unsigned poll_seconds = 10;
  std::uint64_t verify_every = 8192;
};

// The probe stage's options (the same meaning as `scan`'s).
void set_probe_options(const WorkerOptions& o, pipeline::WorkerConfig& config) {
  scoring::ProbeOptions& p = config.probe;
  p.allow_private = o.allow_private;
  p.mx_check = o.mx_check;
  p.step_timeout = std::chrono::milliseconds(o.probe_timeout_ms);
  p.session_timeout = std::chrono::milliseconds(o.probe_timeout_ms * 4);
  p.smtp_port = o.smtp_port;
  p.http_port = o.http_port;
  p.https_port = o.https_port;
  p.ca_file = o.ca_file;
  config.probe_resolvers = o.resolvers;
}

// The logs of the deployment (every follower must be given the same list) and how to follow them.
void set_ct_options(const WorkerOptions& o, pipeline::WorkerConfig& config) {
  auto loaded = pipeline::load_log_list({o.logs, /*fetch_published=*/o.logs.empty(), {}});
  if (!loaded) throw UsageError{"--logs: " + loaded.error()};
  auto logs = pipeline::select_logs(loaded->list, o.log_names, o.all_states);
  if (!logs) throw UsageError{logs.error()};
  config.ct_logs = std::move(*logs);
  ctlog::FollowOptions& f = config.ct_follow;
  f.parallel = o.parallel;
  f.poll = std::chrono::seconds(o.poll_seconds);
  f.verify_every = o.verify_every;
  // A get-entries request is finished even past the range's end: requests no longer than a range
  // keep each checkpoint (and what a kill can make a successor publish again) to one range.
  f.batch = std::min<std::uint64_t>(f.batch, o.verify_every);
  if (auto ok = pipeline::parse_start(o.from, f); !ok) throw UsageError{ok.error()};
}

void run_worker_command(const WorkerOptions& o, Context& ctx) {
  const auto role = pipeline::parse_worker_role(o.role);
  if (!role) throw UsageError{"--role: expected resolve, probe, match, index or ct-follow"};
  pipeline::WorkerConfig config;
  config.role = *role;
  config.queue = queue_config(o.queue);
  if (config.queue.group.empty()) config.queue.group = "lookalike-" + std::string(pipeline::worker_role_name(*role));
  config.queue.client_id = "lookalike-" + std::string(pipeline::worker_role_name(*role));
  config.db_path = ctx.db_path;
  config.retention = std::chrono::days(ctx.retention_days);
  config.window = o.window;
  if (!o.resolvers.empty()) {
    auto ups = resolver::parse_upstreams(o.resolvers);
    if (!ups) throw UsageError{"--resolvers: " + ups.error()};
    config.resolver.upstreams = std::move(*ups);
    config.resolver.existence_first = true;
    config.resolver.concurrency = o.concurrency;
  }
  if (o.qps) {
    if (*o.qps <= 0) throw UsageError{"--qps must be positive"};
    config.resolver.qps = o.qps;
  }
  config.index_input = o.input == "probed" ? pipeline::IndexInput::probed : pipeline::IndexInput::resolved;
  if (o.recheck) {
    if (*role != pipeline::WorkerRole::index) throw UsageError{"--recheck: only the index role keeps the schedule"};
    pipeline::ScheduleConfig schedule;  // the watch's classes and intervals
    if (o.recheck_every > 0) {
      const auto every = seconds_option(o.recheck_every);
      schedule.fresh = schedule.changing = schedule.registered = schedule.unregistered = schedule.dead = every;
    }
    schedule.batch = o.window;
    config.recheck = schedule;
    config.recheck_poll = seconds_option(o.recheck_poll);
  }
  config.brand_table_refresh = seconds_option(o.brand_refresh);
  config.stall_after = seconds_option(o.stall_after);
  if (*role == pipeline::WorkerRole::probe) set_probe_options(o, config);
  if (*role == pipeline::WorkerRole::ct_follow) set_ct_options(o, config);
  g_stop.store(false);
  signal(SIGINT, worker_on_signal);
  signal(SIGTERM, worker_on_signal);
  ctx.err << "worker " << o.role << ": group " << config.queue.group << ", brokers " << config.queue.brokers << std::endl;
  auto stats = pipeline::run_worker(config, g_stop, ctx.err);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  if (!stats) {
    ctx.err << "lookalike: worker " << o.role << ": " << stats.error() << "\n";
    ctx.exit_code = 1;
    return;
  }
  ctx.err << "worker " << o.role << ": consumed " << stats->consumed << ", produced " << stats->produced << ", skipped "
          << stats->skipped << ", alerts " << stats->alerts << ", rebalances " << stats->rebalances;
  if (config.recheck) ctx.err << ", re-checks " << stats->rechecks;
  if (stats->rejoins > 0) ctx.err << ", rejoins " << stats->rejoins;
  ctx.err << std::endl;
}

void run_kafka_mock(int brokers, int partitions, Context& ctx) {
  // Block the stop signals before librdkafka starts its threads (they inherit the mask), then
  // wait for one: the cluster lives in this process until then.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto cluster = queue::MockCluster::start(brokers);
  if (!cluster) throw std::runtime_error(cluster.error().message);
  const queue::Topics topics;
  if (auto ok = cluster->create_topics(topics, partitions); !ok) throw std::runtime_error(ok.error().message);
  ctx.out << cluster->bootstraps() << std::endl;
  ctx.err << "kafka-mock: " << brokers << " brokers; topics ";
  for (const auto& t : topics.domain_keyed()) ctx.err << t << ", ";
  ctx.err << topics.ct_checkpoints << " (" << partitions << " partitions), " << topics.brands
          << " (1); SIGTERM or Ctrl-C stops" << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  ctx.err << "kafka-mock: stopped" << std::endl;
}

void run_enqueue(const QueueOptions& q, const std::string& file, const std::string& brand, const std::string& to,
                 Context& ctx) {
  std::ifstream f;
  if (!file.empty()) {
    f.open(file);
    if (!f) throw UsageError{"cannot read names file '" + file + "'"};
  }
  auto n = queue::enqueue_lines(queue_config(q), file.empty() ? ctx.in : f, to, brand, ctx.err);
  if (!n) throw std::runtime_error(n.error().message);
  ctx.err << "enqueue: " << n->sent << (to == "brands" ? " brands on " : " names on ") << n->topic
          << (n->bad ? ", " + std::to_string(n->bad) + " skipped" : "") << std::endl;
  if (n->failed > 0 || n->bad > 0) ctx.exit_code = 1;
}

void run_kafka_read(const QueueOptions& q, const std::string& topic, Context& ctx) {
  auto summary = queue::print_topic(queue_config(q), topic, ctx.out);
  if (!summary) throw std::runtime_error(summary.error().message);
  ctx.err << *summary << std::endl;
}

}  // namespace

void add_worker_command(CLI::App& app, Context& ctx) {
  auto wo = std::make_shared<WorkerOptions>();
  CLI::App* worker = app.add_subcommand(
      "worker", "Run one stage as a Kafka consumer-group member (roles: ct-follow, match, resolve, probe, index)");
  add_queue_options(worker, wo->queue);
  worker->add_option("--role", wo->role, "ct-follow | match | resolve | probe | index")->required();
  worker->add_option("--group", wo->queue.group, "Consumer group (default lookalike-<role>)");
  worker->add_option("--resolvers", wo->resolvers, "resolve, probe: DNS servers IP[:PORT],... to ask");
  worker->add_option("--input", wo->input, "index: the topic to index, resolved or probed (behind probe workers)")
      ->check(CLI::IsMember({"resolved", "probed"}))
      ->capture_default_str();
  worker->add_flag("--allow-private", wo->allow_private, "probe: also probe private/loopback addresses (local tests only)");
  worker->add_flag("--mx-check", wo->mx_check, "probe: ask live MX hosts whether they accept mail (as scan --mx-check)");
  worker->add_option("--probe-timeout", wo->probe_timeout_ms, "probe: timeout per probe step, ms")->capture_default_str();
  worker->add_option("--smtp-port", wo->smtp_port, "SMTP port to probe")->group("");
  worker->add_option("--http-port", wo->http_port, "HTTP port to probe")->group("");
  worker->add_option("--https-port", wo->https_port, "HTTPS port to probe")->group("");
  worker->add_option("--ca-file", wo->ca_file, "Extra trusted CA certificates (PEM) for HTTPS probes")->group("");
  worker->add_option("--logs", wo->logs,
                     "ct-follow: log list v3 FILE, URL or `bundled` (default: the published list, else the bundled "
                     "snapshot); every follower must use the same list");
  worker->add_option("--log", wo->log_names, "ct-follow: follow only this log (as ct follow --log); repeatable");
  worker->add_flag("--all-states", wo->all_states, "ct-follow: also follow pending, retired and rejected logs");
  worker->add_option("--from", wo->from, "ct-follow: where a log without a checkpoint starts: start, end or an entry index")
      ->capture_default_str();
  worker->add_option("--parallel", wo->parallel, "ct-follow: requests in flight per log")
      ->capture_default_str()
      ->check(CLI::Range(1u, 64u));
  worker->add_option("--poll", wo->poll_seconds, "ct-follow: seconds between signed-head polls when caught up")
      ->capture_default_str();
  worker->add_option("--verify-every", wo->verify_every,
                     "ct-follow: entries per verified range, i.e. per checkpoint (names published twice after a "
                     "kill are at most one range)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 24));
  worker->add_option("--window", wo->window, "Messages in flight before the worker pauses its partitions")
      ->capture_default_str();
  worker->add_option("--brand-refresh", wo->brand_refresh,
                     "match: seconds between reads of the brand table (a changed table is matched from then on)")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0));
  worker->add_option("--stall-after", wo->stall_after,
                     "Seconds without a message before the worker checks for partitions with messages waiting that "
                     "librdkafka stopped fetching; it then leaves and rejoins its group (not ct-follow)")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 86400.0));
  worker->add_flag("--recheck", wo->recheck,
                   "index: re-publish the candidates of its partitions when due, as watch schedules them (new "
                   "15 min, changing 1 h, registered 6 h, unregistered 24 h, dead 7 days)");
  worker->add_option("--recheck-every", wo->recheck_every, "index: seconds between checks of every candidate, "
                     "overriding the classes (0: the classes)")
      ->check(CLI::Range(0.0, 1e9));
  worker->add_option("--recheck-poll", wo->recheck_poll, "index: seconds between looks for due candidates")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0));
  worker->add_option("--qps", wo->qps,
                     "resolve: DNS queries per second of this worker at most (default: none with --resolvers, "
                     "300 with the system's)");
  worker->add_option("--concurrency", wo->concurrency,
                     "resolve: DNS queries in flight, 0 = adaptive window (restarts with every batch)")
      ->capture_default_str()
      ->check(CLI::Range(0u, 100000u));
  worker->callback([wo, &ctx] { run_worker_command(*wo, ctx); });

  auto mock_brokers = std::make_shared<int>(3);
  auto mock_partitions = std::make_shared<int>(queue::kDefaultPartitions);
  CLI::App* mock = app.add_subcommand("kafka-mock", "Run librdkafka's mock Kafka cluster on loopback until SIGTERM");
  mock->add_option("--brokers", *mock_brokers, "Number of brokers")->capture_default_str()->check(CLI::Range(1, 16));
  mock->add_option("--partitions", *mock_partitions, "Partitions of every domain-keyed topic")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  mock->callback([mock_brokers, mock_partitions, &ctx] { run_kafka_mock(*mock_brokers, *mock_partitions, ctx); });

  auto eq = std::make_shared<QueueOptions>();
  auto eq_file = std::make_shared<std::string>();
  auto eq_brand = std::make_shared<std::string>();
  auto eq_to = std::make_shared<std::string>("candidates");
  CLI::App* enqueue = app.add_subcommand("enqueue", "Publish names (one per line) as work: candidates, names or brands");
  add_queue_options(enqueue, *eq);
  enqueue->add_option("NAMES_FILE", *eq_file, "File with one name per line (default: stdin)");
  enqueue->add_option("--brand", *eq_brand, "candidates: brand domain the names imitate");
  enqueue->add_option("--to", *eq_to,
                      "candidates (to resolve), names (to match) or brands (the brand table: DOMAIN [keyword,...] lines)")
      ->check(CLI::IsMember({"candidates", "names", "brands"}))
      ->capture_default_str();
  enqueue->callback([eq, eq_file, eq_brand, eq_to, &ctx] { run_enqueue(*eq, *eq_file, *eq_brand, *eq_to, ctx); });

  auto rd = std::make_shared<QueueOptions>();
  auto rd_topic = std::make_shared<std::string>("alerts");
  CLI::App* read = app.add_subcommand("kafka-read", "Print a topic's messages (alerts: repeated ids dropped)");
  add_queue_options(read, *rd);
  read->add_option("--topic", *rd_topic,
                   "candidates | resolved | probed | alerts | names | brands | ct-checkpoints, or a topic name")
      ->capture_default_str();
  read->callback([rd, rd_topic, &ctx] { run_kafka_read(*rd, *rd_topic, ctx); });
}

}  // namespace lookalike::cli
