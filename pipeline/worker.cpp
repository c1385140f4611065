// The resolve, match and index worker loops over queue/ and the role dispatch (see worker.hpp for
// the delivery guarantees; probe and ct-follow have files of their own).
#include "pipeline/worker.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <deque>
#include <map>
#include <ostream>
#include <set>
#include <thread>
#include <unordered_map>

#include "generator/matcher.hpp"
#include "pipeline/scan.hpp"
#include "pipeline/worker_base.hpp"

namespace lookalike::pipeline {
namespace {

using namespace std::chrono_literals;
namespace sf = index::state_flag;

constexpr std::array<std::string_view, 7> kDnsNames{"unknown", "answer", "nodata", "nxdomain",
                                                    "servfail", "refused", "timeout"};
// The change-feed consumer name under which a partition store records what reached the alerts topic.
constexpr std::string_view kAlertsConsumer = "kafka-alerts";
// A re-check asked for whose resolution never came back is asked again after this long (ms).
constexpr index::Time kRequestRetry = 3'600'000;

std::string_view dns_name(index::DnsOutcome o) { return kDnsNames[static_cast<std::size_t>(o)]; }

index::DnsOutcome parse_dns(std::string_view s) {
  for (std::size_t i = 0; i < kDnsNames.size(); ++i) {
    if (kDnsNames[i] == s) return static_cast<index::DnsOutcome>(i);
  }
  return index::DnsOutcome::unknown;
}

// ---------------------------------------------------------------------------------------------
// resolve: candidates -> resolved. A candidate's offset is stored once its resolved record is
// acknowledged by the broker (acks=all, idempotent producer).

class ResolveWorker final : public ForwardingWorker {
 public:
  ResolveWorker(const WorkerConfig& config, std::ostream& log) : ForwardingWorker(config, log, "resolve") {}

  std::expected<WorkerStats, std::string> run(const std::atomic<bool>& stop) {
    resolver_.emplace(config_.resolver);
    if (auto err = connect(config_.topics.candidates)) return std::unexpected(*err);
    return forward_loop(stop, [&](const std::vector<queue::Message>& batch) { process(batch, stop); });
  }

 private:
  void process(const std::vector<queue::Message>& batch, const std::atomic<bool>& stop) {
    std::vector<std::string> names;
    std::vector<std::pair<const queue::Message*, queue::CandidateRecord>> work;
    for (const auto& m : batch) {
      ++stats_.consumed;
      tracker_.started(m.partition, m.offset);
      auto record = queue::decode_candidate(m.value);
      if (!record) {
        // A record nobody can process must not block its partition: counted and passed over.
        log_ << "resolve: skipping " << m.topic << "[" << m.partition << "]@" << m.offset << ": "
             << record.error().message << std::endl;
        ++stats_.skipped;
        tracker_.finished(m.partition, m.offset);
        continue;
      }
      names.push_back(record->name);
      work.emplace_back(&m, std::move(*record));
    }
    if (work.empty()) return;
    resolver::Stats rstats;
    std::vector<resolver::NameResult> results = resolve_with_retry(names, rstats, stop);
    for (std::size_t i = 0; i < work.size() && !failure_; ++i) {
      const queue::Message& m = *work[i].first;
      queue::ResolvedRecord out;
      out.candidate = std::move(work[i].second);
      out.time = index::now_ms();
      if (i < results.size() && !results[i].types.empty()) {
        out.dns = dns_name(summary_outcome(results[i]));
        out.flags = dns_flags(results[i]);
      } else {
        out.dns = dns_name(index::DnsOutcome::unknown);  // stopping mid-outage: recorded as unknown
      }
      forward(m, config_.topics.resolved, m.key, queue::encode(out));
    }
  }

  // The resolver stops at an outage (no upstream answers): wait and ask again for what is left,
  // so an outage becomes a delay, never a record of "unknown" for names that were not asked.
  std::vector<resolver::NameResult> resolve_with_retry(const std::vector<std::string>& names, resolver::Stats& rstats,
                                                       const std::atomic<bool>& stop) {
    resolver::Resolver& resolver = *resolver_;
    std::vector<resolver::NameResult> results = resolver.resolve_all(names, &rstats);
    while (rstats.outage && !stop.load()) {
      log_ << "resolve: " << *rstats.outage << "; retrying in 1s" << std::endl;
      std::this_thread::sleep_for(1s);
      std::vector<std::string> left;
      std::vector<std::size_t> where;
      for (std::size_t i = 0; i < names.size(); ++i) {
        if (results[i].types.empty()) {
          left.push_back(names[i]);
          where.push_back(i);
        }
      }
      rstats = {};
      std::vector<resolver::NameResult> again = resolver.resolve_all(left, &rstats);
      for (std::size_t k = 0; k < where.size(); ++k) results[where[k]] = std::move(again[k]);
    }
    return results;
  }

