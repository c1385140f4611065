// Names matched per second against 1,000 and 100,000 brands (single thread).
// Names: the 1,089 real SAN dNSNames of the navigli2025h2 CT fixture (deep, messy, mostly
// unrelated to any brand: the common case of a CT feed), and a synthetic stream of registrable
// names of which a fifth are typos, homoglyphs and combosquats of indexed brands.
#include <benchmark/benchmark.h>

#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "bench/words.hpp"
#include "generator/matcher.hpp"

namespace g = lookalike::generator;

namespace {

using lookalike::bench::word;

constexpr std::string_view kTlds[] = {"com", "net", "org", "de", "co.uk", "io", "fr", "com.br", "ru", "jp"};

std::vector<g::BrandSpec> brands(std::size_t n) {
  std::mt19937 rng(1234);
  std::vector<g::BrandSpec> specs{{"paypal.com", {}, {}}, {"sberbank.ru", {}, {}}, {"ozon.ru", {}, {}},
                                  {"microsoft.com", {}, {}}, {"google.com", {}, {}}};
  while (specs.size() < n) specs.push_back({word(rng, 4, 14) + "." + std::string(kTlds[rng() % std::size(kTlds)]), {}, {}});
  return specs;
}

// `copy` 0 or 1: two equal matchers built apart, so run() can start every pass cold (below).
const g::Matcher& matcher(std::size_t n, std::size_t substring_min = 4, int copy = 0) {
  static std::map<std::tuple<std::size_t, std::size_t, int>, std::unique_ptr<g::Matcher>> cache;
  auto& m = cache[{n, substring_min, copy}];
  if (!m) {
    const auto specs = brands(n);
    g::MatchOptions options;
    options.substring_min_length = substring_min;
    auto built = g::Matcher::build(specs, options);
    if (!built) throw std::runtime_error(built.error().message);
    m = std::make_unique<g::Matcher>(std::move(*built));
  }
  return *m;
}

std::vector<std::string> ct_names() {
  std::vector<std::string> names;
  for (const char* tile : {"000", "001", "002", "003"}) {
    std::ifstream in(std::string(LOOKALIKE_SHARED_DIR) + "/fixtures/ct/static-ct/navigli2025h2/tile/names/" + tile);
    std::string line;
    while (std::getline(in, line)) {
      // {"Timestamp":..,"Subject":{..},"DNS":["a","b"]}: the strings after "DNS".
      std::size_t p = line.find("\"DNS\":[");
      if (p == std::string::npos) continue;
      p += 7;
      while (p < line.size() && line[p] == '"') {
        const std::size_t end = line.find('"', p + 1);
        if (end == std::string::npos) break;
        std::string n = line.substr(p + 1, end - p - 1);
        for (char& c : n) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        names.push_back(std::move(n));
        p = end + 2;
      }
    }
  }
  if (names.empty()) throw std::runtime_error("no names in " LOOKALIKE_SHARED_DIR "/fixtures/ct/static-ct/navigli2025h2");
  return names;
}

std::vector<std::string> synthetic_names(std::size_t brand_count) {
  std::mt19937 rng(99);
  const auto specs = brands(brand_count);
  std::vector<std::string> names;
  for (int i = 0; i < 4096; ++i) {
    const int kind = static_cast<int>(rng() % 10);
    std::string label = specs[rng() % specs.size()].domain;
    label = label.substr(0, label.find('.'));
    switch (kind) {
      case 0: label.erase(rng() % label.size(), 1); break;                                    // omission
      case 1: label[rng() % label.size()] = static_cast<char>('a' + rng() % 26); break;       // replacement
      default: label = word(rng, 5, 16); break;                                               // unrelated
    }
    if (kind == 2) label += "-login";
    const std::string prefix = rng() % 3 == 0 ? "www." : "";
    names.push_back(prefix + label + "." + std::string(kTlds[rng() % std::size(kTlds)]));
  }
  return names;
}

// Passes over `names` alternate between two equal matchers: the matcher remembers, per thread
// and matcher, labels that matched nothing (labels repeat within a CT feed), and switching
// matchers forgets them, so each pass sees only the repetition inside one stretch of the stream,
// never the previous pass's labels.
void run(benchmark::State& state, const std::vector<std::string>& names, const g::Matcher& first,
         const g::Matcher& second) {
  std::vector<g::Match> out;
  std::size_t i = 0;
  std::size_t matched = 0;
  const g::Matcher* m = &first;
  for (auto _ : state) {
    out.clear();
    m->match(names[i], out);
    matched += out.size();
    benchmark::DoNotOptimize(out.data());
    if (++i == names.size()) {
      i = 0;
      m = m == &first ? &second : &first;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["matches_per_name"] = benchmark::Counter(static_cast<double>(matched) / static_cast<double>(state.iterations()));
}

// Args: brands, and the shortest brand label that counts as a combosquat inside a token (4 is
// the default; 6 shows how much of the 100,000-brand cost is short random labels found inside
// unrelated words).
void BM_MatchCtNames(benchmark::State& state) {
  static const auto names = ct_names();
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto min = static_cast<std::size_t>(state.range(1));
  run(state, names, matcher(n, min, 0), matcher(n, min, 1));
}
BENCHMARK(BM_MatchCtNames)->Args({1000, 4})->Args({100000, 4})->Args({100000, 6})->MinTime(1.0);

void BM_MatchSyntheticNames(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  static std::map<std::size_t, std::vector<std::string>> streams;
  auto& names = streams[n];
  if (names.empty()) names = synthetic_names(n);
  run(state, names, matcher(n, 4, 0), matcher(n, 4, 1));
}
BENCHMARK(BM_MatchSyntheticNames)->Arg(1000)->Arg(100000)->MinTime(1.0);

void BM_BuildIndex(benchmark::State& state) {
  const auto specs = brands(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto m = g::Matcher::build(specs);
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_BuildIndex)->Arg(1000)->Unit(benchmark::kMillisecond)->MinTime(0.5);

}  // namespace

BENCHMARK_MAIN();
