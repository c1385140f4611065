// Internal to pipeline/ (the worker roles' files): what every Kafka worker loop shares. The
// idempotent producer and group membership (WorkerBase), pause/resume around the in-flight
// window (Backpressure), and the one-output-per-input bookkeeping of stateless stages
// (ForwardingWorker). One role per file: worker.cpp (resolve, match, index), worker_probe.cpp,
// worker_ct_follow.cpp.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pipeline/worker.hpp"
#include "queue/queue.hpp"

namespace lookalike::pipeline {

using namespace std::chrono_literals;

// "0,3" for a rebalance log line ("-" for none).
inline std::string partitions_text(const std::vector<queue::TopicPartition>& tps) {
  std::string out;
  for (const auto& tp : tps) out += (out.empty() ? "" : ",") + std::to_string(tp.partition);
  return out.empty() ? "-" : out;
}

// Backpressure around the in-flight window. A full window first holds: the caller takes nothing
// for up to kHoldBeforePause and serves its producer, so acknowledgements drain it; pausing would
// drop what librdkafka prefetched, and every resume then waits for a fresh fetch (about half a
// second: with a small window that capped a worker at ~130 messages/s). A window still full after
// that (a broker outage, a stalled stage) is paused, so the consumer is polled again and keeps
// serving the group; it resumes at half the window. Resumes exactly what it paused (the assignment
// may read empty mid-rebalance), and makes every newly assigned partition match the current
// state: librdkafka keeps a partition's pause flag across revoke and re-assignment, so a
// partition paused, revoked and given back would otherwise stall.
class Backpressure {
 public:
  static constexpr std::chrono::milliseconds kHoldBeforePause{1000};

  explicit Backpressure(std::size_t window) : window_(std::max<std::size_t>(window, 1)) {}
  // True when the caller should not poll the consumer this turn (holding a full window).
  bool update(queue::Consumer& consumer, std::size_t in_flight) {
    const auto now = std::chrono::steady_clock::now();
    if (in_flight < window_) full_since_.reset();
    if (!paused_ && in_flight >= window_) {
      if (!full_since_) full_since_ = now;
      if (now - *full_since_ < kHoldBeforePause) return true;
      const auto tps = consumer.assignment();
      consumer.pause(tps);
      held_.insert(tps.begin(), tps.end());
      paused_ = true;
    } else if (paused_ && in_flight <= window_ / 2) {
      const auto assigned_now = consumer.assignment();
      held_.insert(assigned_now.begin(), assigned_now.end());
      consumer.resume({held_.begin(), held_.end()});
      held_.clear();
      paused_ = false;
    }
    return false;
  }
  void assigned(queue::Consumer& consumer, const std::vector<queue::TopicPartition>& tps) {
    if (paused_) {
      consumer.pause(tps);
      held_.insert(tps.begin(), tps.end());
    } else {
      consumer.resume(tps);
    }
  }
  [[nodiscard]] bool paused() const { return paused_; }
  [[nodiscard]] std::size_t room(std::size_t in_flight) const { return in_flight >= window_ ? 1 : window_ - in_flight; }

 private:
  std::size_t window_;
  bool paused_ = false;
  std::optional<std::chrono::steady_clock::time_point> full_since_;
  std::set<queue::TopicPartition> held_;
};

// What both workers share: the idempotent producer, the group membership on one input topic and
// the bookkeeping the loops and handlers use.
class WorkerBase {
 public:
  virtual ~WorkerBase() = default;
  WorkerBase(const WorkerBase&) = delete;
  WorkerBase& operator=(const WorkerBase&) = delete;

 protected:
  WorkerBase(const WorkerConfig& config, std::ostream& log, std::string_view role)
      : config_(config), log_(log), role_(role), pressure_(config.window) {}

  // A delivery report of the producer (token as given to produce()).
  virtual void delivered(std::uint64_t token, const std::optional<std::string>& err) = 0;
  // Partitions taken away: finish and commit them unless `lost`.
  virtual void revoked(const std::vector<queue::TopicPartition>& tps, bool lost) = 0;
  // Partitions given to this worker (after Backpressure has set their pause state).
  virtual void assigned(const std::vector<queue::TopicPartition>& /*tps*/) {}

