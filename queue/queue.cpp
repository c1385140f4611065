// librdkafka behind queue.hpp: configuration, the idempotent producer, the group consumer with
// cooperative rebalancing and stored offsets, metadata queries and the mock cluster.
#include "queue/queue.hpp"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "domain/domain.hpp"

#ifdef LOOKALIKE_TSAN_C11_THREADS
#include <pthread.h>
#include <threads.h>

#include <cerrno>
#include <cstdint>

// ThreadSanitizer (GCC 12's libtsan, clang 16's runtime) intercepts pthread_create but not C11
// thrd_create, which Debian's librdkafka uses for every thread it starts: such a thread has no
// TSan state and the first intercepted call it makes (malloc) crashes the process. In TSan builds
// this definition takes the place of glibc's (an unversioned definition in the program satisfies
// librdkafka's thrd_create@GLIBC_2.34 reference) and starts the thread through pthread_create,
// which TSan sees. glibc's thrd_t is a pthread_t and thrd_join reads the pthread result as the
// int the thread returned, as this trampoline hands it back.
namespace {
struct C11Start {
  thrd_start_t fn;
  void* arg;
};
void* c11_trampoline(void* p) {
  const C11Start start = *static_cast<C11Start*>(p);
  delete static_cast<C11Start*>(p);
  return reinterpret_cast<void*>(static_cast<std::intptr_t>(start.fn(start.arg)));
}
}  // namespace

extern "C" int thrd_create(thrd_t* thr, thrd_start_t fn, void* arg) {
  auto* start = new C11Start{fn, arg};
  const int rc = pthread_create(thr, nullptr, c11_trampoline, start);
  if (rc == 0) return thrd_success;
  delete start;
  return rc == EAGAIN ? thrd_nomem : thrd_error;
}

// glibc's thrd_join and thrd_detach call internal pthread functions TSan does not see either (it
// would report every librdkafka thread as leaked): the same through the intercepted ones.
extern "C" int thrd_join(thrd_t thr, int* res) {
  void* out = nullptr;
  if (pthread_join(thr, &out) != 0) return thrd_error;
  if (res != nullptr) *res = static_cast<int>(reinterpret_cast<std::intptr_t>(out));
  return thrd_success;
}

extern "C" int thrd_detach(thrd_t thr) { return pthread_detach(thr) == 0 ? thrd_success : thrd_error; }
#endif

namespace lookalike::queue {
namespace {

using namespace std::chrono_literals;

Error error(std::string what, rd_kafka_resp_err_t err) {
  return Error{std::move(what) + ": " + rd_kafka_err2str(err)};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using ListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;

std::expected<void, Error> set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char reason[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), reason, sizeof reason) != RD_KAFKA_CONF_OK) {
    return std::unexpected(Error{"kafka setting " + key + "=" + value + ": " + reason});
  }
  return {};
}

// Ours first, then the operator's properties (which may override any of them).
std::expected<ConfPtr, Error> make_conf(const Config& config,
                                        const std::vector<std::pair<std::string, std::string>>& ours) {
  ConfPtr conf(rd_kafka_conf_new());
  std::vector<std::pair<std::string, std::string>> all = {{"client.id", config.client_id}};
  if (!config.brokers.empty()) all.emplace_back("bootstrap.servers", config.brokers);
  all.insert(all.end(), ours.begin(), ours.end());
  all.insert(all.end(), config.properties.begin(), config.properties.end());
  for (const auto& [k, v] : all) {
    if (auto ok = set(conf.get(), k, v); !ok) return std::unexpected(ok.error());
  }
  return conf;
}

std::expected<HandlePtr, Error> make_handle(rd_kafka_type_t type, ConfPtr conf) {
  char reason[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), reason, sizeof reason);
  if (rk == nullptr) return std::unexpected(Error{std::string("cannot create kafka client: ") + reason});
  (void)conf.release();  // rd_kafka_new took ownership
  return HandlePtr(rk);
}

std::vector<TopicPartition> to_vector(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> out;
  for (int i = 0; list != nullptr && i < list->cnt; ++i) {
    out.push_back(TopicPartition{list->elems[i].topic, list->elems[i].partition});
  }
  return out;
}