  std::optional<resolver::Resolver> resolver_;  // built in run() (it throws on a bad config)
};

// ---------------------------------------------------------------------------------------------
// index: resolved -> one RocksDB store per partition, each mirrored on a compacted changelog
// (topics.index_state, same partition number) so a partition can move to a worker on another
// machine. One batch of a partition's records goes through four steps, in partition order:
//   1. committed to the store with the alert events it causes;
//   2. the alerts sent (from the store's change feed) and acknowledged by the broker;
//   3. the rows it changed sent to the changelog and acknowledged;
//   4. its input offset stored (committed by the next commit), the changelog offset recorded.
// A kill at any point leaves the input offset behind the changelog, so the next owner restores
// the rows and redoes the batch: the same alerts (same ids) when they may not have been sent,
// none when the changelog already has the new state, which it only has once they were sent.

class IndexWorker final : public WorkerBase {
 public:
  IndexWorker(const WorkerConfig& config, std::ostream& log) : WorkerBase(config, log, "index") {}

  std::expected<WorkerStats, std::string> run(const std::atomic<bool>& stop) {
    auto changelog = queue::Producer::open_with_reports(
        config_.queue, [this](std::uint64_t token, const queue::DeliveryReport& r) { changelog_delivered(token, r); });
    if (!changelog) return std::unexpected(changelog.error().message);
    changelog_.emplace(std::move(*changelog));
    if (auto err = connect(config_.topics.resolved)) return std::unexpected(*err);

    while (!stop.load() && !failure_) {
      serve(0ms);
      if (config_.recheck && std::chrono::steady_clock::now() >= next_recheck_) recheck();
      if (pressure_.update(*consumer_, in_flight_)) {
        serve(5ms);  // holding a full window: acknowledgements drain it
        continue;
      }
      std::vector<queue::Message> batch = consumer_->poll(pressure_.room(in_flight_), 100ms);
      if (batch.empty()) {
        serve(pressure_.paused() ? 50ms : 0ms);
        if (auto err = rejoin_if_stalled()) return std::unexpected(*err);
        continue;
      }
      std::map<std::int32_t, std::vector<const queue::Message*>> by_partition;
      for (const auto& m : batch) by_partition[m.partition].push_back(&m);
      for (const auto& [p, msgs] : by_partition) {
        if (failure_) break;
        index_partition(p, msgs);
      }
    }
    leave();
    if (failure_) return std::unexpected(*failure_);
    return stats_;
  }

  // Every open partition's batches made safe, the offsets committed, the group left.
  void leave() override {
    std::vector<std::int32_t> open;
    for (const auto& [p, part] : parts_) open.push_back(p);
    for (const auto p : open) release(p, false);
    if (auto ok = consumer_->commit(); !ok) log_ << "index: " << ok.error().message << std::endl;
    consumer_->close();
  }

 private:
  // One committed batch on its way to being safe (steps 2-4 above).
  struct Step {
    std::uint64_t id = 0;
    std::int64_t next_input = 0;       // the input offset to store when done
    std::size_t messages = 0;          // counted in in_flight_ until done
    std::uint64_t events_through = 0;  // alert events (store seqs) acknowledged before step 3
    std::vector<std::pair<std::string, std::string>> rows;  // changelog records: name, row
    bool sent = false;
    std::size_t unacked = 0;
    std::int64_t last_offset = -1;  // highest changelog offset of its rows
  };
  struct Part {
    explicit Part(index::Store s) : store(std::move(s)) {}
    index::Store store;
    std::uint64_t events_sent = 0;   // last event seq handed to the producer
    std::uint64_t events_acked = 0;  // events acknowledged contiguously (as in the store)
    std::uint64_t last_event = 0;    // last event seq committed
    std::int64_t applied = 0;        // changelog offsets below this are in the store
    std::int64_t applied_recorded = 0;
    std::deque<Step> steps;
    std::uint64_t next_step = 1;
  };
  enum class Kind : std::uint8_t { alert, row };
  struct Pending {
    Kind kind = Kind::alert;
    std::int32_t partition = 0;
    std::uint64_t id = 0;  // event seq (alert) or step id (row)
  };