  // Opens the producer and joins the group on `topic`; an error message when either fails.
  std::optional<std::string> connect(const std::string& topic) {
    auto producer = queue::Producer::open(config_.queue, [this](std::uint64_t token, const std::optional<std::string>& err) {
      delivered(token, err);
    });
    if (!producer) return producer.error().message;
    producer_.emplace(std::move(*producer));
    return join(topic);
  }

  // Joins the group on `topic` with a new consumer.
  std::optional<std::string> join(const std::string& topic) {
    input_topic_ = topic;
    pressure_ = Backpressure(config_.window);
    next_stall_check_ = std::chrono::steady_clock::now() + config_.stall_after;
    auto consumer = queue::Consumer::open(
        config_.queue, {topic},
        [this](const std::vector<queue::TopicPartition>& tps) {
          ++stats_.rebalances;
          log_ << role_ << ": assigned partitions " << partitions_text(tps) << std::endl;
          pressure_.assigned(*consumer_, tps);
          assigned(tps);
        },
        [this](const std::vector<queue::TopicPartition>& tps, bool lost) {
          ++stats_.rebalances;
          log_ << role_ << ": " << (lost ? "lost" : "revoked") << " partitions " << partitions_text(tps) << std::endl;
          revoked(tps, lost);
        });
    if (!consumer) return consumer.error().message;
    consumer_.emplace(std::move(*consumer));
    return std::nullopt;
  }

  // Called when a poll returned nothing: when an assigned partition has messages waiting that
  // the consumer does not fetch (WorkerConfig::stall_after; asked at most once a period), logs
  // what it found and rejoins the group. An error when the new consumer cannot be opened.
  std::optional<std::string> rejoin_if_stalled() {
    if (!stalled()) return std::nullopt;
    if (auto err = rejoin()) return std::string(role_) + ": " + *err;
    return std::nullopt;
  }

  bool stalled() {
    const auto now = std::chrono::steady_clock::now();
    if (pressure_.paused() || now < next_stall_check_) return false;
    next_stall_check_ = now + config_.stall_after;
    const auto stalls = consumer_->stalled(config_.stall_after, 2s);
    for (const auto& st : stalls) {
      log_ << role_ << ": partition " << st.partition.partition << " of " << st.partition.topic << " has "
           << (st.high - st.position) << " messages waiting (offsets " << st.position << ".." << st.high
           << ") but nothing was fetched for "
           << std::chrono::duration<double>(config_.stall_after).count() << " s" << std::endl;
    }
    return !stalls.empty();
  }

  // Leaves the group (the role's leave(): finish, commit, close) and joins it again with a new
  // consumer, whose fetchers all start afresh.
  std::optional<std::string> rejoin() {
    log_ << role_ << ": leaving and rejoining the group to restart its fetchers" << std::endl;
    leave();
    consumer_.reset();
    ++stats_.rejoins;
    return join(input_topic_);
  }
  // Finishes what the worker holds, commits and leaves the group (end of run, rejoin()).
  virtual void leave() = 0;

  const WorkerConfig& config_;
  std::ostream& log_;
  std::string_view role_;
  Backpressure pressure_;
  std::optional<queue::Producer> producer_;
  std::optional<queue::Consumer> consumer_;
  std::optional<std::string> failure_;
  WorkerStats stats_;
  std::string input_topic_;
  std::chrono::steady_clock::time_point next_stall_check_{};
};

// A stateless stage (resolve, match): each input message yields at most one output record; the
// input's offset is stored once that record is acknowledged (or at once when there is none).
class ForwardingWorker : public WorkerBase {
 protected:
  using WorkerBase::WorkerBase;

  // Produces the output for input `in`; its offset becomes safe when the broker acknowledges it.
  void forward(const queue::Message& in, const std::string& topic, const std::string& key, const std::string& value) {
    const std::uint64_t token = next_token_++;
    tokens_[token] = {in.partition, in.offset};
    if (auto ok = producer_->produce(topic, key, value, token); !ok) {
      tokens_.erase(token);
      failure_ = std::string(role_) + ": " + ok.error().message;
    }
  }