ListPtr to_list(const std::vector<TopicPartition>& tps) {
  ListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(tps.size())));
  for (const auto& tp : tps) rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
  return list;
}

std::string random_suffix() {
  std::random_device rd;
  return std::to_string(rd());
}

}  // namespace

std::expected<std::vector<std::pair<std::string, std::string>>, Error> read_properties(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::unexpected(Error{"cannot read " + path});
  std::vector<std::pair<std::string, std::string>> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const std::string_view l = trim(line);
    if (l.empty() || l.front() == '#') continue;
    const auto eq = l.find('=');
    if (eq == std::string_view::npos || trim(l.substr(0, eq)).empty()) {
      return std::unexpected(Error{path + ":" + std::to_string(n) + ": expected key=value"});
    }
    out.emplace_back(std::string(trim(l.substr(0, eq))), std::string(trim(l.substr(eq + 1))));
  }
  return out;
}

std::int32_t partition_of(std::string_view key, int partitions) {
  // librdkafka's own murmur2 partitioner (it reads neither the topic nor the opaques).
  return rd_kafka_msg_partitioner_murmur2(nullptr, key.data(), key.size(), std::max(partitions, 1), nullptr, nullptr);
}

std::string partition_key(std::string_view name) {
  while (!name.empty() && name.back() == '.') name.remove_suffix(1);
  const std::string_view suffix = domain::public_suffix(name);
  if (suffix.size() >= name.size()) return std::string(name);
  // The label left of the suffix, and the suffix.
  const std::string_view left = name.substr(0, name.size() - suffix.size() - 1);
  const auto dot = left.rfind('.');
  return std::string(dot == std::string_view::npos ? name : name.substr(dot + 1));
}

// ---------------------------------------------------------------------------------------------
// Producer

struct Producer::Impl {
  HandlePtr rk;
  DeliveryHandler on_delivery;
  DeliveryReportHandler on_report;
  mutable std::mutex fatal_mu;  // set on a polling thread, read by producing threads
  std::optional<std::string> fatal;

  std::optional<std::string> fatal_error() const {
    std::lock_guard lock(fatal_mu);
    return fatal;
  }

  static void delivered(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    const auto token = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(m->_private));
    std::optional<std::string> err;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) err = std::string(rd_kafka_err2str(m->err));
    if (self->on_report) {
      self->on_report(token, DeliveryReport{err, err ? -1 : m->partition, err ? -1 : m->offset});
    } else if (self->on_delivery) {
      self->on_delivery(token, err);
    }
  }
  static void errored(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      char why[512];
      rd_kafka_fatal_error(rk, why, sizeof why);
      std::lock_guard lock(self->fatal_mu);
      self->fatal = why;
    }
    (void)reason;  // transient errors (broker down, ...) are retried by librdkafka itself
  }

  // `partition` RD_KAFKA_PARTITION_UA: chosen by the partitioner from the key.
  std::expected<void, Error> produce(std::string_view topic, std::string_view key, const void* value,
                                     std::size_t size, std::uint64_t token,
                                     std::int32_t partition = RD_KAFKA_PARTITION_UA) {
    for (;;) {
      if (auto f = fatal_error()) return std::unexpected(Error{"kafka producer: " + *f});
      const rd_kafka_resp_err_t err = rd_kafka_producev(
          rk.get(), RD_KAFKA_V_TOPIC(std::string(topic).c_str()), RD_KAFKA_V_PARTITION(partition),
          RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()), RD_KAFKA_V_VALUE(const_cast<void*>(value), size),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<std::uintptr_t>(token))), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return {};
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) return std::unexpected(error("produce to " + std::string(topic), err));
      rd_kafka_poll(rk.get(), 100);
    }
  }
};

std::expected<Producer, Error> Producer::open(const Config& config, DeliveryHandler on_delivery) {
  auto impl = std::make_unique<Impl>();
  impl->on_delivery = std::move(on_delivery);
  return open_impl(config, std::move(impl));
}

std::expected<Producer, Error> Producer::open_with_reports(const Config& config, DeliveryReportHandler on_report) {
  auto impl = std::make_unique<Impl>();
  impl->on_report = std::move(on_report);
  return open_impl(config, std::move(impl));
}