  void serve(std::chrono::milliseconds wait) {
    producer_->poll(wait);
    changelog_->poll(0ms);
    if (changelog_->fatal_error()) failure_ = "index: changelog: " + *changelog_->fatal_error();
    for (auto& [p, part] : parts_) drive(p, part);
  }

  // The re-check schedule: the due candidates of every partition owned (its store opened, and
  // restored, if no input came yet) go to `candidates` again. Delivery is fire-and-forget: a
  // request lost to a broker error is asked again once kRequestRetry passed.
  void recheck() {
    next_recheck_ = std::chrono::steady_clock::now() + config_.recheck_poll;
    const index::Time now = index::now_ms();
    std::erase_if(requested_, [&](const auto& r) { return now - r.second >= kRequestRetry; });
    std::vector<std::string> skip;
    skip.reserve(requested_.size());
    for (const auto& [name, at] : requested_) skip.push_back(name);
    std::sort(skip.begin(), skip.end());
    for (const auto& tp : consumer_->assignment()) {
      if (failure_) return;
      Part* part = part_for(tp.partition);
      if (part == nullptr) return;
      auto due = select_due(part->store, *config_.recheck, now, config_.recheck->batch, nullptr, &skip, LastCheck::last_seen);
      if (!due) {
        log_ << "index: re-check of partition " << tp.partition << ": " << due.error().message << std::endl;
        continue;
      }
      for (const index::Candidate& c : *due) {
        const queue::CandidateRecord r{c.name, c.brands, c.fuzzers};
        if (auto ok = producer_->produce(config_.topics.candidates, queue::partition_key(c.name), queue::encode(r)); !ok) {
          failure_ = "index: " + ok.error().message;
          return;
        }
        requested_[c.name] = now;
        ++stats_.rechecks;
      }
      if (!due->empty()) {
        log_ << "index: partition " << tp.partition << ": " << due->size() << " candidates due, sent for re-check" << std::endl;
      }
    }
  }

  // The partition's store, opened and brought up to date from the changelog on first use (so
  // before any of its input is indexed here). A store still locked by its previous owner (a
  // shared folder: the owner lets go only once it released the partition; a killed owner's lock
  // goes with its process) is retried for up to a minute.
  Part* part_for(std::int32_t p) {
    if (const auto it = parts_.find(p); it != parts_.end()) return &it->second;
    index::Options options;
    options.emit_events = false;  // this worker appends exactly the alert events it publishes
    options.observation_retention = config_.retention;
    const std::string path = partition_store_path(config_.db_path, p);
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    for (;;) {
      auto store = index::Store::open(path, options);
      if (store) {
        Part part(std::move(*store));
        auto acked = part.store.acked(kAlertsConsumer);
        part.events_sent = part.events_acked = part.last_event = acked ? *acked : 0;
        auto applied = changelog_applied(part.store);
        if (!applied) {
          failure_ = "index: " + path + ": " + applied.error();
          return nullptr;
        }
        part.applied = part.applied_recorded = *applied;
        log_ << "index: opened " << path << std::endl;
        if (!restore(p, part)) return nullptr;
        return &parts_.emplace(p, std::move(part)).first->second;
      }
      if (store.error().code != index::ErrorCode::locked || std::chrono::steady_clock::now() > deadline) {
        failure_ = "index: " + store.error().message;
        return nullptr;
      }
      std::this_thread::sleep_for(200ms);
    }
  }

