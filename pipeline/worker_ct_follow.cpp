// ct-follow: CT logs -> names, as a consumer group. Each log is owned by exactly one worker at a
// time: the log's ID is the key of its checkpoints in the compacted ct-checkpoints topic, and
// the worker assigned that key's partition follows the log. On assignment it reads the log's
// latest checkpoint, follows with ctlog's follower (verified prefixes, issue #14) and, for every
// verified range, publishes the range's certificate names to the names topic and then, once the
// broker acknowledged every one of them, the new checkpoint. On revocation it stops the log's
// follower and waits for its last commit before letting the partition go; a killed worker's
// successor resumes from the last acknowledged checkpoint, so names are never skipped and are
// published twice only for the range the dead worker had not checkpointed.
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "pipeline/worker_base.hpp"

namespace lookalike::pipeline {
namespace {

// The producer's delivery reports for the commits of every log: each commit waits for its own
// messages only (followers of several logs share one producer). Thread-safe: reports are served
// by whichever thread polls.
class Deliveries {
 public:
  // A group of messages one commit waits for.
  struct Group {
    std::size_t pending = 0;
    std::optional<std::string> error;
  };

  std::uint64_t add(Group& g) {
    std::lock_guard lock(mu_);
    ++g.pending;
    const std::uint64_t token = next_++;
    groups_[token] = &g;
    return token;
  }
  // A message could not be queued: it will get no report.
  void drop(std::uint64_t token) {
    std::lock_guard lock(mu_);
    if (const auto it = groups_.find(token); it != groups_.end()) {
      --it->second->pending;
      groups_.erase(it);
    }
  }
  void report(std::uint64_t token, const std::optional<std::string>& err) {
    std::lock_guard lock(mu_);
    const auto it = groups_.find(token);
    if (it == groups_.end()) return;
    if (err && !it->second->error) it->second->error = *err;
    --it->second->pending;
    groups_.erase(it);
  }
  [[nodiscard]] bool done(const Group& g) {
    std::lock_guard lock(mu_);
    return g.pending == 0;
  }

 private:
  std::mutex mu_;
  std::uint64_t next_ = 1;
  std::map<std::uint64_t, Group*> groups_;
};

// The follower's StateStore on Kafka: load() is the checkpoint read at assignment; commit()
// publishes the range's names, waits for the broker to acknowledge all of them, then publishes the
// checkpoint and waits for that too. Only fatal producer errors fail a delivery (no message
// timeout), so a commit outlives a broker outage as a delay; a failed commit makes the follower
// roll back and fetch the range again.
class KafkaStateStore final : public ctlog::StateStore {
 public:
  KafkaStateStore(queue::Producer& producer, Deliveries& deliveries, const queue::Topics& topics, std::string log_name,
                  std::optional<ctlog::FollowState> checkpoint)
      : producer_(producer),
        deliveries_(deliveries),
        topics_(topics),
        log_name_(std::move(log_name)),
        checkpoint_(std::move(checkpoint)) {}

  std::expected<std::optional<ctlog::FollowState>, ctlog::Error> load(std::string_view /*log_id*/) override {
    return checkpoint_;
  }

  std::expected<void, ctlog::Error> commit(std::string_view log_id, const ctlog::FollowState& state,
                                           std::span<const ctlog::Hit> hits) override {
    Deliveries::Group names;
    for (const ctlog::Hit& h : hits) {
      const std::string name = (h.name.wildcard ? "*." : "") + h.name.ascii;
      if (auto err = send(names, topics_.names, queue::partition_key(h.name.ascii),
                          queue::encode(queue::NameRecord{name, "ct:" + h.log}))) {
        return std::unexpected(*err);
      }
    }
    if (auto err = wait(names)) return std::unexpected(*err);
    // Every name of the range is acknowledged: the position may move past it.
    Deliveries::Group checkpoint;
    const queue::CheckpointRecord record{std::string(log_id), log_name_, state.next_index, ctlog::encode_state(state)};
    if (auto err = send(checkpoint, topics_.ct_checkpoints, log_id, queue::encode(record))) return std::unexpected(*err);
    if (auto err = wait(checkpoint)) return std::unexpected(*err);
    published_ += hits.size();
    return {};
  }