std::expected<Producer, Error> Producer::open_impl(const Config& config, std::unique_ptr<Impl> impl) {
  // acks=all + idempotence: a retried batch is written once, in order; no time limit on delivery
  // (message.timeout.ms=0): a message is reported failed only on a fatal error, so a broker
  // outage becomes backpressure, never loss.
  auto conf = make_conf(config, {{"enable.idempotence", "true"},
                                 {"acks", "all"},
                                 {"partitioner", "murmur2_random"},
                                 {"linger.ms", "5"},
                                 {"message.timeout.ms", "0"}});
  if (!conf) return std::unexpected(conf.error());
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &Impl::delivered);
  rd_kafka_conf_set_error_cb(conf->get(), &Impl::errored);
  rd_kafka_conf_set_opaque(conf->get(), impl.get());
  auto rk = make_handle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk) return std::unexpected(rk.error());
  impl->rk = std::move(*rk);
  return Producer(std::move(impl));
}

Producer::Producer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Producer::Producer(Producer&&) noexcept = default;
Producer& Producer::operator=(Producer&&) noexcept = default;
Producer::~Producer() = default;

std::expected<void, Error> Producer::produce(std::string_view topic, std::string_view key, std::string_view value,
                                             std::uint64_t token) {
  return impl_->produce(topic, key, value.data(), value.size(), token);
}

std::expected<void, Error> Producer::produce_to(std::string_view topic, std::int32_t partition, std::string_view key,
                                                std::string_view value, std::uint64_t token) {
  return impl_->produce(topic, key, value.data(), value.size(), token, partition);
}

std::expected<void, Error> Producer::produce_tombstone(std::string_view topic, std::string_view key) {
  return impl_->produce(topic, key, nullptr, 0, 0);
}

void Producer::poll(std::chrono::milliseconds timeout) { rd_kafka_poll(impl_->rk.get(), static_cast<int>(timeout.count())); }

std::size_t Producer::in_flight() const { return static_cast<std::size_t>(rd_kafka_outq_len(impl_->rk.get())); }

std::expected<void, Error> Producer::flush(std::chrono::milliseconds timeout) {
  const rd_kafka_resp_err_t err = rd_kafka_flush(impl_->rk.get(), static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return std::unexpected(error("flush", err));
  return {};
}

std::optional<std::string> Producer::fatal_error() const { return impl_->fatal_error(); }

// ---------------------------------------------------------------------------------------------
// Consumer

struct Consumer::Impl {
  HandlePtr rk;
  AssignHandler on_assign;
  RevokeHandler on_revoke;
  bool closed = false;
  bool assigned = false;  // an assignment was received (the sticky assignor's state exists)
  // For stalled(): where each assigned partition stands (one past the last message returned; no
  // entry: none yet), what the application paused, and since when poll() returns nothing.
  std::map<TopicPartition, std::int64_t> next;
  std::set<TopicPartition> paused;
  std::optional<std::chrono::steady_clock::time_point> empty_since;

  // librdkafka before 2.3.0 aborts in rd_kafka_destroy when a cooperative-sticky consumer never
  // received an assignment (assert in rd_kafka_sticky_assignor_state_destroy: issue #4312, fixed
  // by #4381); Debian 12 ships 2.0.2. Such a handle, already closed, is left to the process's
  // exit instead of destroyed: its threads idle until then (a worker exits right after).
  ~Impl() {
    if (!assigned && rk && rd_kafka_version() < 0x020300ff) keep_until_exit(rk.release());
  }

  // Kept reachable from a static list, so leak checkers (the ASan runs) do not report it.
  static void keep_until_exit(rd_kafka_t* handle) {
    static std::mutex mu;
    static auto* kept = new std::vector<rd_kafka_t*>();  // never freed: lives until exit
    std::lock_guard lock(mu);
    kept->push_back(handle);
  }

  static void rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                        void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    const bool cooperative = std::string_view(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE";
    const std::vector<TopicPartition> list = to_vector(parts);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      self->assigned = true;
      self->empty_since.reset();
      if (cooperative) {
        if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, parts)) rd_kafka_error_destroy(e);
      } else {
        rd_kafka_assign(rk, parts);
      }
      if (self->on_assign) self->on_assign(list);
      return;
    }
    // Revoked (or an error): the owner finishes and commits what it holds before letting go.
    for (const auto& tp : list) self->next.erase(tp);
    if (self->on_revoke) self->on_revoke(list, rd_kafka_assignment_lost(rk) != 0);
    if (cooperative) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, parts)) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk, nullptr);
    }
  }
};