  // Applies the changelog partition from the offset the store has reached to its end. Rows merge
  // into the store (sets unioned, first/last sighting min/max, the newer state kept), so
  // re-applying what a store already has changes nothing and state never goes backwards.
  bool restore(std::int32_t p, Part& part) {
    std::size_t rows = 0;
    index::Batch batch;
    std::int64_t next = part.applied;
    const std::int64_t from = part.applied;
    std::unordered_map<std::string, index::Time> probes;  // probe observations this restore recorded
    auto flush = [&]() -> bool {
      if (auto ok = batch.put_feed_state(kChangelogFeed, std::to_string(next)); !ok) {
        failure_ = "index: " + ok.error().message;
        return false;
      }
      if (auto ok = part.store.commit(std::move(batch)); !ok) {
        failure_ = "index: " + ok.error().message;
        return false;
      }
      batch = index::Batch();
      return true;
    };
    auto read = queue::read_partition(config_.queue, {config_.topics.index_state, p}, part.applied,
                                      [&](const queue::Message& m) {
      next = m.offset + 1;
      if (m.null_value) return true;
      auto row = queue::decode_index_state(m.value);
      if (!row) {
        log_ << "index: skipping " << m.topic << "[" << p << "]@" << m.offset << ": " << row.error().message << std::endl;
        return true;
      }
      if (!apply_row(batch, *row)) return true;
      if (row->probe && !apply_probe(part.store, batch, *row, probes)) return false;
      ++rows;
      return batch.size() < 2000 || flush();
    });
    if (!read) {
      failure_ = "index: restoring partition " + std::to_string(p) + ": " + read.error().message;
      return false;
    }
    if (failure_) return false;
    next = std::max(next, *read);
    if (next == from) return true;
    if (!flush()) return false;
    part.applied = part.applied_recorded = next;
    log_ << "index: partition " << p << " restored " << rows << " rows from " << config_.topics.index_state << "[" << p
         << "] offsets " << from << ".." << next << std::endl;
    return true;
  }

  // A changelog row as store updates: one sighting at first_seen, one at last_seen with the state.
  bool apply_row(index::Batch& batch, const queue::IndexStateRecord& row) {
    index::CandidateUpdate u;
    u.name = row.candidate.name;
    u.brands = row.candidate.brands;
    u.fuzzers = row.candidate.fuzzers;
    u.seen = row.first_seen;
    if (auto ok = batch.upsert(u); !ok) {
      log_ << "index: skipping row " << u.name << ": " << ok.error().message << std::endl;
      return false;
    }
    u.seen = row.last_seen;
    if (row.state) u.state = index::StateSummary{row.state->time, parse_dns(row.state->dns), row.state->flags};
    return batch.upsert(u).has_value();
  }

  // A changelog row's probe observation, unless the store (or this restore) has it or a newer one
  // already: re-applying the changelog records no evidence twice. False (failure_ set) on a store error.
  bool apply_probe(const index::Store& store, index::Batch& batch, const queue::IndexStateRecord& row,
                   std::unordered_map<std::string, index::Time>& recorded) {
    const std::string& name = row.candidate.name;
    const index::Time t = row.probe->time;
    if (const auto it = recorded.find(name); it != recorded.end() && it->second >= t) return true;
    auto latest = latest_probe(store, name);
    if (!latest) {
      failure_ = "index: " + latest.error().message;
      return false;
    }
    if (*latest && (*latest)->time >= t) return true;
    if (auto ok = batch.record_observation(index::Observation{name, t, index::ObservationKind::probe, row.probe->observation}); !ok) {
      failure_ = "index: " + ok.error().message;
      return false;
    }
    recorded[name] = t;
    return true;
  }

  // A row as the changelog carries it, with the row's latest probe observation.
  std::expected<queue::IndexStateRecord, index::Error> row_of(const index::Store& store, const index::Candidate& c) const {
    queue::IndexStateRecord r{{c.name, c.brands, c.fuzzers}, c.first_seen, c.last_seen, std::nullopt, std::nullopt};
    if (c.state) r.state = queue::IndexStateRecord::State{c.state->time, std::string(dns_name(c.state->dns)), c.state->flags};
    if (config_.index_input == IndexInput::probed) {
      auto latest = latest_probe(store, c.name);
      if (!latest) return std::unexpected(latest.error());
      if (*latest) r.probe = queue::IndexStateRecord::Probe{(*latest)->time, std::move((*latest)->payload)};
    }
    return r;
  }

  static std::expected<std::optional<index::Observation>, index::Error> latest_probe(const index::Store& store,
                                                                                      std::string_view name) {
    std::optional<index::Observation> latest;
    auto ok = store.observations(name, [&](const index::Observation& o) {
      if (o.kind == index::ObservationKind::probe && (!latest || o.time >= latest->time)) latest = o;
      return true;
    });
    if (!ok) return std::unexpected(ok.error());
    return latest;
  }

  // An input record: a resolution, or (behind probe workers) a resolution with the probe's JSON.
  std::expected<queue::ResolvedRecord, queue::Error> decode_input(std::string_view value, std::string& probe) const {
    if (config_.index_input != IndexInput::probed) return queue::decode_resolved(value);
    auto p = queue::decode_probed(value);
    if (!p) return std::unexpected(p.error());
    probe = std::move(p->probe);
    return std::move(p->resolved);
  }

