// CT follower micro and end-to-end benchmarks (items/second):
// - parsing real leaves and real Sunlight tile entries into names,
// - folding leaf hashes into the compact Merkle tree,
// - following a loopback test log end to end (fetch, verify, parse, match) through both APIs.
#include <benchmark/benchmark.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "ctlog/ctlog.hpp"
#include "ctlog/entries.hpp"
#include "ctlog/json.hpp"
#include "ctlog/merkle.hpp"
#ifdef LOOKALIKE_CTLOG_HAVE_SERVER
#include "tests/ctlog/test_log_server.hpp"
#endif

namespace {

using namespace lookalike::ctlog;

std::string read(const std::string& rel) {
  std::ifstream f(std::string(LOOKALIKE_SHARED_DIR) + "/fixtures/ct/" + rel, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void BM_ParseRealLeaf(benchmark::State& state) {
  auto entries = parse_get_entries_json(read("rfc6962/ctgo-scanner-4-entries/get-entries.json"));
  if (!entries) {
    state.SkipWithError("fixture missing");
    return;
  }
  std::size_t i = 0;
  for (auto _ : state) {
    auto p = parse_leaf_names((*entries)[i++ % entries->size()].leaf_input, 0);
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ParseRealLeaf);

void BM_ParseRealTileEntries(benchmark::State& state) {
  const std::string tile = read("static-ct/navigli2025h2/tile/data/000");
  for (auto _ : state) {
    std::span<const std::uint8_t> d(reinterpret_cast<const std::uint8_t*>(tile.data()), tile.size());
    while (!d.empty()) {
      auto e = parse_tile_entry(d);
      if (!e) break;
      benchmark::DoNotOptimize(tile_leaf_hash(*e));
      auto n = certificate_names(e->entry.certificate, true);
      benchmark::DoNotOptimize(n);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 256);
}
BENCHMARK(BM_ParseRealTileEntries);

void BM_CompactTreeAppend(benchmark::State& state) {
  CompactTree t;
  Hash h{};
  for (auto _ : state) {
    h[0]++;
    t.append(h);
  }
  benchmark::DoNotOptimize(t.root());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_CompactTreeAppend);

#ifdef LOOKALIKE_CTLOG_HAVE_SERVER
class NullStore final : public StateStore {
 public:
  std::expected<std::optional<FollowState>, Error> load(std::string_view) override { return std::optional<FollowState>{}; }
  std::expected<void, Error> commit(std::string_view, const FollowState&, std::span<const Hit> hits) override {
    matches += hits.size();
    return {};
  }
  std::size_t matches = 0;
};

struct LoopbackLog {
  testing::TestLog log;
  std::unique_ptr<testing::TestLogServer> server;
  static constexpr std::size_t kEntries = 20000;
  LoopbackLog() {
    testing::TestCa ca;
    for (std::size_t i = 0; i < kEntries; ++i) {
      const std::string base = i % 1000 == 0 ? "paypal-secure" + std::to_string(i) : "site" + std::to_string(i) + "-shop";
      log.add_certificate(ca, base + ".com", {base + ".com", "www." + base + ".com"}, i % 2 == 0);
    }
    server = std::make_unique<testing::TestLogServer>(log);
  }
};

void BM_FollowLoopback(benchmark::State& state) {
  static LoopbackLog loop;
  const bool tiled = state.range(0) != 0;
  auto list = parse_log_list(testing::log_list_json(loop.log, loop.server->url(), tiled));
  const NameMatcher m = [](const CertName& n, std::vector<BrandMatch>& out) {
    if (n.ascii.find("paypal") != std::string::npos) out.push_back(BrandMatch{"paypal.com", "combosquat", 0});
  };
  FollowOptions o;
  o.once = true;
  o.parallel = 4;
  std::uint64_t entries = 0;
  for (auto _ : state) {
    NullStore store;
    auto r = follow_log(list->logs[0], store, m, o);
    if (r.error || !r.verified) state.SkipWithError("follow failed");
    entries += r.entries;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(entries));
}
BENCHMARK(BM_FollowLoopback)->Arg(0)->Arg(1)->ArgNames({"tiled"})->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
#endif

}  // namespace

BENCHMARK_MAIN();