std::expected<Consumer, Error> Consumer::open(const Config& config, const std::vector<std::string>& topics,
                                              AssignHandler on_assign, RevokeHandler on_revoke) {
  if (config.group.empty()) return std::unexpected(Error{"a consumer needs a group name"});
  auto impl = std::make_unique<Impl>();
  impl->on_assign = std::move(on_assign);
  impl->on_revoke = std::move(on_revoke);
  auto conf = make_conf(config, {{"group.id", config.group},
                                 {"partition.assignment.strategy", "cooperative-sticky"},
                                 {"enable.auto.offset.store", "false"},
                                 {"enable.auto.commit", "true"},
                                 {"auto.commit.interval.ms", "250"},
                                 {"auto.offset.reset", "earliest"},
                                 {"enable.partition.eof", "false"}});
  if (!conf) return std::unexpected(conf.error());
  rd_kafka_conf_set_rebalance_cb(conf->get(), &Impl::rebalance);
  rd_kafka_conf_set_opaque(conf->get(), impl.get());
  auto rk = make_handle(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!rk) return std::unexpected(rk.error());
  impl->rk = std::move(*rk);
  rd_kafka_poll_set_consumer(impl->rk.get());
  ListPtr subscription(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const auto& t : topics) rd_kafka_topic_partition_list_add(subscription.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  if (const rd_kafka_resp_err_t err = rd_kafka_subscribe(impl->rk.get(), subscription.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::unexpected(error("subscribe", err));
  }
  return Consumer(std::move(impl));
}

Consumer::Consumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Consumer::Consumer(Consumer&&) noexcept = default;
Consumer& Consumer::operator=(Consumer&&) noexcept = default;
Consumer::~Consumer() {
  if (impl_) close();
}

std::vector<Message> Consumer::poll(std::size_t max, std::chrono::milliseconds timeout) {
  std::vector<Message> out;
  int wait = static_cast<int>(timeout.count());
  while (out.size() < max) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(impl_->rk.get(), wait);
    if (m == nullptr) break;
    wait = 0;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      Message msg;
      msg.topic = rd_kafka_topic_name(m->rkt);
      msg.partition = m->partition;
      msg.offset = m->offset;
      if (m->key != nullptr) msg.key.assign(static_cast<const char*>(m->key), m->key_len);
      if (m->payload != nullptr) {
        msg.value.assign(static_cast<const char*>(m->payload), m->len);
      } else {
        msg.null_value = true;
      }
      impl_->next[TopicPartition{msg.topic, msg.partition}] = msg.offset + 1;
      out.push_back(std::move(msg));
    }
    // Consumer errors (broker transport, partition EOF) are informational: librdkafka recovers.
    rd_kafka_message_destroy(m);
  }
  if (!out.empty()) {
    impl_->empty_since.reset();
  } else if (!impl_->empty_since) {
    impl_->empty_since = std::chrono::steady_clock::now();
  }
  return out;
}

