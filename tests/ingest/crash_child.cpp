// Crash helper for crash_test.cpp: ingests one file into a store and, when asked, SIGKILLs itself
// at a named step of the ingest ("parsed", "state-written", "chunk-committed", "committed").
// Usage: ingest_crash_child DB FILE DATE [STEP|-] [COMMIT_EVERY]
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "generator/matcher.hpp"
#include "index/index.hpp"
#include "ingest/ingest.hpp"

int main(int argc, char** argv) {
  using namespace lookalike;
  if (argc < 4) return 2;
  const std::string db = argv[1];
  const std::string kill_at = argc > 4 && std::string(argv[4]) != "-" ? argv[4] : "";
  auto store = index::Store::open(db);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return 1;
  }
  std::vector<generator::BrandSpec> specs;
  const auto brands = store->list_brands();
  if (!brands) return 1;
  for (const auto& b : *brands) specs.push_back({b.domain, b.keywords, b.owned});
  auto matcher = generator::Matcher::build(specs);
  if (!matcher) return 1;
  ingest::IngestOptions o;
  o.date = argv[3];
  o.state_dir = db + "/ingest";
  if (argc > 5) o.commit_every = std::stoul(argv[5]);
  o.on_step = [&](std::string_view step) {
    if (step == kill_at) std::raise(SIGKILL);
  };
  auto r = ingest::ingest_file(argv[2], *matcher, *store, o, {});
  if (!r) {
    std::fprintf(stderr, "%s\n", r.error().message().c_str());
    return 1;
  }
  return 0;
}