  void index_partition(std::int32_t p, const std::vector<const queue::Message*>& msgs) {
    Part* part = part_for(p);
    if (part == nullptr) return;
    index::Store& store = part->store;
    index::Batch batch;
    std::unordered_map<std::string, index::Candidate> seen;    // this batch's view of its names
    std::unordered_map<std::string, index::Candidate> before;  // ... and what the store had
    for (const queue::Message* m : msgs) {
      ++stats_.consumed;
      std::string probe;  // behind probe workers: what the probes saw ("" when not probed)
      auto rec = decode_input(m->value, probe);
      if (!rec) {
        log_ << "index: skipping " << m->topic << "[" << p << "]@" << m->offset << ": " << rec.error().message << std::endl;
        ++stats_.skipped;
        continue;
      }
      auto it = seen.find(rec->candidate.name);
      if (it == seen.end()) {
        auto stored = store.get_candidate(rec->candidate.name);
        if (!stored) {
          failure_ = "index: " + stored.error().message;
          return;
        }
        before.emplace(rec->candidate.name, stored->value_or(index::Candidate{}));
        it = seen.emplace(rec->candidate.name, stored->value_or(index::Candidate{})).first;
      }
      index::Candidate& prev = it->second;
      index::CandidateUpdate u;
      u.name = rec->candidate.name;
      u.brands = rec->candidate.brands;
      u.fuzzers = rec->candidate.fuzzers;
      u.seen = rec->time;
      // A resolution no newer than what the store already has (a redelivery after a crash, or a
      // late duplicate) adds provenance only: state never goes backwards and no alert repeats.
      const bool stale = prev.last_seen != 0 && rec->time <= prev.last_seen;
      if (!stale) requested_.erase(u.name);  // a re-check asked for has come back
      const index::StateSummary next{rec->time, parse_dns(rec->dns), rec->flags};
      std::string change;
      if (stale) {
        ++stats_.skipped;
      } else {
        const bool same = prev.state && prev.state->dns == next.dns && prev.state->flags == next.flags;
        if (!same) u.state = next;
        change = state_change(prev.state, next);
        prev.last_seen = rec->time;
        if (!same) prev.state = next;
      }
      if (auto ok = batch.upsert(u); !ok) {
        log_ << "index: skipping " << u.name << ": " << ok.error().message << std::endl;
        continue;
      }
      if (!stale && !probe.empty()) {
        // The evidence behind the probe's state bits, as the in-process scan keeps it.
        if (auto ok = batch.record_observation(index::Observation{u.name, rec->time, index::ObservationKind::probe, probe}); !ok) {
          failure_ = "index: " + ok.error().message;
          return;
        }
      }
      if (!change.empty()) {
        const queue::AlertRecord alert{queue::alert_id(u.name, change, std::to_string(rec->time)), u.name, change, rec->time};
        const auto kind = change == "registered" ? index::EventKind::registered : index::EventKind::custom;
        if (auto ok = batch.append_event(kind, u.name, queue::encode(alert)); !ok) {
          failure_ = "index: " + ok.error().message;
          return;
        }
      }
    }
    if (!batch.empty()) {
      if (auto ok = store.commit(std::move(batch)); !ok) {
        failure_ = "index: " + ok.error().message;
        return;
      }
    }
    // Sends this batch's events (and, after a restart, those never acknowledged): last_event is
    // then the store's newest event, which this batch's rows wait for.
    publish_alerts(p, *part);
    if (failure_) return;
    Step step;
    step.id = part->next_step++;
    step.next_input = msgs.back()->offset + 1;
    step.messages = msgs.size();
    step.events_through = part->last_event;
    // The rows as this batch left them (not as later batches will): the changelog must never
    // carry a state whose alert was not acknowledged yet.
    for (const auto& [name, old] : before) {
      auto now = store.get_candidate(name);
      if (!now) {
        failure_ = "index: " + now.error().message;
        return;
      }
      if (*now && **now != old) {
        auto row = row_of(store, **now);
        if (!row) {
          failure_ = "index: " + row.error().message;
          return;
        }
        step.rows.emplace_back(name, queue::encode(*row));
      }
    }
    in_flight_ += step.messages;
    part->steps.push_back(std::move(step));
    drive(p, *part);
  }