std::expected<void, Error> Consumer::store_offset(const TopicPartition& tp, std::int64_t next_offset) {
  ListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = next_offset;
  if (const rd_kafka_resp_err_t err = rd_kafka_offsets_store(impl_->rk.get(), list.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::unexpected(error("store offset " + tp.topic + "[" + std::to_string(tp.partition) + "]", err));
  }
  if (list->elems[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::unexpected(error("store offset " + tp.topic + "[" + std::to_string(tp.partition) + "]", list->elems[0].err));
  }
  return {};
}

std::expected<void, Error> Consumer::commit(int attempts) {
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  for (int attempt = 0; attempt < std::max(attempts, 1); ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(200ms);
    err = rd_kafka_commit(impl_->rk.get(), nullptr, 0);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET) return {};
  }
  return std::unexpected(error("commit offsets", err));
}

void Consumer::pause(const std::vector<TopicPartition>& partitions) {
  if (partitions.empty()) return;
  rd_kafka_pause_partitions(impl_->rk.get(), to_list(partitions).get());
  impl_->paused.insert(partitions.begin(), partitions.end());
}

void Consumer::resume(const std::vector<TopicPartition>& partitions) {
  if (partitions.empty()) return;
  rd_kafka_resume_partitions(impl_->rk.get(), to_list(partitions).get());
  for (const auto& tp : partitions) impl_->paused.erase(tp);
  impl_->empty_since.reset();  // a resumed partition gets a fresh quiet period
}

std::vector<Consumer::Stall> Consumer::stalled(std::chrono::milliseconds quiet, std::chrono::milliseconds timeout) {
  std::vector<Stall> out;
  if (!impl_->empty_since || std::chrono::steady_clock::now() - *impl_->empty_since < quiet) return out;
  const int ms = static_cast<int>(timeout.count());
  // Where each partition stands: past its last message returned, else (asked in one request) the
  // group's committed offset.
  std::map<TopicPartition, std::int64_t> standing;
  ListPtr unknown(rd_kafka_topic_partition_list_new(4));
  for (const auto& tp : assignment()) {
    if (impl_->paused.contains(tp)) continue;
    const auto it = impl_->next.find(tp);
    if (it == impl_->next.end()) {
      rd_kafka_topic_partition_list_add(unknown.get(), tp.topic.c_str(), tp.partition);
    } else {
      standing[tp] = it->second;
    }
  }
  if (unknown->cnt > 0 && rd_kafka_committed(impl_->rk.get(), unknown.get(), ms) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < unknown->cnt; ++i) {
      const auto& e = unknown->elems[i];
      // RD_KAFKA_OFFSET_INVALID (-1001): nothing committed, the partition starts at its low watermark.
      if (e.err == RD_KAFKA_RESP_ERR_NO_ERROR) standing[TopicPartition{e.topic, e.partition}] = e.offset;
    }
  }
  for (const auto& [tp, at] : standing) {
    std::int64_t low = 0;
    std::int64_t high = 0;
    if (rd_kafka_query_watermark_offsets(impl_->rk.get(), tp.topic.c_str(), tp.partition, &low, &high, ms) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      continue;
    }
    const std::int64_t position = at >= 0 ? at : low;
    if (high > position) out.push_back(Stall{tp, position, high});
  }
  return out;
}

std::vector<TopicPartition> Consumer::assignment() const {
  rd_kafka_topic_partition_list_t* list = nullptr;
  if (rd_kafka_assignment(impl_->rk.get(), &list) != RD_KAFKA_RESP_ERR_NO_ERROR) return {};
  ListPtr owned(list);
  return to_vector(list);
}

void Consumer::close() {
  if (impl_->closed) return;
  impl_->closed = true;
  // Leave through unsubscribe, and close only once the assignment is gone: librdkafka 2.0 aborts
  // (rd_kafka_cgrp_terminated: assert !rd_kafka_assignment_in_progress) when a consumer closes
  // in the middle of a cooperative rebalance (librdkafka issues #4312, #4792). The revoke handler
  // runs in these polls; messages still arriving are dropped unprocessed (their offsets were
  // never stored, so the next owner gets them).
  rd_kafka_unsubscribe(impl_->rk.get());
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    rd_kafka_topic_partition_list_t* list = nullptr;
    if (rd_kafka_assignment(impl_->rk.get(), &list) != RD_KAFKA_RESP_ERR_NO_ERROR) break;
    const bool empty = list->cnt == 0;
    rd_kafka_topic_partition_list_destroy(list);
    if (empty) break;
    if (rd_kafka_message_t* m = rd_kafka_consumer_poll(impl_->rk.get(), 100)) rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(impl_->rk.get());
}

// ---------------------------------------------------------------------------------------------
// OffsetTracker

void OffsetTracker::started(std::int32_t partition, std::int64_t offset) {
  Partition& p = partitions_[partition];
  if (p.pending.insert(offset).second) ++in_flight_;
  p.next = std::max(p.next, offset + 1);
}