  // Names acknowledged so far.
  [[nodiscard]] std::uint64_t published() const { return published_; }

 private:
  std::optional<ctlog::Error> send(Deliveries::Group& g, std::string_view topic, std::string_view key,
                                   const std::string& value) {
    const std::uint64_t token = deliveries_.add(g);
    if (auto ok = producer_.produce(topic, key, value, token); !ok) {
      deliveries_.drop(token);
      return ctlog::Error{"kafka: " + ok.error().message};
    }
    return std::nullopt;
  }

  // Waits for every report of `g`, serving reports on this thread meanwhile. A group may not be
  // abandoned: a late checkpoint landing after a successor's would move the log backwards.
  std::optional<ctlog::Error> wait(Deliveries::Group& g) {
    while (!deliveries_.done(g)) {
      if (auto fatal = producer_.fatal_error()) return ctlog::Error{"kafka producer: " + *fatal};
      producer_.poll(20ms);
    }
    if (g.error) return ctlog::Error{"kafka delivery: " + *g.error};
    return std::nullopt;
  }

  queue::Producer& producer_;
  Deliveries& deliveries_;
  const queue::Topics& topics_;
  std::string log_name_;
  std::optional<ctlog::FollowState> checkpoint_;
  std::uint64_t published_ = 0;
};

// Every certificate name is published: matching against brands is the match role's job.
void every_name(const ctlog::CertName& /*name*/, std::vector<ctlog::BrandMatch>& out) {
  out.push_back(ctlog::BrandMatch{"", "name", 0});
}

class CtFollowWorker final : public WorkerBase {
 public:
  CtFollowWorker(const WorkerConfig& config, std::ostream& log) : WorkerBase(config, log, "ct-follow") {}

  std::expected<WorkerStats, std::string> run(const std::atomic<bool>& stop) {
    auto partitions = queue::partition_count(config_.queue, config_.topics.ct_checkpoints);
    if (!partitions) return std::unexpected("ct-follow: " + partitions.error().message);
    partitions_ = *partitions;
    if (auto err = connect(config_.topics.ct_checkpoints)) return std::unexpected(*err);
    while (!stop.load() && !failure_) {
      // Serves the group (rebalances, heartbeats); the checkpoint messages fetched are not needed:
      // a log's checkpoint is read in full when its partition is assigned.
      (void)consumer_->poll(64, 200ms);
      producer_->poll(0ms);
      start_assigned();
      reap();
    }
    leave();
    if (auto ok = producer_->flush(60s); !ok) log_line(ok.error().message);
    if (failure_) return std::unexpected(*failure_);
    return stats_;
  }

  // Every followed log stopped at a stored checkpoint, the group left. (Its partitions carry no
  // messages to fetch: paused on purpose, never checked for stalls.)
  void leave() override {
    std::vector<std::int32_t> owned;
    for (const auto& [p, logs] : followers_) owned.push_back(p);
    for (const auto p : owned) release(p);
    consumer_->close();
  }

 private:
  struct Follower {
    const ctlog::LogInfo* log = nullptr;
    std::unique_ptr<KafkaStateStore> store;
    std::atomic<bool> stop{false};
    std::atomic<bool> done{false};
    ctlog::FollowResult result;
    std::thread thread;
  };

  void log_line(const std::string& line) {
    std::lock_guard lock(log_mu_);
    log_ << "ct-follow: " << line << std::endl;
  }

  void assigned(const std::vector<queue::TopicPartition>& tps) override {
    // Nothing to consume: the partition only says which logs are ours.
    consumer_->pause(tps);
    for (const auto& tp : tps) to_start_.insert(tp.partition);
  }

