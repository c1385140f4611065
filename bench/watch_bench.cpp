// The watch scheduler's due selection: how fast it classifies stored candidates (due_of, pure)
// and picks the most overdue from a real RocksDB store (select_due: one visit of every record).
// LOOKALIKE_WATCH_BENCH_N sets the store size (default 1,000,000 candidates, built once, ~a minute).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "pipeline/schedule.hpp"

namespace {

using namespace lookalike;
constexpr index::Time kHour = 3'600'000;
constexpr index::Time kDay = 24 * kHour;

std::size_t store_size() {
  if (const char* n = std::getenv("LOOKALIKE_WATCH_BENCH_N"); n != nullptr && *n != '\0') return std::stoul(n);
  return 1'000'000;
}

// A mix like a real store: mostly unregistered generator output, some registered, a few new.
index::Candidate make(std::mt19937_64& rng, std::size_t i, index::Time now) {
  index::Candidate c;
  c.name = "cand" + std::to_string(i) + ".com";
  c.brands = {"examplebank.com"};
  c.first_seen = now - static_cast<index::Time>(rng() % (200 * kDay));
  const index::Time checked = now - static_cast<index::Time>(rng() % (2 * kDay));
  const bool registered = rng() % 10 == 0;
  c.state = index::StateSummary{c.first_seen + static_cast<index::Time>(rng() % kDay),
                                registered ? index::DnsOutcome::answer : index::DnsOutcome::nxdomain,
                                registered ? index::state_flag::registered : 0u};
  c.score = index::Score{static_cast<std::uint8_t>(rng() % 100), 1, {}, checked};
  return c;
}

void BM_DueOf(benchmark::State& state) {
  std::mt19937_64 rng(1);
  const index::Time now = index::now_ms();
  std::vector<index::Candidate> cs;
  for (std::size_t i = 0; i < 100'000; ++i) cs.push_back(make(rng, i, now));
  const pipeline::ScheduleConfig sc;
  std::size_t due = 0;
  for (auto _ : state) {
    for (const auto& c : cs) due += pipeline::due_of(c, sc, now).at <= now ? 1 : 0;
  }
  benchmark::DoNotOptimize(due);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * cs.size()));
}
BENCHMARK(BM_DueOf)->Unit(benchmark::kMillisecond);

struct BenchStore {
  std::filesystem::path dir;
  std::optional<index::Store> store;
  std::size_t n = 0;
  BenchStore() {
    n = store_size();
    dir = std::filesystem::temp_directory_path() / ("lookalike-watch-bench-" + std::to_string(getpid()));
    auto s = index::Store::open(dir.string());
    if (!s) throw std::runtime_error(s.error().message);
    store.emplace(std::move(*s));
    std::mt19937_64 rng(2);
    const index::Time now = index::now_ms();
    index::Batch b;
    for (std::size_t i = 0; i < n; ++i) {
      const index::Candidate c = make(rng, i, now);
      index::CandidateUpdate u;
      u.name = c.name;
      u.brands = c.brands;
      u.seen = c.first_seen;
      u.state = c.state;
      (void)b.upsert(u);
      (void)b.set_score(c.name, *c.score);
      if (b.size() >= 20'000) {
        (void)store->commit(std::move(b));
        b = index::Batch();
      }
    }
    (void)store->commit(std::move(b));
    (void)store->compact();
  }
  ~BenchStore() {
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

void BM_SelectDue(benchmark::State& state) {
  static BenchStore bs;
  const pipeline::ScheduleConfig sc;
  std::size_t picked = 0;
  for (auto _ : state) {
    std::optional<index::Time> next;
    auto due = pipeline::select_due(*bs.store, sc, index::now_ms(), static_cast<std::size_t>(state.range(0)), &next);
    if (!due) {
      state.SkipWithError(due.error().message.c_str());
      return;
    }
    picked = due->size();
  }
  state.counters["picked"] = static_cast<double>(picked);
  state.counters["store"] = static_cast<double>(bs.n);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * bs.n));
}
BENCHMARK(BM_SelectDue)->Arg(500)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
