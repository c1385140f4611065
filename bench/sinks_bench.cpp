// Alert sinks and metrics: how many alerts per second each local sink takes (the jsonl file
// syncs every alert to disk, by design) and the cost of metric updates and of one scrape.
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "alerts/alert.hpp"
#include "telemetry/metrics.hpp"

namespace {

using namespace lookalike::alerts;
using namespace lookalike::telemetry;

Alert alert(std::uint64_t seq) {
  Alert a;
  a.seq = seq;
  a.kind = AlertKind::mx_appeared;
  a.name = "examp1ebank.com";
  a.json = "{\"seq\":" + std::to_string(seq) + ",\"id\":\"bench-" + std::to_string(seq) +
           "\",\"time\":\"2026-11-28T15:08:05Z\",\"kind\":\"mx-appeared\",\"name\":\"examp1ebank.com\","
           "\"brands\":[\"examplebank.com\"],\"score\":48,\"level\":\"medium\",\"evidence\":{\"dns\":{\"MX\":"
           "[\"10 mail.examp1ebank.com\"]},\"padding\":\"" + std::string(600, 'x') + "\"}}";
  return a;
}

// Every alert written, flushed and fdatasync'ed (the durability the idempotency relies on).
void BM_JsonlFileDeliver(benchmark::State& state) {
  std::string dir = (std::filesystem::temp_directory_path() / "lookalike-bench-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  SinkConfig c;
  c.type = "jsonl";
  c.path = dir + "/alerts.jsonl";
  auto sink = make_sink(c);
  if (!sink) {
    state.SkipWithError(sink.error().c_str());
    return;
  }
  std::uint64_t seq = 0;
  for (auto _ : state) {
    auto r = (*sink)->deliver(alert(++seq));
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(seq));
  sink->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_JsonlFileDeliver)->UseRealTime();

// Reopening a file of N alerts: the start-up scan for the last delivered seq.
void BM_JsonlReopen(benchmark::State& state) {
  std::string dir = (std::filesystem::temp_directory_path() / "lookalike-bench-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  const std::string path = dir + "/alerts.jsonl";
  {
    FILE* f = fopen(path.c_str(), "w");
    for (std::int64_t i = 1; i <= state.range(0); ++i) fprintf(f, "%s\n", alert(static_cast<std::uint64_t>(i)).json.c_str());
    fclose(f);
  }
  SinkConfig c;
  c.type = "jsonl";
  c.path = path;
  for (auto _ : state) {
    auto sink = make_sink(c);
    benchmark::DoNotOptimize(sink);
  }
  state.SetItemsProcessed(state.iterations());
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_JsonlReopen)->Arg(100000);

void BM_MetricsAdd(benchmark::State& state) {
  Metrics m;
  const std::string labels = label("log", "Google 'Argon2026h1' log");
  for (auto _ : state) m.add("lookalike_ct_entries_processed_total", labels, 1, "CT log entries processed");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MetricsAdd);

// One scrape's text for 60 logs x 3 series plus a few counters.
void BM_MetricsRender(benchmark::State& state) {
  Metrics m;
  for (int i = 0; i < 60; ++i) {
    const std::string l = label("log", "log " + std::to_string(i));
    m.add("lookalike_ct_entries_processed_total", l, 1e6 + i, "CT log entries processed");
    m.set("lookalike_ct_lag_entries", l, i, "Entries behind the head");
    m.set("lookalike_ct_next_index", l, 1e9 + i, "Next CT entry to fetch");
  }
  for (const char* k : {"new-lookalike", "registered", "mx-appeared", "web-live", "certificate", "level-changed"}) {
    m.add("lookalike_alerts_total", label("kind", k), 3, "Alerts by kind");
  }
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string text = m.render();
    bytes += text.size();
    benchmark::DoNotOptimize(text.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_MetricsRender);

}  // namespace

BENCHMARK_MAIN();
