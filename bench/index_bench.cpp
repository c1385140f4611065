// Index benchmarks against real RocksDB in a temporary folder: batched upserts (new names and
// re-sightings of known names), point lookups, scan-by-brand, and bytes on disk per million
// candidates. Run: build-index-rel/bench/bench_index --benchmark_min_time=1
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "index/index.hpp"

namespace {

using namespace lookalike::index;

class TempStore {
 public:
  TempStore() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lookalike-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
    auto s = Store::open(path_ + "/db");
    if (!s) std::abort();
    store_.emplace(std::move(*s));
  }
  ~TempStore() {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  Store& operator*() { return *store_; }
  Store* operator->() { return &*store_; }

 private:
  std::string path_;
  std::optional<Store> store_;
};

const char* const kFuzzers[] = {"addition", "bitsquatting", "homoglyph", "hyphenation", "insertion",
                                "omission", "repetition",   "replacement", "transposition", "vowel-swap"};
const char* const kTlds[] = {"com", "net", "org", "co.uk", "de", "io", "shop", "xyz"};

// A plausible look-alike name: 6-14 letters/digits plus a common TLD, unique per index.
std::string candidate_name(std::uint64_t i) {
  std::uint64_t state = i * 0x9e3779b97f4a7c15ull + 1;
  auto rng = [&state] {  // splitmix64: cheap, so the setup does not dominate profiles
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
  std::string s;
  const std::size_t len = 6 + rng() % 9;
  for (std::size_t k = 0; k < len; ++k) s.push_back("abcdefghijklmnopqrstuvwxyz0123456789"[rng() % 36]);
  s += "-" + std::to_string(i) + "." + kTlds[rng() % 8];
  return s;
}

CandidateUpdate candidate(std::uint64_t i, Time seen) {
  CandidateUpdate u;
  u.name = candidate_name(i);
  u.brands = {"brand" + std::to_string(i % 10) + ".com"};
  u.fuzzers = {kFuzzers[i % 10]};
  u.seen = seen;
  return u;
}

void ingest(Store& s, std::uint64_t from, std::uint64_t to, Time seen) {
  std::vector<CandidateUpdate> batch;
  for (std::uint64_t i = from; i < to; ++i) {
    batch.push_back(candidate(i, seen));
    if (batch.size() == 1000 || i + 1 == to) {
      if (!s.upsert_candidates(batch)) std::abort();
      batch.clear();
    }
  }
}

// New names, 1,000 per committed batch (the generator / CT ingest path).
void BM_UpsertNewBatched(benchmark::State& state) {
  TempStore s;
  std::uint64_t next = 0;
  std::vector<CandidateUpdate> batch;
  for (auto _ : state) {
    state.PauseTiming();
    batch.clear();
    for (int i = 0; i < 1000; ++i) batch.push_back(candidate(next++, 1'700'000'000'000));
    state.ResumeTiming();
    if (!s->upsert_candidates(batch)) state.SkipWithError("upsert failed");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(next));
}
BENCHMARK(BM_UpsertNewBatched)->Unit(benchmark::kMillisecond)->UseRealTime();

// Re-sightings of 100k known names (a rescan or CT duplicates): merges into existing records.
void BM_UpsertExistingBatched(benchmark::State& state) {
  TempStore s;
  constexpr std::uint64_t kKnown = 100'000;
  ingest(*s, 0, kKnown, 1'700'000'000'000);
  std::uint64_t n = 0;
  std::vector<CandidateUpdate> batch;
  for (auto _ : state) {
    state.PauseTiming();
    batch.clear();
    for (int i = 0; i < 1000; ++i) {
      const std::uint64_t key = (n++ * 7919) % kKnown;
      CandidateUpdate u = candidate(key, 1'700'000'000'000 + static_cast<Time>(n));
      u.fuzzers = {kFuzzers[(n / 3) % 10]};
      batch.push_back(std::move(u));
    }
    state.ResumeTiming();
    if (!s->upsert_candidates(batch)) state.SkipWithError("upsert failed");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
}
BENCHMARK(BM_UpsertExistingBatched)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_PointLookup(benchmark::State& state) {
  TempStore s;
  constexpr std::uint64_t kKnown = 200'000;
  ingest(*s, 0, kKnown, 1'700'000'000'000);
  if (!s->compact()) std::abort();
  std::vector<std::string> names;
  for (std::uint64_t i = 0; i < 10'000; ++i) names.push_back(candidate_name((i * 104729) % (kKnown * 2)));  // half miss
  std::size_t i = 0, found = 0;
  for (auto _ : state) {
    auto c = s->get_candidate(names[i++ % names.size()]);
    if (!c) state.SkipWithError("lookup failed");
    found += c && *c;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["hit_ratio"] = static_cast<double>(found) / static_cast<double>(std::max<std::size_t>(i, 1));
}
BENCHMARK(BM_PointLookup)->UseRealTime();

// Candidates of one brand (20k of 200k) by descending score.
void BM_ScanByBrand(benchmark::State& state) {
  TempStore s;
  constexpr std::uint64_t kKnown = 200'000;
  ingest(*s, 0, kKnown, 1'700'000'000'000);
  for (std::uint64_t i = 0; i < kKnown; i += 10) {
    Batch b;
    if (!b.set_score(candidate_name(i), Score{static_cast<std::uint8_t>(i % 101), 2, {"bench"}, 1})) std::abort();
    if (!s->commit(std::move(b))) std::abort();
  }
  if (!s->compact()) std::abort();
  std::int64_t items = 0;
  for (auto _ : state) {
    std::int64_t n = 0;
    if (!s->candidates_by_brand("brand0.com", 0, [&](const Ranked& r) {
          benchmark::DoNotOptimize(r.name.data());
          ++n;
          return true;
        })) {
      state.SkipWithError("scan failed");
    }
    items += n;
  }
  state.SetItemsProcessed(items);
}
BENCHMARK(BM_ScanByBrand)->Unit(benchmark::kMillisecond)->UseRealTime();

// Ingest 1M generator-style candidates, compact, and report the store's size.
void BM_BytesOnDiskPerMillion(benchmark::State& state) {
  for (auto _ : state) {
    TempStore s;
    constexpr std::uint64_t kN = 1'000'000;
    ingest(*s, 0, kN, 1'700'000'000'000);
    if (!s->compact()) std::abort();
    auto st = s->stats();
    if (!st) std::abort();
    state.counters["bytes_on_disk_per_1M"] = static_cast<double>(st->disk_bytes);
    std::uint64_t sst = 0;
    for (const auto& f : st->families) sst += f.sst_bytes;
    state.counters["sst_bytes_per_1M"] = static_cast<double>(sst);
    state.SetItemsProcessed(static_cast<std::int64_t>(kN));
  }
}
BENCHMARK(BM_BytesOnDiskPerMillion)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
