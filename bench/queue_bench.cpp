// queue/: the work records' JSON codec (what every worker does per message) and produce +
// consume throughput through librdkafka's in-process mock cluster (3 brokers, idempotent
// producer, acks=all, a group consumer storing offsets), in messages per second.
#include <benchmark/benchmark.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "queue/queue.hpp"
#include "queue/work.hpp"

namespace {

using namespace std::chrono_literals;
namespace q = lookalike::queue;

q::ResolvedRecord resolved(int i) {
  return q::ResolvedRecord{q::CandidateRecord{"paypa" + std::to_string(i) + ".com", {"paypal.com"}, {"addition", "tld-swap"}},
                           1'700'000'000'000 + i, "answer", 0x2b};
}

void BM_EncodeCandidate(benchmark::State& state) {
  const q::CandidateRecord r = resolved(7).candidate;
  for (auto _ : state) benchmark::DoNotOptimize(q::encode(r));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeCandidate);

void BM_DecodeCandidate(benchmark::State& state) {
  const std::string json = q::encode(resolved(7).candidate);
  for (auto _ : state) benchmark::DoNotOptimize(q::decode_candidate(json));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeCandidate);

void BM_EncodeResolved(benchmark::State& state) {
  const q::ResolvedRecord r = resolved(7);
  for (auto _ : state) benchmark::DoNotOptimize(q::encode(r));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeResolved);

void BM_DecodeResolved(benchmark::State& state) {
  const std::string json = q::encode(resolved(7));
  for (auto _ : state) benchmark::DoNotOptimize(q::decode_resolved(json));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeResolved);

void BM_IndexStateRoundTrip(benchmark::State& state) {
  const q::ResolvedRecord r = resolved(7);
  const q::IndexStateRecord row{r.candidate, r.time - 5000, r.time, q::IndexStateRecord::State{r.time, "answer", r.flags}, std::nullopt};
  for (auto _ : state) benchmark::DoNotOptimize(q::decode_index_state(q::encode(row)));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IndexStateRoundTrip);

void BM_AlertId(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(q::alert_id("paypa1.com", "registered", "1700000000000"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AlertId);

// One mock cluster for the throughput benchmarks (starting one takes a while).
struct Cluster {
  std::optional<q::MockCluster> mock;
  q::Config config;
  q::Topics topics;
  int round = 0;
};
Cluster& cluster() {
  static Cluster shared = [] {
    Cluster c;
    auto m = q::MockCluster::start(3);
    if (m && m->create_topics(c.topics, 6)) {
      c.config.brokers = m->bootstraps();
      c.mock.emplace(std::move(*m));
    }
    return c;
  }();
  return shared;
}

// Produces state.range(0) resolved records per iteration and waits for every acknowledgement.
void BM_ProduceAcked(benchmark::State& state) {
  Cluster& c = cluster();
  if (!c.mock) {
    state.SkipWithError("mock cluster did not start");
    return;
  }
  std::size_t acked = 0;
  auto producer = q::Producer::open(c.config, [&](std::uint64_t, const std::optional<std::string>& err) {
    if (!err) ++acked;
  });
  if (!producer) {
    state.SkipWithError(producer.error().message.c_str());
    return;
  }
  const auto n = static_cast<int>(state.range(0));
  std::vector<std::pair<std::string, std::string>> msgs;
  for (int i = 0; i < n; ++i) {
    const q::ResolvedRecord r = resolved(i);
    msgs.emplace_back(q::partition_key(r.candidate.name), q::encode(r));
  }
  // The producer's first request fetches its idempotence id: not part of the steady state.
  if (!producer->produce(c.topics.resolved, msgs[0].first, msgs[0].second) || !producer->flush(60s)) {
    state.SkipWithError("warm-up produce failed");
    return;
  }
  for (auto _ : state) {
    for (const auto& [key, value] : msgs) {
      if (!producer->produce(c.topics.resolved, key, value)) state.SkipWithError("produce failed");
    }
    if (!producer->flush(60s)) state.SkipWithError("flush timed out");
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["acked"] = static_cast<double>(acked);
}
BENCHMARK(BM_ProduceAcked)->Arg(10'000)->Iterations(5)->Unit(benchmark::kMillisecond)->UseRealTime();

// Per iteration: produces state.range(0) records (acknowledged) and consumes them with a group
// member that stores each batch's offsets (what a worker does) and decodes every record. The
// member joins its group (seconds: session set-up) before the timing starts.
void BM_ProduceThenConsume(benchmark::State& state) {
  Cluster& c = cluster();
  if (!c.mock) {
    state.SkipWithError("mock cluster did not start");
    return;
  }
  const auto n = static_cast<int>(state.range(0));
  const std::string topic = "bench.consume." + std::to_string(c.round++);
  if (!c.mock->create_topic(topic, 6)) {
    state.SkipWithError("create topic failed");
    return;
  }
  auto producer = q::Producer::open(c.config);
  q::Config cc = c.config;
  cc.group = topic + "-group";
  auto consumer = q::Consumer::open(cc, {topic});
  if (!producer || !consumer) {
    state.SkipWithError("cannot open a producer or consumer");
    return;
  }
  const auto joined = std::chrono::steady_clock::now() + 60s;
  while (consumer->assignment().size() < 6 && std::chrono::steady_clock::now() < joined) (void)consumer->poll(100, 100ms);
  std::size_t total = 0;
  for (auto _ : state) {
    for (int i = 0; i < n; ++i) {
      const q::ResolvedRecord r = resolved(i);
      if (!producer->produce(topic, q::partition_key(r.candidate.name), q::encode(r))) state.SkipWithError("produce failed");
    }
    if (!producer->flush(60s)) state.SkipWithError("flush timed out");
    std::size_t got = 0;
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    while (got < static_cast<std::size_t>(n) && std::chrono::steady_clock::now() < deadline) {
      const auto batch = consumer->poll(1000, 100ms);
      std::map<std::int32_t, std::int64_t> next;
      for (const auto& m : batch) {
        benchmark::DoNotOptimize(q::decode_resolved(m.value));
        next[m.partition] = m.offset + 1;
      }
      for (const auto& [p, o] : next) (void)consumer->store_offset({topic, p}, o);
      got += batch.size();
    }
    if (got < static_cast<std::size_t>(n)) state.SkipWithError("consumer timed out");
    total += got;
  }
  (void)consumer->commit();
  consumer->close();
  state.SetItemsProcessed(static_cast<std::int64_t>(total));
}
BENCHMARK(BM_ProduceThenConsume)->Arg(10'000)->Iterations(5)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