  // Sends the partition's change-feed events after the last one sent (not yet acknowledged ones
  // included after a restart: the same alert ids again).
  void publish_alerts(std::int32_t p, Part& part) {
    for (;;) {
      auto events = part.store.read_events_after(part.events_sent, 1000);
      if (!events) {
        failure_ = "index: " + events.error().message;
        return;
      }
      if (events->empty()) return;
      for (const auto& e : *events) {
        const std::uint64_t token = next_token_++;
        tokens_[token] = {Kind::alert, p, e.seq};
        alerts_.started(p, static_cast<std::int64_t>(e.seq));
        if (auto ok = producer_->produce(config_.topics.alerts, queue::partition_key(e.name), e.detail, token); !ok) {
          failure_ = "index: " + ok.error().message;
          return;
        }
        part.events_sent = e.seq;
        part.last_event = std::max(part.last_event, e.seq);
      }
    }
  }

  void delivered(std::uint64_t token, const std::optional<std::string>& err) override {
    const auto it = tokens_.find(token);
    if (it == tokens_.end()) return;
    if (err) {
      failure_ = "index: alert delivery failed: " + *err;
    } else {
      alerts_.finished(it->second.partition, static_cast<std::int64_t>(it->second.id));
      ++stats_.alerts;
    }
    tokens_.erase(it);
  }

  void changelog_delivered(std::uint64_t token, const queue::DeliveryReport& r) {
    const auto it = tokens_.find(token);
    if (it == tokens_.end()) return;
    const Pending pending = it->second;
    tokens_.erase(it);
    if (r.error) {
      failure_ = "index: changelog delivery failed: " + *r.error;
      return;
    }
    const auto part = parts_.find(pending.partition);
    if (part == parts_.end() || part->second.steps.empty()) return;  // released (lost) meanwhile
    auto& steps = part->second.steps;
    if (pending.id < steps.front().id) return;
    Step& step = steps[static_cast<std::size_t>(pending.id - steps.front().id)];
    --step.unacked;
    step.last_offset = std::max(step.last_offset, r.offset);
  }

  // Moves a partition's batches through steps 2-4, in order.
  void drive(std::int32_t p, Part& part) {
    if (const auto next = alerts_.advance(p); next && *next > 0) {
      part.events_acked = static_cast<std::uint64_t>(*next - 1);
      if (auto ok = part.store.ack(kAlertsConsumer, part.events_acked); !ok) log_ << "index: " << ok.error().message << std::endl;
    }
    for (Step& step : part.steps) {
      if (step.sent) continue;
      if (step.events_through > part.events_acked) break;
      for (const auto& [name, row] : step.rows) {
        const std::uint64_t token = next_token_++;
        tokens_[token] = {Kind::row, p, step.id};
        if (auto ok = changelog_->produce_to(config_.topics.index_state, p, name, row, token); !ok) {
          tokens_.erase(token);
          failure_ = "index: " + ok.error().message;
          return;
        }
        ++step.unacked;
      }
      step.sent = true;
    }
    bool done = false;
    while (!part.steps.empty() && part.steps.front().sent && part.steps.front().unacked == 0) {
      const Step& step = part.steps.front();
      if (auto ok = consumer_->store_offset({config_.topics.resolved, p}, step.next_input); !ok) {
        log_ << "index: " << ok.error().message << std::endl;
      }
      part.applied = std::max(part.applied, step.last_offset + 1);
      in_flight_ -= step.messages;
      part.steps.pop_front();
      done = true;
    }
    if (done && part.applied != part.applied_recorded) record_applied(part);
  }

  void record_applied(Part& part) {
    index::Batch batch;
    if (auto ok = batch.put_feed_state(kChangelogFeed, std::to_string(part.applied)); ok) {
      if (auto c = part.store.commit(std::move(batch)); !c) {
        log_ << "index: " << c.error().message << std::endl;
        return;
      }
      part.applied_recorded = part.applied;
    }
  }

  // Lets a partition go: unless lost, finishes its batches (alerts, changelog, offsets) first.
  void release(std::int32_t p, bool lost) {
    const auto it = parts_.find(p);
    if (it != parts_.end()) {
      Part& part = it->second;
      while (!lost && !part.steps.empty() && !failure_ && !producer_->fatal_error()) serve(100ms);
      for (const Step& step : part.steps) in_flight_ -= step.messages;
      part.steps.clear();
      if (part.applied != part.applied_recorded) record_applied(part);
      parts_.erase(it);
    }
    alerts_.forget(p);
    std::erase_if(tokens_, [p](const auto& t) { return t.second.partition == p; });
  }

  void revoked(const std::vector<queue::TopicPartition>& tps, bool lost) override {
    for (const auto& tp : tps) release(tp.partition, lost);
    if (!lost) {
      if (auto ok = consumer_->commit(1); !ok) log_ << "index: " << ok.error().message << std::endl;
    }
  }