  void delivered(std::uint64_t token, const std::optional<std::string>& err) override {
    const auto it = tokens_.find(token);
    if (it == tokens_.end()) return;
    if (err) {
      // Only fatal errors end a delivery (message.timeout.ms=0): stop without storing the offset.
      failure_ = std::string(role_) + ": delivery failed: " + *err;
    } else {
      tracker_.finished(it->second.partition, it->second.offset);
      ++stats_.produced;
    }
    tokens_.erase(it);
  }

  void store_offsets() {
    for (const auto& tp : consumer_->assignment()) {
      if (const auto next = tracker_.advance(tp.partition)) {
        if (auto ok = consumer_->store_offset(tp, *next); !ok) log_ << role_ << ": " << ok.error().message << std::endl;
      }
    }
  }

  void revoked(const std::vector<queue::TopicPartition>& tps, bool lost) override {
    if (!lost) {
      // Hand over cleanly: deliver what was taken from these partitions, store and commit.
      auto busy = [&] {
        for (const auto& tp : tps) {
          if (tracker_.in_flight(tp.partition) > 0) return true;
        }
        return false;
      };
      while (busy() && !failure_ && !producer_->fatal_error()) producer_->poll(100ms);
      for (const auto& tp : tps) {
        if (const auto next = tracker_.advance(tp.partition)) (void)consumer_->store_offset(tp, *next);
      }
      if (auto ok = consumer_->commit(1); !ok) log_ << role_ << ": " << ok.error().message << std::endl;
    }
    for (const auto& tp : tps) tracker_.forget(tp.partition);
  }

  // Leaving: everything taken is delivered and committed before the group hands it on.
  void leave() override {
    while (tracker_.in_flight() > 0 && !failure_ && !producer_->fatal_error()) producer_->poll(100ms);
    store_offsets();
    if (auto ok = consumer_->commit(); !ok) log_ << role_ << ": " << ok.error().message << std::endl;
    consumer_->close();
  }

  struct Taken {
    std::int32_t partition = 0;
    std::int64_t offset = 0;
  };
  queue::OffsetTracker tracker_;
  std::unordered_map<std::uint64_t, Taken> tokens_;
  std::uint64_t next_token_ = 1;

  // The loop of a stateless stage: serve deliveries, store what became safe, pause or resume, and
  // hand each batch taken to `process` until `stop`; then deliver, commit and leave the group.
  // `tick` runs once per turn, work or not (a role's periodic chores).
  template <class Process, class Tick = void (*)()>
  std::expected<WorkerStats, std::string> forward_loop(const std::atomic<bool>& stop, Process&& process,
                                                       Tick&& tick = [] {}) {
    while (!stop.load() && !failure_) {
      tick();
      producer_->poll(0ms);
      store_offsets();
      if (pressure_.update(*consumer_, tracker_.in_flight())) {
        producer_->poll(5ms);  // holding a full window: acknowledgements drain it
        continue;
      }
      std::vector<queue::Message> batch = consumer_->poll(pressure_.room(tracker_.in_flight()), 100ms);
      if (batch.empty()) {
        producer_->poll(pressure_.paused() ? 50ms : 0ms);
        if (auto err = rejoin_if_stalled()) return std::unexpected(*err);
        continue;
      }
      process(batch);
    }
    leave();
    if (failure_) return std::unexpected(*failure_);
    return stats_;
  }
};

// The roles living in their own files (dispatched by run_worker).
[[nodiscard]] std::expected<WorkerStats, std::string> run_probe_worker(const WorkerConfig& config,
                                                                       const std::atomic<bool>& stop, std::ostream& log);
[[nodiscard]] std::expected<WorkerStats, std::string> run_ct_follow_worker(const WorkerConfig& config,
                                                                           const std::atomic<bool>& stop,
                                                                           std::ostream& log);

}  // namespace lookalike::pipeline
