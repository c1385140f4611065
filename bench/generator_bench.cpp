// Candidates per second, per fuzzer and for all fuzzers, on bankofamerica.com; ranked generation
// (generate_ranked: likelihood model, composed edits, TLD crossing) at several budgets.
#include <benchmark/benchmark.h>

#include "domain/domain.hpp"
#include "generator/generator.hpp"

namespace g = lookalike::generator;

namespace {

void run(benchmark::State& state, g::FuzzerSet fuzzers, int depth = 1) {
  const auto brand = *lookalike::domain::parse("bankofamerica.com");
  g::Options o;
  o.fuzzers = fuzzers;
  o.depth = depth;
  o.max = depth == 2 ? 200000 : 0;
  o.tlds = *g::load_tlds("common", brand.suffix);
  o.keywords = g::default_keywords();
  std::size_t total = 0;
  for (auto _ : state) {
    std::size_t n = g::generate(brand, o, [](const g::Candidate& c) {
      benchmark::DoNotOptimize(c.ascii.data());
      return true;
    });
    total += n;
  }
  state.SetItemsProcessed(static_cast<int64_t>(total));
  state.counters["candidates"] = static_cast<double>(total) / static_cast<double>(state.iterations());
}

void BM_AllFuzzers(benchmark::State& state) { run(state, g::kAllFuzzers); }
BENCHMARK(BM_AllFuzzers)->Unit(benchmark::kMillisecond);

void BM_Depth2(benchmark::State& state) { run(state, g::kAllFuzzers, 2); }
BENCHMARK(BM_Depth2)->Unit(benchmark::kMillisecond);

void BM_Fuzzer(benchmark::State& state) {
  const auto f = static_cast<g::Fuzzer>(state.range(0));
  state.SetLabel(std::string(g::fuzzer_name(f)));
  run(state, g::bit(f));
}
BENCHMARK(BM_Fuzzer)->DenseRange(0, static_cast<int64_t>(g::kFuzzerCount) - 1)->Unit(benchmark::kMicrosecond);

// The N most likely names of one brand, best first: depth 2, every ranked TLD (what
// `generate --budget N` does). Items are delivered candidates.
void BM_Ranked(benchmark::State& state) {
  const auto brand = *lookalike::domain::parse("bankofamerica.com");
  g::Options o;
  o.depth = 2;
  o.tlds = g::ranked_tlds();
  o.keywords = g::default_keywords();
  const auto budget = static_cast<std::size_t>(state.range(0));
  std::size_t total = 0;
  for (auto _ : state) {
    total += g::generate_ranked(brand, o, budget, [](const g::Candidate& c) {
      benchmark::DoNotOptimize(c.ascii.data());
      return true;
    });
  }
  state.SetItemsProcessed(static_cast<int64_t>(total));
}
BENCHMARK(BM_Ranked)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