  std::optional<queue::Producer> changelog_;  // reports offsets: the store records how far it got
  std::map<std::int32_t, Part> parts_;
  queue::OffsetTracker alerts_;  // event seqs in flight to the alerts topic
  std::unordered_map<std::uint64_t, Pending> tokens_;
  std::uint64_t next_token_ = 1;
  std::size_t in_flight_ = 0;  // input messages taken and not yet safe
  std::chrono::steady_clock::time_point next_recheck_{};
  std::unordered_map<std::string, index::Time> requested_;  // re-checks asked for, not yet back
};

// ---------------------------------------------------------------------------------------------
// match: names (certificates, zone files, feeds) -> candidates, against the brand table read in
// full from its compacted topic at start and again every WorkerConfig::brand_table_refresh. A name's offset is stored once every candidate it
// produced is acknowledged (a name matching nothing is done at once).

class MatchWorker final : public ForwardingWorker {
 public:
  MatchWorker(const WorkerConfig& config, std::ostream& log) : ForwardingWorker(config, log, "match") {}

  std::expected<WorkerStats, std::string> run(const std::atomic<bool>& stop) {
    if (auto err = load_brands()) return std::unexpected(*err);
    if (auto err = connect(config_.topics.names)) return std::unexpected(*err);
    return forward_loop(
        stop,
        [this](const std::vector<queue::Message>& batch) {
          for (const auto& m : batch) process(m);
        },
        [this] {
          if (std::chrono::steady_clock::now() < next_table_read_) return;
          // A brand added or changed while running is matched from here on; a table that cannot
          // be read now keeps the current matcher (logged) and is tried again at the next interval.
          if (auto err = load_brands()) {
            log_ << *err << "; keeping the " << matcher_->brand_count() << " brands read before" << std::endl;
          }
        });
  }

 private:
  // Reads the brand table in full and (re)builds the matcher when it differs from the last one
  // read; an error message when it cannot be read or built.
  std::optional<std::string> load_brands() {
    next_table_read_ = std::chrono::steady_clock::now() + config_.brand_table_refresh;
    auto table = queue::read_table(config_.queue, config_.topics.brands);
    if (!table) return "match: brand table: " + table.error().message;
    if (matcher_ && *table == table_) return std::nullopt;
    std::vector<generator::BrandSpec> specs;
    for (const auto& [key, value] : *table) {
      auto b = queue::decode_brand(value);
      if (!b) {
        log_ << "match: skipping brand " << key << ": " << b.error().message << std::endl;
        continue;
      }
      specs.push_back(generator::BrandSpec{b->domain, b->keywords, b->owned});
    }
    auto matcher = generator::Matcher::build(specs);
    if (!matcher) return "match: brand table: " + matcher.error().message;
    const bool again = matcher_.has_value();
    matcher_.emplace(std::move(*matcher));
    table_ = std::move(*table);
    log_ << "match: " << matcher_->brand_count() << " brands from " << config_.topics.brands << (again ? " (changed)" : "")
         << std::endl;
    return std::nullopt;
  }

