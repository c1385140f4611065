// Micro-benchmarks of the resolver's per-reply CPU work: encoding queries, parsing replies and
// interpreting them (items/s = messages/s). The whole-process comparison with dnsperf against
// nsd is bench/resolver_vs_dnsperf.sh.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "resolver/dns_message.hpp"
#include "resolver/engine.hpp"

namespace {

namespace dns = lookalike::resolver::dns;

void put16(std::vector<std::uint8_t>& w, unsigned v) {
  w.push_back(static_cast<std::uint8_t>(v >> 8));
  w.push_back(static_cast<std::uint8_t>(v & 0xFF));
}

// A typical authoritative MX reply: 2 MX records plus A and AAAA glue for each host.
std::vector<std::uint8_t> mx_reply() {
  auto w = dns::encode_query(0x4242, "brand-example.test", dns::kTypeMx, true).value();
  w[2] = 0x85;
  w[3] = 0x80;
  w[7] = 2;
  w[11] = 4;
  for (unsigned pref : {10u, 20u}) {
    w.insert(w.end(), {0xC0, 0x0C});
    put16(w, dns::kTypeMx);
    put16(w, 1);
    w.insert(w.end(), {0, 0, 0x0E, 0x10});
    put16(w, 2 + 6 + 2);
    put16(w, pref);
    w.insert(w.end(), {5, 'm', 'x', pref == 10 ? std::uint8_t{'1'} : std::uint8_t{'2'}, '-', 'a', 0xC0, 0x0C});
  }
  for (int i = 0; i < 4; ++i) {
    w.insert(w.end(), {5, 'm', 'x', static_cast<std::uint8_t>(i < 2 ? '1' : '2'), '-', 'a', 0xC0, 0x0C});
    const bool v6 = i % 2 == 1;
    put16(w, v6 ? dns::kTypeAaaa : dns::kTypeA);
    put16(w, 1);
    w.insert(w.end(), {0, 0, 0x0E, 0x10});
    put16(w, v6 ? 16 : 4);
    for (int b = 0; b < (v6 ? 16 : 4); ++b) w.push_back(static_cast<std::uint8_t>(b + 1));
  }
  return w;
}

void BM_EncodeQuery(benchmark::State& state) {
  for (auto _ : state) {
    auto q = dns::encode_query(1, "www.brand-example.co.uk", dns::kTypeA, true);
    benchmark::DoNotOptimize(q);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_EncodeQuery);

void BM_ParseMxReply(benchmark::State& state) {
  const auto wire = mx_reply();
  if (!dns::parse(wire)) {
    state.SkipWithError("sample reply does not parse");
    return;
  }
  for (auto _ : state) {
    auto m = dns::parse(wire);
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
}
BENCHMARK(BM_ParseMxReply);

void BM_ParseAndInterpretMxReply(benchmark::State& state) {
  const auto wire = mx_reply();
  for (auto _ : state) {
    auto m = dns::parse(wire);
    auto i = lookalike::resolver::interpret(*m, "brand-example.test", dns::kTypeMx);
    benchmark::DoNotOptimize(i);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ParseAndInterpretMxReply);

}  // namespace

BENCHMARK_MAIN();
