// Scoring benchmarks: the pure score function (scores/s), the parsers of untrusted bytes, and
// whole probes (SMTP banner+EHLO, HTTP GET, HTTPS GET with a handshake) against real loopback
// servers (targets/s). The loopback servers are thread-per-connection test servers: they, not
// the prober, are likely the limit on 2 cores.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include "scoring/scoring.hpp"
#include "tests/scoring/loopback_servers.hpp"

namespace sc = lookalike::scoring;

namespace {

std::vector<sc::Facts> facts_world() {
  std::vector<sc::Facts> v;
  for (int i = 0; i < 1024; ++i) {
    sc::Facts f;
    f.kind = static_cast<sc::SimilarityKind>(i % 7);
    f.edit_distance = i % 3;
    f.registered = i % 2 == 0;
    f.mx_live = i % 3 == 0;
    f.spf = i % 5 == 0;
    f.mail.dmarc = i % 7 == 0 ? lookalike::scoring::DmarcPolicy::none : lookalike::scoring::DmarcPolicy::missing;
    f.web_live = i % 4 == 0;
    f.ct_seen = i % 6 == 0;
    f.wildcard = i % 11 == 0;
    f.parked = i % 13 == 0;
    f.redirects_to_brand = i % 17 == 0;
    f.owned = i % 101 == 0;
    f.page_similarity = (i % 10) / 10.0;
    v.push_back(f);
  }
  return v;
}

void BM_Score(benchmark::State& state) {
  const auto world = facts_world();
  const sc::Weights& w = sc::default_weights();
  std::size_t i = 0;
  for (auto _ : state) {
    sc::Score s = sc::score(world[i++ & 1023], w);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_Score);

void BM_ParseHttpResponseAndHashPage(benchmark::State& state) {
  std::string body = "<html><head><title>Example Bank | Sign in</title></head><body>";
  for (int i = 0; i < 400; ++i) body += "<p>paragraph " + std::to_string(i) + " with some words of text</p>";
  body += "</body></html>";
  const std::string resp = lookalike::testing::html_response(body);
  for (auto _ : state) {
    sc::HttpResponse r;
    auto st = sc::parse_http_response(resp, false, 16384, r);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(sc::extract_title(r.body));
    benchmark::DoNotOptimize(sc::page_hash(r.body));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * resp.size()));
}
BENCHMARK(BM_ParseHttpResponseAndHashPage);

void BM_SanitizeText(benchmark::State& state) {
  std::string text;
  for (int i = 0; i < 20; ++i) text += "Sign in \x1b[31mnow\x1b[0m caf\xc3\xa9\r\n";
  for (auto _ : state) benchmark::DoNotOptimize(sc::sanitize_text(text, 512));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_SanitizeText);

// Probes of 64 targets per iteration: each has one MX (banner + EHLO + QUIT) and web on HTTP and
// HTTPS (self-signed P-256 certificate), all on 127.0.0.1.
void BM_ProbeLoopback(benchmark::State& state) {
  namespace t = lookalike::testing;
  const auto cert = t::TestCertificate::make("bench.test", {"*.bench.test"});
  const std::string page = "<html><title>bench</title><body>hello world from the bench server</body></html>";
  t::LoopbackServer smtp(t::smtp_handler("bench.test"));
  t::Handler any_host = [page](t::Conn& c) {
    if (!c.read_head().empty()) c.write(t::html_response(page));
  };
  t::LoopbackServer web(any_host);
  t::LoopbackServer webs(any_host, &cert);
  sc::ProbeOptions o;
  o.allow_private = true;
  o.smtp_port = smtp.port();
  o.http_port = web.port();
  o.https_port = webs.port();
  o.concurrency = static_cast<std::size_t>(state.range(0));
  const bool web_only = state.range(1) == 1;
  const bool mail_only = state.range(1) == 2;
  o.web = !mail_only;
  o.mail = !web_only;
  sc::Prober prober(o);
  std::vector<sc::ProbeTarget> targets;
  for (int i = 0; i < 64; ++i) {
    sc::ProbeTarget tg;
    tg.name = "t" + std::to_string(i) + ".bench.test";
    tg.web_addresses = {*sc::parse_address("127.0.0.1")};
    tg.mx.push_back(sc::MxHost{"mx.bench.test", {*sc::parse_address("127.0.0.1")}});
    targets.push_back(tg);
  }
  std::size_t live = 0;
  for (auto _ : state) {
    auto r = prober.probe_all(targets);
    for (const auto& x : r) live += (x.mx_live || x.web_live) ? 1 : 0;
  }
  if (live != targets.size() * state.iterations()) state.SkipWithError("some probes did not answer");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * targets.size()));
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  state.counters["peak_rss_MiB"] = static_cast<double>(ru.ru_maxrss) / 1024.0;
}
BENCHMARK(BM_ProbeLoopback)
    ->ArgNames({"concurrency", "mode"})
    ->Args({32, 0})   // mail + http + https
    ->Args({32, 2})   // mail only
    ->Args({32, 1})   // web only
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