  void process(const queue::Message& m) {
    ++stats_.consumed;
    tracker_.started(m.partition, m.offset);
    auto record = queue::decode_name(m.value);
    std::vector<generator::Match> found;
    std::string name;
    if (record) {
      std::string_view n = record->name;
      if (n.starts_with("*.")) n.remove_prefix(2);
      while (n.ends_with('.')) n.remove_suffix(1);
      name.assign(n);
      for (auto& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      matcher_->match(name, found);
    } else {
      log_ << "match: skipping " << m.topic << "[" << m.partition << "]@" << m.offset << ": " << record.error().message
           << std::endl;
      ++stats_.skipped;
    }
    if (found.empty()) {
      tracker_.finished(m.partition, m.offset);
      return;
    }
    // One candidate per name, naming every brand it imitates and how ("ct:<rule>", whatever the
    // source: the matcher's rule, as the in-process CT and scan paths store it), plus where a zone
    // or feed name came from ("zone:com@2026-12-02", as `ingest` records it).
    queue::CandidateRecord out{name, {}, {}};
    for (const auto& f : found) {
      out.brands.emplace_back(f.brand);
      out.fuzzers.push_back("ct:" + std::string(generator::rule_name(f.rule)));
    }
    if (record->source.starts_with("zone:") || record->source.starts_with("feed:")) out.fuzzers.push_back(record->source);
    std::sort(out.brands.begin(), out.brands.end());
    out.brands.erase(std::unique(out.brands.begin(), out.brands.end()), out.brands.end());
    std::sort(out.fuzzers.begin(), out.fuzzers.end());
    out.fuzzers.erase(std::unique(out.fuzzers.begin(), out.fuzzers.end()), out.fuzzers.end());
    forward(m, config_.topics.candidates, queue::partition_key(name), queue::encode(out));
  }

  std::optional<generator::Matcher> matcher_;
  std::map<std::string, std::string> table_;  // the brand table the matcher was built from
  std::chrono::steady_clock::time_point next_table_read_{};
};

}  // namespace

std::string_view worker_role_name(WorkerRole role) noexcept {
  switch (role) {
    case WorkerRole::resolve: return "resolve";
    case WorkerRole::probe: return "probe";
    case WorkerRole::match: return "match";
    case WorkerRole::index: return "index";
    case WorkerRole::ct_follow: return "ct-follow";
  }
  return "?";
}

std::optional<WorkerRole> parse_worker_role(std::string_view s) noexcept {
  for (const auto r : {WorkerRole::resolve, WorkerRole::probe, WorkerRole::match, WorkerRole::index, WorkerRole::ct_follow}) {
    if (worker_role_name(r) == s) return r;
  }
  return std::nullopt;
}

std::string state_change(const std::optional<index::StateSummary>& prev, const index::StateSummary& next) {
  const bool now_registered = (next.flags & sf::registered) != 0;
  const bool was_registered = prev && (prev->flags & sf::registered) != 0;
  if (now_registered && !was_registered) return "registered";
  if (!now_registered && was_registered) {
    // Only NXDOMAIN says a name is gone; a timeout or SERVFAIL of a registered name is no news.
    return next.dns == index::DnsOutcome::nxdomain ? "deregistered" : "";
  }
  if (!now_registered) return "";
  std::string out;
  auto appeared = [&](std::uint32_t bit, std::string_view what) {
    if ((next.flags & bit) && !(prev->flags & bit)) out += (out.empty() ? "" : ", ") + std::string(what);
  };
  appeared(sf::has_mx, "mx appeared");
  appeared(sf::spf, "spf appeared");
  // Set only by the probe stage (index --input probed).
  appeared(sf::mx_live, "mx live");
  appeared(sf::web_live, "web live");
  return out;
}

std::string partition_store_path(const std::string& db_path, std::int32_t partition) {
  return db_path + "/partition-" + std::to_string(partition);
}

std::expected<std::int64_t, std::string> changelog_applied(const index::Store& store) {
  auto v = store.get_feed_state(kChangelogFeed);
  if (!v) return std::unexpected(v.error().message);
  if (!*v) return 0;
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars((*v)->data(), (*v)->data() + (*v)->size(), n);
  if (ec != std::errc{} || end != (*v)->data() + (*v)->size() || n < 0) {
    return std::unexpected("changelog offset '" + **v + "' is not a number");
  }
  return n;
}

std::expected<WorkerStats, std::string> run_worker(const WorkerConfig& config, const std::atomic<bool>& stop,
                                                   std::ostream& log) {
  switch (config.role) {
    case WorkerRole::resolve:
      if (config.resolver.upstreams.empty()) return std::unexpected("resolve: no resolvers given (--resolvers)");
      return ResolveWorker(config, log).run(stop);
    case WorkerRole::index: {
      if (config.db_path.empty()) return std::unexpected("index: no store folder (--db)");
      // The index reads its input topic as topics.resolved: behind probe workers that is the
      // probe stage's output (a superset of the resolved records, see queue::ProbedRecord).
      WorkerConfig c = config;
      if (config.index_input == IndexInput::probed) c.topics.resolved = config.topics.probed;
      return IndexWorker(c, log).run(stop);
    }
    case WorkerRole::match: return MatchWorker(config, log).run(stop);
    case WorkerRole::probe:
      if (config.resolver.upstreams.empty()) return std::unexpected("probe: no resolvers given (--resolvers)");
      return run_probe_worker(config, stop, log);
    case WorkerRole::ct_follow:
      if (config.ct_logs.empty()) return std::unexpected("ct-follow: no CT logs to follow (--logs, --log)");
      return run_ct_follow_worker(config, stop, log);
  }
  return std::unexpected("unknown role");
}

}  // namespace lookalike::pipeline
