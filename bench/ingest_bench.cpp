// Zone lines per second through ingest's stages on a synthetic CZDS-style zone (bench/zone_generator):
// the zone parser alone (with the registrable split), parser + brand matcher at 1,000 brands, and
// read_names from a gzip file (inflate + parse). The whole-process number (`lookalike ingest` on
// a gzip zone, store included) is measured with bench_zonegen: see bench/RESULTS.md.
#include <benchmark/benchmark.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bench/zone_generator.hpp"
#include "generator/matcher.hpp"
#include "ingest/parse.hpp"

namespace {

constexpr std::size_t kNames = 200000;

const std::string& zone_text() {
  static const std::string text = [] {
    lookalike::bench::ZoneSpec spec;
    spec.names = kNames;
    spec.brands = lookalike::bench::brand_domains(1000);
    std::string t;
    lookalike::bench::write_zone(spec, [&](std::string_view c) { t += c; });
    return t;
  }();
  return text;
}

std::vector<std::string_view> zone_lines() {
  std::vector<std::string_view> lines;
  const std::string& t = zone_text();
  for (std::size_t s = 0; s < t.size();) {
    const std::size_t nl = t.find('\n', s);
    lines.push_back(std::string_view(t).substr(s, nl - s));
    s = nl + 1;
  }
  return lines;
}

const lookalike::generator::Matcher& matcher() {
  static const lookalike::generator::Matcher m = [] {
    std::vector<lookalike::generator::BrandSpec> specs;
    for (const auto& d : lookalike::bench::brand_domains(1000)) specs.push_back({d, {}, {}});
    return lookalike::generator::Matcher::build(specs).value();
  }();
  return m;
}

void BM_ZoneParse(benchmark::State& state) {
  const auto lines = zone_lines();
  std::size_t names = 0;
  const lookalike::ingest::NameSink sink = [&](std::string_view) { ++names; };
  for (auto _ : state) {
    lookalike::ingest::ZoneParser p;
    for (const auto l : lines) (void)p.line(l, sink);
    benchmark::DoNotOptimize(names);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * lines.size()));
  state.counters["names"] = static_cast<double>(names) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_ZoneParse)->Unit(benchmark::kMillisecond);

void BM_ZoneParseMatch1000Brands(benchmark::State& state) {
  const auto lines = zone_lines();
  const auto& m = matcher();
  std::vector<lookalike::generator::Match> found;
  std::size_t hits = 0;
  const lookalike::ingest::NameSink sink = [&](std::string_view name) {
    found.clear();
    m.match(name, found);
    hits += !found.empty();
  };
  for (auto _ : state) {
    lookalike::ingest::ZoneParser p;
    for (const auto l : lines) (void)p.line(l, sink);
    benchmark::DoNotOptimize(hits);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * lines.size()));
}
BENCHMARK(BM_ZoneParseMatch1000Brands)->Unit(benchmark::kMillisecond);

void BM_ReadNamesGzip(benchmark::State& state) {
  const auto path = std::filesystem::temp_directory_path() / "lookalike-ingest-bench.gz";
  {
    gzFile g = gzopen(path.c_str(), "wb6");
    gzwrite(g, zone_text().data(), static_cast<unsigned>(zone_text().size()));
    gzclose(g);
  }
  std::uint64_t lines = 0;
  for (auto _ : state) {
    auto r = lookalike::ingest::read_names(path.string(), {}, [](std::string_view) {}, {});
    if (!r)
      state.SkipWithError(r.error().message().c_str());
    else
      lines += r->lines;
  }
  std::filesystem::remove(path);
  state.SetItemsProcessed(static_cast<std::int64_t>(lines));
}
BENCHMARK(BM_ReadNamesGzip)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
