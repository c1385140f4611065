// The work queue on Kafka (librdkafka): domain-keyed topics, an idempotent producer, consumer
// groups with cooperative-sticky rebalancing and manually stored offsets, the compacted brand
// table, and librdkafka's in-process mock cluster for tests and demos. librdkafka types stay
// behind this header; callbacks run on the thread that calls poll().
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lookalike::queue {

// The topics of one deployment. Every domain-keyed topic has the same partition count, so a
// name's candidate, resolved and alert records share one partition number end to end.
struct Topics {
  std::string candidates = "lookalike.candidates";  // names to resolve (key: registrable domain)
  std::string resolved = "lookalike.resolved";      // resolve output, consumed by `probe` or `index`
  std::string probed = "lookalike.probed";          // probe output (resolved + probe facts), for `index --input probed`
  std::string alerts = "lookalike.alerts";          // state changes, each with a stable alert id
  std::string names = "lookalike.names";            // certificate/zone/feed names for `match`
  std::string brands = "lookalike.brands";          // compacted: brand domain -> brand record
  // Compacted: CT log ID -> the follower's checkpoint; a log's partition says which `ct-follow`
  // worker owns it (partition_of the log ID).
  std::string ct_checkpoints = "lookalike.ct-checkpoints";
  // Compacted: the index's changelog, candidate name -> its index row, written to the partition
  // of the name's registrable domain (the partition whose store holds the row).
  std::string index_state = "lookalike.index-state";
  // The topics partitioned like the domain keys (all but brands and ct_checkpoints), in the order above.
  [[nodiscard]] std::vector<std::string> domain_keyed() const {
    return {candidates, resolved, probed, alerts, names, index_state};
  }
};
inline constexpr int kDefaultPartitions = 6;

// How to reach the cluster. `properties` are librdkafka settings applied after ours (a
// `--config` file), so operators can tune timeouts, TLS or SASL without a rebuild.
struct Config {
  std::string brokers;  // "host:port,..."
  std::string group;    // consumer group id (consumers only)
  std::string client_id = "lookalike";
  std::vector<std::pair<std::string, std::string>> properties;
};

struct Error {
  std::string message;  // one line: what failed and librdkafka's reason
};

// Reads a librdkafka properties file: `key=value` lines, '#' comments and blank lines skipped.
[[nodiscard]] std::expected<std::vector<std::pair<std::string, std::string>>, Error> read_properties(
    const std::string& path);

// The partition a keyed message goes to among `partitions` (murmur2, as the producer and Java
// clients choose it), so a consumer can tell which keys its assigned partitions hold.
[[nodiscard]] std::int32_t partition_of(std::string_view key, int partitions);

// The partition key of a name: its registrable domain ("login.paypa1.com" -> "paypa1.com"), so
// every record about one registrable domain lands on one partition and one index store.
[[nodiscard]] std::string partition_key(std::string_view ascii_name);

struct TopicPartition {
  std::string topic;
  std::int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

struct Message {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string key;
  std::string value;
  bool null_value = false;  // a tombstone (compacted topics)
};

// Called once per produced message when the broker acknowledged it (error empty) or when it
// failed for good (error set); `token` is what produce() was given.
using DeliveryHandler = std::function<void(std::uint64_t token, const std::optional<std::string>& error)>;
// The same report with where the broker wrote the message (partition, offset; -1 on error).
struct DeliveryReport {
  std::optional<std::string> error;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
};
using DeliveryReportHandler = std::function<void(std::uint64_t token, const DeliveryReport& report)>;

// An idempotent producer (enable.idempotence, acks=all, murmur2 partitioner as Java clients use):
// retries never duplicate or reorder a partition's messages. produce() and poll() may be called
// from several threads; the delivery handler then runs on whichever thread polls.
class Producer {
 public:
  [[nodiscard]] static std::expected<Producer, Error> open(const Config& config, DeliveryHandler on_delivery = {});
  // Same, reporting each message's partition and offset too (a changelog writer records them).
  [[nodiscard]] static std::expected<Producer, Error> open_with_reports(const Config& config,
                                                                        DeliveryReportHandler on_report);
  Producer(Producer&&) noexcept;
  Producer& operator=(Producer&&) noexcept;
  ~Producer();

  // Queues one message (partition chosen from `key`); polls and retries while the local queue is
  // full. Errors: unknown topic, fatal idempotence error.
  [[nodiscard]] std::expected<void, Error> produce(std::string_view topic, std::string_view key,
                                                   std::string_view value, std::uint64_t token = 0);
  // Same, to an explicit partition (a changelog keyed finer than the partition key it follows).
  [[nodiscard]] std::expected<void, Error> produce_to(std::string_view topic, std::int32_t partition, std::string_view key,
                                                      std::string_view value, std::uint64_t token = 0);
  // Same, with a tombstone (null value): deletes `key` from a compacted topic.
  [[nodiscard]] std::expected<void, Error> produce_tombstone(std::string_view topic, std::string_view key);
  // Serves delivery reports for up to `timeout`.
  void poll(std::chrono::milliseconds timeout);
  // Messages queued or in flight (not yet reported).
  [[nodiscard]] std::size_t in_flight() const;
  // Waits until every queued message was reported; error on timeout.
  [[nodiscard]] std::expected<void, Error> flush(std::chrono::milliseconds timeout);
  // A fatal producer error (idempotence can no longer be guaranteed), if one was raised.
  [[nodiscard]] std::optional<std::string> fatal_error() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  explicit Producer(std::unique_ptr<Impl> impl);
  static std::expected<Producer, Error> open_impl(const Config& config, std::unique_ptr<Impl> impl);
};

// Partitions gained or lost at a rebalance. `lost` is true when they were taken away without a
// clean revoke (session timeout): their offsets must not be committed any more.
using AssignHandler = std::function<void(const std::vector<TopicPartition>& partitions)>;
using RevokeHandler = std::function<void(const std::vector<TopicPartition>& partitions, bool lost)>;

// A group member (partition.assignment.strategy=cooperative-sticky, enable.auto.offset.store=false):
// an offset is committed only after store_offset() for it, i.e. after the caller's output for the
// message is safe. Auto-commit sends the stored offsets every 250 ms (auto.commit.interval.ms),
// and only while the group is stable: a commit with a stale generation during a rebalance would
// make librdkafka drop the whole assignment as lost. commit() sends them now.
class Consumer {
 public:
  [[nodiscard]] static std::expected<Consumer, Error> open(const Config& config, const std::vector<std::string>& topics,
                                                           AssignHandler on_assign = {}, RevokeHandler on_revoke = {});
  Consumer(Consumer&&) noexcept;
  Consumer& operator=(Consumer&&) noexcept;
  ~Consumer();

  // Up to `max` messages, waiting at most `timeout` for the first; rebalance handlers run here.
  [[nodiscard]] std::vector<Message> poll(std::size_t max, std::chrono::milliseconds timeout);
  // Marks everything before `next_offset` of the partition as done (committed by the next commit).
  [[nodiscard]] std::expected<void, Error> store_offset(const TopicPartition& tp, std::int64_t next_offset);
  // Commits the stored offsets synchronously. `attempts` > 1 retries retriable failures (for a
  // clean exit); inside a revoke handler use 1: retrying there delays the rejoin the group waits for.
  [[nodiscard]] std::expected<void, Error> commit(int attempts = 10);
  // Backpressure: stop/restart fetching these partitions (they stay assigned).
  void pause(const std::vector<TopicPartition>& partitions);
  void resume(const std::vector<TopicPartition>& partitions);
  [[nodiscard]] std::vector<TopicPartition> assignment() const;
  // Assigned partitions this consumer is not reading although it should: not paused, messages
  // waiting (the high watermark above where the partition stands: one past the last message
  // poll() returned, else the group's committed offset, else the low watermark), while every
  // poll() for `quiet` returned nothing. librdkafka 2.0 can leave a partition's fetcher stopped
  // after a rebalance; leaving and rejoining the group is the cure. Asks the brokers (each
  // question bounded by `timeout`); a partition whose numbers cannot be had is not reported.
  struct Stall {
    TopicPartition partition;
    std::int64_t position = 0;
    std::int64_t high = 0;
  };
  [[nodiscard]] std::vector<Stall> stalled(std::chrono::milliseconds quiet, std::chrono::milliseconds timeout);
  // Leaves the group (the revoke handler runs for what is still assigned). Idempotent.
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  explicit Consumer(std::unique_ptr<Impl> impl);
};

// Which offsets of each partition are safe to commit when work finishes out of order: the lowest
// unfinished offset, or one past the highest started when all are finished. Pure bookkeeping.
class OffsetTracker {
 public:
  void started(std::int32_t partition, std::int64_t offset);
  void finished(std::int32_t partition, std::int64_t offset);
  // The next offset to store for `partition` when it moved since the last call, else nullopt.
  [[nodiscard]] std::optional<std::int64_t> advance(std::int32_t partition);
  // Unfinished offsets over all partitions.
  [[nodiscard]] std::size_t in_flight() const;
  [[nodiscard]] std::size_t in_flight(std::int32_t partition) const;
  // Drops a partition's bookkeeping (it was revoked or lost).
  void forget(std::int32_t partition);

 private:
  struct Partition {
    std::set<std::int64_t> pending;
    std::int64_t next = -1;    // one past the highest started offset
    std::int64_t stored = -1;  // last value advance() returned
  };
  std::map<std::int32_t, Partition> partitions_;
  std::size_t in_flight_ = 0;
};

// Low and high watermark of one partition.
struct Watermarks {
  std::int64_t low = 0;
  std::int64_t high = 0;
};
[[nodiscard]] std::expected<Watermarks, Error> watermarks(const Config& config, const TopicPartition& tp);
// Number of partitions of `topic`.
[[nodiscard]] std::expected<int, Error> partition_count(const Config& config, const std::string& topic);
// Committed offset of `config.group` for each partition of `topic` (-1 when none).
[[nodiscard]] std::expected<std::vector<std::int64_t>, Error> committed_offsets(const Config& config,
                                                                                const std::string& topic);
// The messages of one partition from offset `from` (or its low watermark, if later) to its high
// watermark at the time of the call, in order, each given to `on_message` (false stops early).
// Returns the offset after the last message read (`from` when there was nothing to read).
[[nodiscard]] std::expected<std::int64_t, Error> read_partition(const Config& config, const TopicPartition& tp,
                                                                std::int64_t from,
                                                                const std::function<bool(const Message&)>& on_message);
// Every message of `topic` from the start to the high watermark at the time of the call, in
// partition then offset order (no group: reads the whole topic, e.g. for tests and audits).
[[nodiscard]] std::expected<std::vector<Message>, Error> read_all(const Config& config, const std::string& topic);
// A compacted table topic (the brand table) read in full: key -> latest value, tombstones removed.
[[nodiscard]] std::expected<std::map<std::string, std::string>, Error> read_table(const Config& config,
                                                                                  const std::string& topic);

// Requests the mock cluster can be told to fail.
enum class Request : std::uint8_t { produce, offset_commit, heartbeat, fetch };

// librdkafka's mock cluster, inside this process (its brokers listen on 127.0.0.1 ephemeral
// ports; clients in other processes may connect). Lives until destroyed.
class MockCluster {
 public:
  [[nodiscard]] static std::expected<MockCluster, Error> start(int brokers);
  MockCluster(MockCluster&&) noexcept;
  MockCluster& operator=(MockCluster&&) noexcept;
  ~MockCluster();

  // "127.0.0.1:port,..." for bootstrap.servers.
  [[nodiscard]] std::string bootstraps() const;
  [[nodiscard]] std::expected<void, Error> create_topic(const std::string& topic, int partitions);
  // Creates every topic of `topics` (domain-keyed ones and the CT checkpoints with `partitions`,
  // the brand table with 1).
  [[nodiscard]] std::expected<void, Error> create_topics(const Topics& topics, int partitions);
  // The next `count` requests of this kind (cluster-wide) fail with a retriable error.
  void fail_requests(Request request, int count);
  // Makes broker `broker_id` (1-based) the coordinator of consumer group `group`.
  [[nodiscard]] std::expected<void, Error> set_group_coordinator(const std::string& group, int broker_id);
  // Takes a broker (1-based id) down or brings it back (its partitions and coordinator role stay).
  [[nodiscard]] std::expected<void, Error> set_broker_down(int broker_id);
  [[nodiscard]] std::expected<void, Error> set_broker_up(int broker_id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  explicit MockCluster(std::unique_ptr<Impl> impl);
};

}  // namespace lookalike::queue
