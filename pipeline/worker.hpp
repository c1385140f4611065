// The stages as Kafka consumer-group workers (`lookalike worker`): each role consumes one
// domain-keyed topic and stores a message's offset only after its output is safe (acknowledged
// by the broker, or committed to the partition's RocksDB store), so a worker killed at any
// moment loses nothing and the group redelivers at most its in-flight window.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include <vector>

#include "ctlog/ctlog.hpp"
#include "index/index.hpp"
#include "pipeline/schedule.hpp"
#include "queue/queue.hpp"
#include "queue/work.hpp"
#include "resolver/resolver.hpp"
#include "scoring/probe.hpp"

namespace lookalike::pipeline {

// ct-follow: CT logs -> names (each log owned by one worker: the partition of its ID in the
// ct-checkpoints topic, where its position is kept); match: names -> candidates against the brand
// table (its compacted topic, read in full at start and every brand_table_refresh); resolve: candidates -> resolved (DNS through
// `resolver`); probe: resolved -> probed (live SMTP/HTTP(S) probes of the names that resolved,
// the others passed through); index: resolved (or probed) -> one RocksDB store per partition + alerts (mirrored on the compacted topics.index_state,
// restored from it when a partition moves to a worker whose store lacks it).
enum class WorkerRole : std::uint8_t { resolve, probe, match, index, ct_follow };
// "resolve", "probe", "match", "index", "ct-follow".
[[nodiscard]] std::string_view worker_role_name(WorkerRole role) noexcept;
[[nodiscard]] std::optional<WorkerRole> parse_worker_role(std::string_view s) noexcept;

// Which topic `index` consumes: resolved (no probe stage) or probed (behind probe workers).
enum class IndexInput : std::uint8_t { resolved, probed };

struct WorkerConfig {
  WorkerRole role = WorkerRole::resolve;
  queue::Config queue;   // brokers, group (default "lookalike-<role>"), librdkafka properties
  queue::Topics topics;
  std::string db_path;   // index: the folder holding partition-<N>/ stores
  std::chrono::days retention{365};  // index: observation retention (the global --retention); 0 = forever
  IndexInput index_input = IndexInput::resolved;
  resolver::Config resolver;  // resolve: upstreams and record types; probe: where to look up addresses
  scoring::ProbeOptions probe;  // probe: timeouts, ports, the address guard (allow_private for tests)
  std::string probe_resolvers;  // probe: IP[:PORT],... for the hosts redirects lead to ("" = not followed)
  std::vector<ctlog::LogInfo> ct_logs;  // ct-follow: every log of the deployment (the same list on every follower)
  ctlog::FollowOptions ct_follow;       // ct-follow: parallel, batch, poll, verify_every (range per checkpoint)
  // index: the re-check schedule of the cluster (nullopt: none). Every `recheck_poll` the worker
  // looks through each partition store it owns and publishes the candidates due (the watch's
  // classes, the last resolution counting as the last check) to `candidates` again, at most
  // `recheck->batch` per partition; a name asked for is not asked again until its resolution
  // arrives (or an hour passed), so a backlog in the cluster does not pile up requests.
  std::optional<ScheduleConfig> recheck;
  std::chrono::milliseconds recheck_poll{std::chrono::minutes(1)};
  // match: how often the brand table is read again (a changed table rebuilds the matcher).
  std::chrono::milliseconds brand_table_refresh{std::chrono::minutes(1)};
  // match, resolve, probe, index: when the consumer returned nothing for this long, the worker
  // asks whether an assigned partition has messages waiting all the same (librdkafka 2.0 can
  // leave a partition's fetcher stopped after a rebalance); if so it finishes what it holds,
  // leaves the group and joins again, which restarts every fetcher. Asked again after as long.
  std::chrono::milliseconds stall_after{std::chrono::seconds(30)};
  // Messages taken but not yet safe (per worker): at it the worker takes no more (backpressure),
  // and pauses its partitions when that lasts a second, until half of them are done. A kill -9 makes the group redo at most this plus
  // what was safe but not yet auto-committed (auto.commit.interval.ms of work).
  std::size_t window = 256;
};

struct WorkerStats {
  std::uint64_t consumed = 0;   // messages taken from the input topic (ct-follow: CT entries followed)
  std::uint64_t produced = 0;   // output messages acknowledged by the broker (ct-follow: names)
  std::uint64_t skipped = 0;    // undecodable or stale records (offset stored, nothing written)
  std::uint64_t alerts = 0;     // index: alerts published (acknowledged)
  std::uint64_t rebalances = 0;
  std::uint64_t rechecks = 0;   // index: candidates published again by the re-check schedule
  std::uint64_t rejoins = 0;    // times the worker left and rejoined its group over a stalled partition
};

// Runs one worker until `stop` becomes true, then finishes what it holds (outputs delivered,
// batches committed, offsets committed) and leaves the group, so a SIGTERM causes no redelivery.
// Log lines (assignments, errors) go to `log`. An error is returned for what the worker cannot
// recover from (bad configuration, fatal producer error, an index store that will not open).
[[nodiscard]] std::expected<WorkerStats, std::string> run_worker(const WorkerConfig& config, const std::atomic<bool>& stop,
                                                                 std::ostream& log);

// The index state change a resolution makes, "" for none: "registered" (first seen registered,
// or was not), "deregistered", "mx appeared", "spf appeared", and from the probe stage "mx live",
// "web live". `prev` is the stored state.
[[nodiscard]] std::string state_change(const std::optional<index::StateSummary>& prev, const index::StateSummary& next);

// The store folder of one partition: <db_path>/partition-<N>.
[[nodiscard]] std::string partition_store_path(const std::string& db_path, std::int32_t partition);

// The feed-state source under which an index partition store records how far it has the
// partition's changelog (topics.index_state): the offset of the first record it does not have.
inline constexpr std::string_view kChangelogFeed = "kafka:index-state";
// That offset (0 for a store that never saw the changelog); an error for an unreadable store.
[[nodiscard]] std::expected<std::int64_t, std::string> changelog_applied(const index::Store& store);

}  // namespace lookalike::pipeline