void OffsetTracker::finished(std::int32_t partition, std::int64_t offset) {
  const auto it = partitions_.find(partition);
  if (it == partitions_.end()) return;
  if (it->second.pending.erase(offset) != 0) --in_flight_;
}

std::optional<std::int64_t> OffsetTracker::advance(std::int32_t partition) {
  const auto it = partitions_.find(partition);
  if (it == partitions_.end() || it->second.next < 0) return std::nullopt;
  Partition& p = it->second;
  const std::int64_t safe = p.pending.empty() ? p.next : *p.pending.begin();
  if (safe <= p.stored) return std::nullopt;
  p.stored = safe;
  return safe;
}

std::size_t OffsetTracker::in_flight() const { return in_flight_; }

std::size_t OffsetTracker::in_flight(std::int32_t partition) const {
  const auto it = partitions_.find(partition);
  return it == partitions_.end() ? 0 : it->second.pending.size();
}

void OffsetTracker::forget(std::int32_t partition) {
  const auto it = partitions_.find(partition);
  if (it == partitions_.end()) return;
  in_flight_ -= it->second.pending.size();
  partitions_.erase(it);
}

// ---------------------------------------------------------------------------------------------
// Metadata and whole-topic reads

namespace {

std::expected<HandlePtr, Error> query_handle(const Config& config) {
  auto conf = make_conf(config, {});
  if (!conf) return std::unexpected(conf.error());
  return make_handle(RD_KAFKA_PRODUCER, std::move(*conf));
}

std::expected<HandlePtr, Error> reader_handle(const Config& config, const std::string& group) {
  auto conf = make_conf(config, {{"group.id", group},
                                 {"enable.auto.commit", "false"},
                                 {"auto.offset.reset", "earliest"},
                                 {"enable.partition.eof", "false"}});
  if (!conf) return std::unexpected(conf.error());
  auto rk = make_handle(RD_KAFKA_CONSUMER, std::move(*conf));
  if (rk) rd_kafka_poll_set_consumer(rk->get());
  return rk;
}

std::expected<int, Error> count_partitions(rd_kafka_t* rk, const std::string& topic) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
  rd_kafka_topic_destroy(rkt);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return std::unexpected(error("metadata of " + topic, err));
  int n = 0;
  rd_kafka_resp_err_t topic_err = RD_KAFKA_RESP_ERR_NO_ERROR;
  if (md->topic_cnt == 1) {
    n = md->topics[0].partition_cnt;
    topic_err = md->topics[0].err;
  }
  rd_kafka_metadata_destroy(md);
  if (topic_err != RD_KAFKA_RESP_ERR_NO_ERROR) return std::unexpected(error("topic " + topic, topic_err));
  if (n == 0) return std::unexpected(Error{"topic " + topic + " has no partitions"});
  return n;
}

}  // namespace

std::expected<Watermarks, Error> watermarks(const Config& config, const TopicPartition& tp) {
  auto rk = query_handle(config);
  if (!rk) return std::unexpected(rk.error());
  Watermarks w;
  if (const rd_kafka_resp_err_t err =
          rd_kafka_query_watermark_offsets(rk->get(), tp.topic.c_str(), tp.partition, &w.low, &w.high, 10000);
      err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::unexpected(error("watermarks of " + tp.topic + "[" + std::to_string(tp.partition) + "]", err));
  }
  return w;
}

std::expected<int, Error> partition_count(const Config& config, const std::string& topic) {
  auto rk = query_handle(config);
  if (!rk) return std::unexpected(rk.error());
  return count_partitions(rk->get(), topic);
}

std::expected<std::vector<std::int64_t>, Error> committed_offsets(const Config& config, const std::string& topic) {
  auto rk = reader_handle(config, config.group);
  if (!rk) return std::unexpected(rk.error());
  auto n = count_partitions(rk->get(), topic);
  if (!n) return std::unexpected(n.error());
  ListPtr list(rd_kafka_topic_partition_list_new(*n));
  for (int p = 0; p < *n; ++p) rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p);
  if (const rd_kafka_resp_err_t err = rd_kafka_committed(rk->get(), list.get(), 10000); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::unexpected(error("committed offsets of " + config.group, err));
  }
  std::vector<std::int64_t> out(static_cast<std::size_t>(*n), -1);
  for (int i = 0; i < list->cnt; ++i) {
    if (list->elems[i].offset >= 0) out[static_cast<std::size_t>(list->elems[i].partition)] = list->elems[i].offset;
  }
  rd_kafka_consumer_close(rk->get());
  return out;
}

