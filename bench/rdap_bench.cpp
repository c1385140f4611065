// RDAP benchmarks: parse_domain on real-shaped registry and registrar responses (responses/s),
// the cache payload round trip, and bootstrap parsing and lookup on IANA's real file.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <string>

#include "rdap/rdap.hpp"

namespace rdap = lookalike::rdap;

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(LOOKALIKE_SOURCE_DIR) + "/tests/rdap/fixtures/" + name, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + name);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void parse_bench(benchmark::State& state, const std::string& file, const char* name) {
  const std::string body = fixture(file);
  for (auto _ : state) {
    auto r = rdap::parse_domain(body, name);
    if (!r) state.SkipWithError(r.error().what.c_str());
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}

void BM_ParseVerisignDomain(benchmark::State& state) { parse_bench(state, "verisign_google_com.json", "google.com"); }
BENCHMARK(BM_ParseVerisignDomain);

void BM_ParseRegistrarDomain(benchmark::State& state) {
  parse_bench(state, "registrar_nested_abuse.json", "paypa1-login.example");
}
BENCHMARK(BM_ParseRegistrarDomain);

void BM_CacheRoundTrip(benchmark::State& state) {
  auto r = rdap::parse_domain(fixture("verisign_google_com.json"), "google.com");
  for (auto _ : state) {
    auto back = rdap::from_json(rdap::to_json(*r));
    benchmark::DoNotOptimize(back);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CacheRoundTrip);

void BM_BootstrapParse(benchmark::State& state) {
  for (auto _ : state) {
    auto b = rdap::Bootstrap::parse(rdap::bundled_bootstrap_json());
    benchmark::DoNotOptimize(b);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BootstrapParse);

void BM_BootstrapLookup(benchmark::State& state) {
  auto b = rdap::Bootstrap::parse(rdap::bundled_bootstrap_json());
  const char* names[] = {"www.paypal.com", "login.bbc.co.uk", "x.app", "nowhere.invalid", "a.b.c.example.org"};
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(b->servers_for(names[i++ % 5]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BootstrapLookup);

}  // namespace

BENCHMARK_MAIN();