  // Starts following the logs of newly assigned partitions from their latest checkpoints (read
  // here, outside the rebalance callback: it reads the whole checkpoint table).
  void start_assigned() {
    if (to_start_.empty()) return;
    std::set<std::int32_t> parts;
    parts.swap(to_start_);
    auto table = queue::read_table(config_.queue, config_.topics.ct_checkpoints);
    if (!table) {
      log_line("reading checkpoints: " + table.error().message + "; retrying");
      to_start_ = parts;
      return;
    }
    for (const ctlog::LogInfo& log : config_.ct_logs) {
      const std::int32_t p = queue::partition_of(log.log_id_b64, partitions_);
      if (!parts.contains(p)) continue;
      std::optional<ctlog::FollowState> checkpoint;
      if (const auto it = table->find(log.log_id_b64); it != table->end()) {
        auto record = queue::decode_checkpoint(it->second);
        auto state = record ? ctlog::decode_state(record->state)
                            : std::expected<ctlog::FollowState, ctlog::Error>(std::unexpected(ctlog::Error{record.error().message}));
        if (!state) {
          // A damaged checkpoint must not silently restart the log from the beginning or the end.
          failure_ = "ct-follow: checkpoint of " + log.short_name() + ": " + state.error().what;
          return;
        }
        checkpoint = *state;
      }
      log_line("following " + log.short_name() + " (partition " + std::to_string(p) + ") from " +
               (checkpoint ? "checkpoint " + std::to_string(checkpoint->next_index) : std::string("its start position")));
      auto f = std::make_unique<Follower>();
      f->log = &log;
      f->store = std::make_unique<KafkaStateStore>(*producer_, deliveries_, config_.topics, log.short_name(), checkpoint);
      Follower* raw = f.get();
      raw->thread = std::thread([this, raw] { follow(*raw); });
      followers_[p].push_back(std::move(f));
    }
  }

  void follow(Follower& f) {
    ctlog::FollowOptions options = config_.ct_follow;
    options.stop = &f.stop;
    options.on_alert = [this](const ctlog::Alert& a) { log_line("ALERT " + a.log + ": " + a.kind + ": " + a.detail); };
    options.on_status = [this](std::string_view log, ctlog::FollowerStatus s) {
      log_line(std::string(log) + ": " + std::string(ctlog::follower_status_name(s)));
    };
    f.result = ctlog::follow_log(*f.log, *f.store, every_name, options);
    f.done.store(true);
  }

  // Followers that ended on their own (a setup error, or `once`): reported and forgotten.
  void reap() {
    for (auto& [p, list] : followers_) {
      for (auto it = list.begin(); it != list.end();) {
        Follower& f = **it;
        if (!f.done.load() || f.stop.load()) {
          ++it;
          continue;
        }
        f.thread.join();
        finished(f);
        it = list.erase(it);
      }
    }
  }

  void finished(const Follower& f) {
    const ctlog::FollowResult& r = f.result;
    stats_.consumed += r.entries;
    stats_.produced += f.store->published();
    log_line(f.log->short_name() + ": " + std::to_string(r.entries) + " entries, " + std::to_string(f.store->published()) +
             " names published; at " + std::to_string(r.state.next_index) +
             (r.error ? "; error: " + r.error->what : std::string()));
  }

  // Stops the partition's followers and waits for each one's last commit (its deliveries are
  // served by its own thread), so the next owner reads the final checkpoint.
  void release(std::int32_t p) {
    const auto it = followers_.find(p);
    if (it == followers_.end()) return;
    for (auto& f : it->second) f->stop.store(true);
    for (auto& f : it->second) {
      f->thread.join();
      finished(*f);
    }
    followers_.erase(it);
  }

  void revoked(const std::vector<queue::TopicPartition>& tps, bool lost) override {
    // Lost (session timeout) or not, stop following at once; a lost partition may already be
    // another worker's, and waiting for the last commit keeps any late checkpoint before its start.
    (void)lost;
    for (const auto& tp : tps) {
      to_start_.erase(tp.partition);
      release(tp.partition);
    }
  }

  void delivered(std::uint64_t token, const std::optional<std::string>& err) override { deliveries_.report(token, err); }

  int partitions_ = 1;
  Deliveries deliveries_;
  std::mutex log_mu_;
  std::set<std::int32_t> to_start_;
  std::map<std::int32_t, std::vector<std::unique_ptr<Follower>>> followers_;
};

}  // namespace

std::expected<WorkerStats, std::string> run_ct_follow_worker(const WorkerConfig& config, const std::atomic<bool>& stop,
                                                             std::ostream& log) {
  return CtFollowWorker(config, log).run(stop);
}

}  // namespace lookalike::pipeline