std::expected<std::int64_t, Error> read_partition(const Config& config, const TopicPartition& tp, std::int64_t from,
                                                 const std::function<bool(const Message&)>& on_message) {
  auto rk = reader_handle(config, "lookalike-reader-" + random_suffix());
  if (!rk) return std::unexpected(rk.error());
  std::int64_t low = 0;
  std::int64_t high = 0;
  if (const rd_kafka_resp_err_t err =
          rd_kafka_query_watermark_offsets(rk->get(), tp.topic.c_str(), tp.partition, &low, &high, 10000);
      err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::unexpected(error("watermarks of " + tp.topic + "[" + std::to_string(tp.partition) + "]", err));
  }
  std::int64_t next = std::max(from, low);
  if (next >= high) {
    rd_kafka_consumer_close(rk->get());
    return std::max(from, next);
  }
  ListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = next;
  if (const rd_kafka_resp_err_t err = rd_kafka_assign(rk->get(), list.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::unexpected(error("assign " + tp.topic, err));
  }
  // Compaction may leave gaps in the offsets: done when a message at or past high-1 was read.
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  bool more = true;
  while (more && next < high) {
    if (std::chrono::steady_clock::now() > deadline) {
      rd_kafka_consumer_close(rk->get());
      return std::unexpected(Error{"reading " + tp.topic + "[" + std::to_string(tp.partition) + "]: timed out"});
    }
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk->get(), 200);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->offset >= next) {
      Message msg{tp.topic, m->partition, m->offset, {}, {}, m->payload == nullptr};
      if (m->key != nullptr) msg.key.assign(static_cast<const char*>(m->key), m->key_len);
      if (m->payload != nullptr) msg.value.assign(static_cast<const char*>(m->payload), m->len);
      next = m->offset + 1;
      more = on_message(msg);
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk->get());
  return next;
}

std::expected<std::vector<Message>, Error> read_all(const Config& config, const std::string& topic) {
  auto rk = reader_handle(config, "lookalike-reader-" + random_suffix());
  if (!rk) return std::unexpected(rk.error());
  auto n = count_partitions(rk->get(), topic);
  if (!n) return std::unexpected(n.error());
  std::vector<std::int64_t> high(static_cast<std::size_t>(*n));
  ListPtr list(rd_kafka_topic_partition_list_new(*n));
  std::size_t left = 0;
  for (int p = 0; p < *n; ++p) {
    std::int64_t lo = 0;
    if (const rd_kafka_resp_err_t err =
            rd_kafka_query_watermark_offsets(rk->get(), topic.c_str(), p, &lo, &high[static_cast<std::size_t>(p)], 10000);
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return std::unexpected(error("watermarks of " + topic, err));
    }
    if (high[static_cast<std::size_t>(p)] > lo) {
      rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset = lo;
      ++left;
    }
  }
  std::vector<std::vector<Message>> per(static_cast<std::size_t>(*n));
  if (left > 0) {
    if (const rd_kafka_resp_err_t err = rd_kafka_assign(rk->get(), list.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return std::unexpected(error("assign " + topic, err));
    }
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (left > 0) {
      if (std::chrono::steady_clock::now() > deadline) return std::unexpected(Error{"reading " + topic + ": timed out"});
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk->get(), 200);
      if (m == nullptr) continue;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const auto p = static_cast<std::size_t>(m->partition);
        if (m->offset < high[p]) {
          Message msg{topic, m->partition, m->offset, {}, {}, m->payload == nullptr};
          if (m->key != nullptr) msg.key.assign(static_cast<const char*>(m->key), m->key_len);
          if (m->payload != nullptr) msg.value.assign(static_cast<const char*>(m->payload), m->len);
          per[p].push_back(std::move(msg));
          if (m->offset + 1 == high[p]) --left;
        }
      }
      rd_kafka_message_destroy(m);
    }
  }
  rd_kafka_consumer_close(rk->get());
  std::vector<Message> out;
  for (auto& v : per) std::move(v.begin(), v.end(), std::back_inserter(out));
  return out;
}

std::expected<std::map<std::string, std::string>, Error> read_table(const Config& config, const std::string& topic) {
  auto all = read_all(config, topic);
  if (!all) return std::unexpected(all.error());
  std::map<std::string, std::string> table;
  for (auto& m : *all) {
    if (m.null_value) {
      table.erase(m.key);
    } else {
      table[m.key] = std::move(m.value);
    }
  }
  return table;
}

// ---------------------------------------------------------------------------------------------
// MockCluster

struct MockCluster::Impl {
  HandlePtr rk;  // the handle the mock cluster belongs to (destroyed after it)
  rd_kafka_mock_cluster_t* cluster = nullptr;
  ~Impl() {
    if (cluster != nullptr) rd_kafka_mock_cluster_destroy(cluster);
  }
};

std::expected<MockCluster, Error> MockCluster::start(int brokers) {
  if (brokers < 1) return std::unexpected(Error{"a mock cluster needs at least one broker"});
  // This handle only hosts the cluster: no notice that it has no bootstrap servers of its own.
  auto conf = make_conf(Config{}, {{"log_level", "4"}});
  if (!conf) return std::unexpected(conf.error());
  auto rk = make_handle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk) return std::unexpected(rk.error());
  auto impl = std::make_unique<Impl>();
  impl->rk = std::move(*rk);
  impl->cluster = rd_kafka_mock_cluster_new(impl->rk.get(), brokers);
  if (impl->cluster == nullptr) return std::unexpected(Error{"cannot start the kafka mock cluster"});
  return MockCluster(std::move(impl));
}

MockCluster::MockCluster(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MockCluster::MockCluster(MockCluster&&) noexcept = default;
MockCluster& MockCluster::operator=(MockCluster&&) noexcept = default;
MockCluster::~MockCluster() = default;

std::string MockCluster::bootstraps() const { return rd_kafka_mock_cluster_bootstraps(impl_->cluster); }

std::expected<void, Error> MockCluster::create_topic(const std::string& topic, int partitions) {
  if (const rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(impl_->cluster, topic.c_str(), partitions, 1);
      err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::unexpected(error("create topic " + topic, err));
  }
  return {};
}

std::expected<void, Error> MockCluster::create_topics(const Topics& topics, int partitions) {
  for (const auto& t : topics.domain_keyed()) {
    if (auto ok = create_topic(t, partitions); !ok) return ok;
  }
  if (auto ok = create_topic(topics.ct_checkpoints, partitions); !ok) return ok;
  return create_topic(topics.brands, 1);
}

void MockCluster::fail_requests(Request request, int count) {
  // Kafka protocol API keys and a retriable error each request kind answers with.
  std::int16_t api = 0;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  switch (request) {
    case Request::produce:
      api = 0;
      err = RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS;
      break;
    case Request::fetch:
      api = 1;
      err = RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION;
      break;
    case Request::offset_commit:
      api = 8;
      err = RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS;
      break;
    case Request::heartbeat:
      api = 12;
      err = RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE;
      break;
  }
  const std::vector<rd_kafka_resp_err_t> errors(static_cast<std::size_t>(std::max(count, 0)), err);
  rd_kafka_mock_push_request_errors_array(impl_->cluster, api, errors.size(), errors.data());
}

std::expected<void, Error> MockCluster::set_group_coordinator(const std::string& group, int broker_id) {
  if (const rd_kafka_resp_err_t err = rd_kafka_mock_coordinator_set(impl_->cluster, "group", group.c_str(), broker_id);
      err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::unexpected(error("coordinator of " + group, err));
  }
  return {};
}

std::expected<void, Error> MockCluster::set_broker_down(int broker_id) {
  if (const rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_down(impl_->cluster, broker_id); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::unexpected(error("broker " + std::to_string(broker_id) + " down", err));
  }
  return {};
}

std::expected<void, Error> MockCluster::set_broker_up(int broker_id) {
  if (const rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_up(impl_->cluster, broker_id); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::unexpected(error("broker " + std::to_string(broker_id) + " up", err));
  }
  return {};
}

}  // namespace lookalike::queue
