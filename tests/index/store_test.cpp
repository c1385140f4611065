// The store against real RocksDB in a temporary folder.
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include "index/codec.hpp"
#include "index/index.hpp"
#include "tests/index/support.hpp"

namespace lookalike::index {
namespace {

namespace fs = std::filesystem;

Store open_ok(const std::string& path, const Options& o = {}) {
  auto s = Store::open(path, o);
  if (!s) throw std::runtime_error(s.error().message);
  return std::move(*s);
}

CandidateUpdate update(std::string name, std::string brand, std::string fuzzer, Time seen = 0) {
  CandidateUpdate u;
  u.name = std::move(name);
  u.brands = {std::move(brand)};
  u.fuzzers = {std::move(fuzzer)};
  u.seen = seen;
  return u;
}

std::vector<std::pair<std::string, std::optional<std::uint8_t>>> by_brand(const Store& s, std::string_view brand,
                                                                          int min_score) {
  std::vector<std::pair<std::string, std::optional<std::uint8_t>>> out;
  auto r = s.candidates_by_brand(brand, min_score, [&](const Ranked& x) {
    out.emplace_back(std::string(x.name), x.score);
    return true;
  });
  EXPECT_TRUE(r) << r.error().message;
  return out;
}

void expect_check_ok(const Store& s) {
  auto r = s.check();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->ok()) << r->problems.front();
}

TEST(Store, AddsListsReplacesAndRemovesBrands) {
  test::TempDir dir;
  Store s = open_ok(dir.sub("db"));
  ASSERT_TRUE(s.add_brand(Brand{"example.com", {"login"}, {"example.net"}, "common", 0}));
  ASSERT_TRUE(s.add_brand(Brand{"bank.co.uk", {}, {}, "original", 5}));
  ASSERT_TRUE(s.add_brand(Brand{"example.com", {"secure"}, {}, "abused", 0}));
  auto list = s.list_brands();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].domain, "bank.co.uk");
  EXPECT_EQ((*list)[1].keywords, std::vector<std::string>{"secure"});
  EXPECT_GT((*list)[1].added, 0);
  auto removed = s.remove_brand("bank.co.uk");
  ASSERT_TRUE(removed);
  EXPECT_TRUE(*removed);
  auto again = s.remove_brand("bank.co.uk");
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  EXPECT_FALSE(s.add_brand(Brand{"Bad Brand", {}, {}, "", 0}));
}

TEST(Store, MergesSightingsFromSeveralSourcesWithoutReadingFirst) {
  test::TempDir dir;
  Store s = open_ok(dir.sub("db"));
  CandidateUpdate ct;
  ct.name = "examp1e.com";
  ct.brands = {"example.com"};
  ct.ct = {{"argon2026", 12345, Sha256{1}}};
  ct.seen = 5000;
  std::vector<CandidateUpdate> gen = {update("examp1e.com", "example.com", "homoglyph", 7000),
                                      update("exampel.com", "example.com", "transposition", 7000)};
  ASSERT_TRUE(s.upsert_candidates(gen));
  ASSERT_TRUE(s.upsert_candidates(std::span(&ct, 1)));
  CandidateUpdate dns = update("examp1e.com", "example.net", "bitsquatting", 9000);
  dns.state = StateSummary{9000, DnsOutcome::answer, state_flag::registered | state_flag::has_mx};
  ASSERT_TRUE(s.upsert_candidates(std::span(&dns, 1)));

  auto c = s.get_candidate("examp1e.com");
  ASSERT_TRUE(c && *c);
  EXPECT_EQ((*c)->name, "examp1e.com");
  EXPECT_EQ((*c)->brands, (std::vector<std::string>{"example.com", "example.net"}));
  EXPECT_EQ((*c)->fuzzers, (std::vector<std::string>{"bitsquatting", "homoglyph"}));
  ASSERT_EQ((*c)->ct.size(), 1u);
  EXPECT_EQ((*c)->ct[0].index, 12345u);
  EXPECT_EQ((*c)->first_seen, 5000);
  EXPECT_EQ((*c)->last_seen, 9000);
  ASSERT_TRUE((*c)->state);
  EXPECT_EQ((*c)->state->flags, state_flag::registered | state_flag::has_mx);
  auto missing = s.get_candidate("nothere.com");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);
  expect_check_ok(s);
}

TEST(Store, RefusesMalformedNamesWithoutWritingAnything) {
  test::TempDir dir;
  Store s = open_ok(dir.sub("db"));
  std::vector<CandidateUpdate> us = {update("ok.com", "example.com", "x"), update(std::string("a\0b", 3), "example.com", "x")};
  auto r = s.upsert_candidates(us);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
  auto c = s.get_candidate("ok.com");
  ASSERT_TRUE(c);
  EXPECT_FALSE(*c);
  EXPECT_FALSE(s.set_score("nothere.com", Score{10, 1, {}, 0}));
}

TEST(Store, ListsCandidatesOfABrandByDescendingScoreThenUnscored) {
  test::TempDir dir;
  Store s = open_ok(dir.sub("db"));
  std::vector<CandidateUpdate> us;
  for (const char* n : {"a.com", "b.com", "c.com", "d.com"}) us.push_back(update(n, "example.com", "x"));
  us.push_back(update("z.com", "other.com", "x"));
  ASSERT_TRUE(s.upsert_candidates(us));
  ASSERT_TRUE(s.set_score("a.com", Score{40, 2, {"a"}, 100}));
  ASSERT_TRUE(s.set_score("b.com", Score{90, 4, {"b"}, 100}));
  ASSERT_TRUE(s.set_score("c.com", Score{65, 3, {"c"}, 100}));
  using V = std::vector<std::pair<std::string, std::optional<std::uint8_t>>>;
  EXPECT_EQ(by_brand(s, "example.com", 0), (V{{"b.com", 90}, {"c.com", 65}, {"a.com", 40}, {"d.com", std::nullopt}}));
  EXPECT_EQ(by_brand(s, "example.com", 60), (V{{"b.com", 90}, {"c.com", 65}}));
  // A rescore moves the entry; an older score never overrides a newer one.
  ASSERT_TRUE(s.set_score("a.com", Score{95, 4, {"a2"}, 200}));
  ASSERT_TRUE(s.set_score("b.com", Score{5, 0, {"stale"}, 50}));
  EXPECT_EQ(by_brand(s, "example.com", 60), (V{{"a.com", 95}, {"b.com", 90}, {"c.com", 65}}));
  // A brand added after scoring is indexed at the current score.
  CandidateUpdate more = update("c.com", "other.com", "y");
  ASSERT_TRUE(s.upsert_candidates(std::span(&more, 1)));
  EXPECT_EQ(by_brand(s, "other.com", 0), (V{{"c.com", 65}, {"z.com", std::nullopt}}));
  EXPECT_TRUE(by_brand(s, "example.co", 0).empty());
  expect_check_ok(s);
}

TEST(Store, KeepsGenerationStatesApartFromFeedPositions) {
  test::TempDir dir;
  Store s = open_ok(dir.sub("db"));
  Batch b;
  ASSERT_TRUE(b.put_feed_state("zone:com", "1 position"));
  ASSERT_TRUE(b.put_generation_state("example.com", "fingerprint"));
  EXPECT_FALSE(b.put_generation_state("Not A Brand", "x"));
  ASSERT_TRUE(s.commit(std::move(b)));
  auto g = s.get_generation_state("example.com");
  ASSERT_TRUE(g && *g);
  EXPECT_EQ(**g, "fingerprint");
  auto none = s.get_generation_state("other.com");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  // A feed listing (ingest --stats) sees only feeds, never a brand's generation state.
  auto feeds = s.list_feed_states();
  ASSERT_TRUE(feeds);
  ASSERT_EQ(feeds->size(), 1u);
  EXPECT_EQ((*feeds)[0].first, "zone:com");
  expect_check_ok(s);
}

TEST(Store, KeepsPostureRunsPerDomainNewestFirst) {
  test::TempDir dir;
  Store s = open_ok(dir.sub("db"));
  ASSERT_TRUE(s.put_posture_run("example.com", 1000, "first"));
  ASSERT_TRUE(s.put_posture_run("example.com", 3000, "third"));
  ASSERT_TRUE(s.put_posture_run("example.com", 2000, "second"));
  ASSERT_TRUE(s.put_posture_run("example.co", 5000, "other domain"));
  EXPECT_FALSE(s.put_posture_run("Not A Domain", 1, "x"));
  std::vector<std::pair<Time, std::string>> seen;
  ASSERT_TRUE(s.posture_runs("example.com", [&](Time t, std::string_view v) {
    seen.emplace_back(t, std::string(v));
    return true;
  }));
  EXPECT_EQ(seen, (std::vector<std::pair<Time, std::string>>{{3000, "third"}, {2000, "second"}, {1000, "first"}}));
  seen.clear();
  ASSERT_TRUE(s.posture_runs("example.com", [&](Time t, std::string_view v) {
    seen.emplace_back(t, std::string(v));
    return false;  // the newest only
  }));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].second, "third");
  // Feed listings never show posture runs, and check() accepts them.
  auto feeds = s.list_feed_states();
  ASSERT_TRUE(feeds);
  EXPECT_TRUE(feeds->empty());
  expect_check_ok(s);
}

TEST(Store, ExportsAndImportsPostureRunsWithTheirTimes) {
  test::TempDir dir;
  std::string first;
  {
    Store s = open_ok(dir.sub("a"));
    ASSERT_TRUE(s.put_posture_run("example.com", 1000, R"({"domain":"example.com","run":1})"));
    ASSERT_TRUE(s.put_posture_run("example.com", 2000, R"({"domain":"example.com","run":2})"));
    ASSERT_TRUE(s.put_posture_run("example.co", 5000, "other domain"));
    std::ostringstream out;
    ASSERT_TRUE(s.export_jsonl(out));
    first = out.str();
    // The payload is opaque to the index: hex, like an observation's.
    EXPECT_NE(first.find(R"({"type":"posture_run","domain":"example.co","time":5000,"payload":"6f7468657220646f6d61696e"})"),
              std::string::npos)
        << first;
  }
  Store b = open_ok(dir.sub("b"));
  std::istringstream in(first);
  auto report = b.import_jsonl(in);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->posture_runs, 3u);
  std::vector<std::pair<Time, std::string>> seen;
  ASSERT_TRUE(b.posture_runs("example.com", [&](Time t, std::string_view v) {
    seen.emplace_back(t, std::string(v));
    return true;
  }));
  EXPECT_EQ(seen, (std::vector<std::pair<Time, std::string>>{{2000, R"({"domain":"example.com","run":2})"},
                                                              {1000, R"({"domain":"example.com","run":1})"}}));
  std::ostringstream again;
  ASSERT_TRUE(b.export_jsonl(again));
  EXPECT_EQ(again.str(), first);
  expect_check_ok(b);
  // A run for a name the store would refuse, or a payload that is not hex, stops the import there.
  std::istringstream bad_name(R"({"type":"posture_run","domain":"Not A Domain","time":1,"payload":"00"})");
  EXPECT_FALSE(b.import_jsonl(bad_name));
  std::istringstream bad_hex(R"({"type":"posture_run","domain":"example.com","time":1,"payload":"zz"})");
  EXPECT_FALSE(b.import_jsonl(bad_hex));
}

TEST(Store, CommitsCandidatesAndACtPositionAtomically) {
  test::TempDir dir;
  Store s = open_ok(dir.sub("db"));
  Batch b;
  ASSERT_TRUE(b.upsert(update("new.com", "example.com", "ct")));
  ASSERT_TRUE(b.put_ct_state("log1", CtState{100, 99, std::string(32, 'x'), "sth", 0}));
  ASSERT_TRUE(b.upsert(update("bad", "Not A Brand", "ct")).has_value() == false);
  ASSERT_EQ(b.size(), 2u);
  ASSERT_TRUE(s.commit(std::move(b)));
  auto st = s.get_ct_state("log1");
  ASSERT_TRUE(st && *st);
  EXPECT_EQ((*st)->next_index, 100u);
  EXPECT_GT((*st)->updated, 0);
  auto c = s.get_candidate("new.com");
  ASSERT_TRUE(c && *c);
  auto all = s.list_ct_states();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front().first, "log1");

  // A batch that fails (scoring an unknown name) writes nothing at all.
  Batch bad;
  ASSERT_TRUE(bad.upsert(update("other.com", "example.com", "ct")));
  ASSERT_TRUE(bad.put_ct_state("log1", CtState{200, 199, std::string(32, 'y'), "sth2", 0}));
  ASSERT_TRUE(bad.set_score("unknown.com", Score{1, 0, {}, 0}));
  EXPECT_FALSE(s.commit(std::move(bad)));
  auto st2 = s.get_ct_state("log1");
  ASSERT_TRUE(st2 && *st2);
  EXPECT_EQ((*st2)->next_index, 100u);
  auto c2 = s.get_candidate("other.com");
  ASSERT_TRUE(c2);
  EXPECT_FALSE(*c2);
}

TEST(Store, KeepsObservationHistoryInTimeOrder) {
  test::TempDir dir;
  Store s = open_ok(dir.sub("db"));
  const Time now = now_ms();
  ASSERT_TRUE(s.record_observation(Observation{"a.com", now - 2000, ObservationKind::dns, "first"}));
  ASSERT_TRUE(s.record_observation(Observation{"a.com", now - 1000, ObservationKind::probe, std::string("\0bin", 4)}));
  ASSERT_TRUE(s.record_observation(Observation{"a.co", now, ObservationKind::dns, "other name"}));
  std::vector<Observation> seen;
  ASSERT_TRUE(s.observations("a.com", [&](const Observation& o) {
    seen.push_back(o);
    return true;
  }));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].payload, "first");
  EXPECT_EQ(seen[1].payload, std::string("\0bin", 4));
  EXPECT_EQ(seen[1].kind, ObservationKind::probe);
}

TEST(Store, DropsObservationsRecordedLongerThanTheRetentionAgoOnCompaction) {
  test::TempDir dir;
  const Time day = 86'400'000;
  const Time now = now_ms();
  auto clock = std::make_shared<std::atomic<Time>>(now - 40 * day);
  Options o;
  o.observation_retention = std::chrono::days(30);
  o.clock = [clock] { return clock->load(); };
  Store s = open_ok(dir.sub("db"), o);
  ASSERT_TRUE(s.record_observation(Observation{"a.com", now - 40 * day, ObservationKind::dns, "expired"}));
  clock->store(now - 10 * day);
  ASSERT_TRUE(s.record_observation(Observation{"a.com", now - 400 * day, ObservationKind::dns, "kept"}));
  clock->store(now);
  ASSERT_TRUE(s.compact());
  std::vector<std::string> left;
  ASSERT_TRUE(s.observations("a.com", [&](const Observation& x) {
    left.push_back(x.payload);
    return true;
  }));
  EXPECT_EQ(left, std::vector<std::string>{"kept"});
}

TEST(Store, StoresVerdictsAndFeedsThemToConsumers) {
  test::TempDir dir;
  Store s = open_ok(dir.sub("db"));
  std::vector<CandidateUpdate> us = {update("a.com", "example.com", "x"), update("b.com", "example.com", "x"),
                                     update("generated.com", "example.com", "x")};
  us[0].ct = {{"log", 1, Sha256{}}};
  us[1].ct = {{"log", 2, Sha256{}}};
  ASSERT_TRUE(s.upsert_candidates(us));
  ASSERT_TRUE(s.set_score("a.com", Score{80, 3, {}, 0}));
  ASSERT_TRUE(s.put_verdict("a.com", Verdict{Decision::malicious, "phishing", 0}));
  auto v = s.get_verdict("a.com");
  ASSERT_TRUE(v && *v);
  EXPECT_EQ((*v)->decision, Decision::malicious);
  EXPECT_EQ((*v)->note, "phishing");
  auto seq = s.append_event(EventKind::custom, "b.com", "hello");
  ASSERT_TRUE(seq);

  auto all = s.read_events("alerts");
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 5u);  // 2 new names from CT (not the generated one), level change, verdict, custom
  EXPECT_EQ((*all)[0].kind, EventKind::new_candidate);
  EXPECT_EQ((*all)[2].kind, EventKind::level_changed);
  EXPECT_EQ((*all)[2].detail, "level 3 (was none), score 80");
  EXPECT_EQ((*all)[3].kind, EventKind::verdict);
  EXPECT_EQ((*all)[4].seq, *seq);
  for (std::size_t i = 1; i < all->size(); ++i) EXPECT_EQ((*all)[i].seq, (*all)[i - 1].seq + 1);

  ASSERT_TRUE(s.ack("alerts", (*all)[2].seq));
  ASSERT_TRUE(s.ack("alerts", 1));  // never moves backwards
  auto rest = s.read_events("alerts");
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ(rest->front().kind, EventKind::verdict);
  auto other = s.read_events("report", 2);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->size(), 2u);
}

TEST(Store, VisitsEveryVerdictInNameOrderAndStopsWhenAsked) {
  test::TempDir dir;
  Store s = open_ok(dir.sub("db"));
  ASSERT_TRUE(s.put_verdict("b.com", Verdict{Decision::owned, "", 0}));
  ASSERT_TRUE(s.put_verdict("a.com", Verdict{Decision::malicious, "phishing", 0}));
  std::vector<std::pair<std::string, Decision>> visited;
  ASSERT_TRUE(s.visit_verdicts([&](std::string_view name, const Verdict& verdict) {
    visited.emplace_back(name, verdict.decision);
    return true;
  }));
  EXPECT_EQ(visited, (std::vector<std::pair<std::string, Decision>>{{"a.com", Decision::malicious}, {"b.com", Decision::owned}}));
  int calls = 0;
  ASSERT_TRUE(s.visit_verdicts([&](std::string_view, const Verdict&) { return ++calls < 1; }));
  EXPECT_EQ(calls, 1);
}

TEST(Store, ContinuesTheEventSequenceAfterReopening) {
  test::TempDir dir;
  std::uint64_t last = 0;
  {
    Store s = open_ok(dir.sub("db"));
    last = s.append_event(EventKind::custom, "", "one").value();
  }
  Store s = open_ok(dir.sub("db"));
  EXPECT_EQ(s.append_event(EventKind::custom, "", "two").value(), last + 1);
}

TEST(Store, ExportsAndImportsEverythingIntoAnIdenticalStore) {
  test::TempDir dir;
  std::string first;
  {
    Store s = open_ok(dir.sub("a"));
    ASSERT_TRUE(s.add_brand(Brand{"example.com", {"login"}, {"example.net"}, "common", 0}));
    CandidateUpdate u = update("examp1e.com", "example.com", "homoglyph", 1000);
    u.ct = {{std::string("\x01\x02log", 5), 77, Sha256{9}}};
    u.state = StateSummary{1000, DnsOutcome::nxdomain, 0};
    ASSERT_TRUE(s.upsert_candidates(std::span(&u, 1)));
    ASSERT_TRUE(s.set_score("examp1e.com", Score{70, 3, {"homoglyph", "ct"}, 0}));
    ASSERT_TRUE(s.record_observation(Observation{"examp1e.com", now_ms(), ObservationKind::dns, std::string("\xff\x00", 2)}));
    ASSERT_TRUE(s.put_ct_state("log1", CtState{10, 9, std::string(32, 'r'), "{}", 0}));
    ASSERT_TRUE(s.put_verdict("examp1e.com", Verdict{Decision::owned, "", 0}));
    ASSERT_TRUE(s.ack("alerts", 2));
    Batch feed;
    ASSERT_TRUE(feed.put_feed_state("zone:com", "1 3 2026-12-03 943982 23338 3461 3410 3"));
    ASSERT_TRUE(feed.append_event(EventKind::deleted, "examp1e.com", "zone:com@2026-12-03 example.com"));
    ASSERT_TRUE(s.commit(std::move(feed)));
    std::ostringstream out;
    auto n = s.export_jsonl(out);
    ASSERT_TRUE(n);
    first = out.str();
    // The feed position is readable in the export (an audit sees each source's last date and counts).
    EXPECT_NE(first.find(R"({"type":"feed_state","source":"zone:com","value":"1 3 2026-12-03 943982 23338 3461 3410 3"})"),
              std::string::npos)
        << first;
    EXPECT_NE(first.find(R"("kind":"deleted","name":"examp1e.com")"), std::string::npos) << first;
    EXPECT_EQ(static_cast<std::size_t>(std::count(first.begin(), first.end(), '\n')), *n);
  }
  Store b = open_ok(dir.sub("b"));
  std::istringstream in(first);
  auto report = b.import_jsonl(in);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->candidates, 1u);
  EXPECT_EQ(report->acks, 1u);
  EXPECT_EQ(report->feed_states, 1u);
  EXPECT_EQ(b.get_feed_state("zone:com").value(), std::optional<std::string>("1 3 2026-12-03 943982 23338 3461 3410 3"));
  std::ostringstream again;
  ASSERT_TRUE(b.export_jsonl(again));
  EXPECT_EQ(again.str(), first);
  expect_check_ok(b);
  EXPECT_EQ(by_brand(b, "example.com", 50).size(), 1u);
  // Importing twice changes nothing (merges are idempotent).
  std::istringstream in2(first);
  ASSERT_TRUE(b.import_jsonl(in2));
  std::ostringstream third;
  ASSERT_TRUE(b.export_jsonl(third));
  EXPECT_EQ(third.str(), first);
}

TEST(Store, ImportStopsAtABadLineAndNamesIt) {
  test::TempDir dir;
  Store s = open_ok(dir.sub("db"));
  std::istringstream in(
      "{\"type\":\"brand\",\"domain\":\"example.com\"}\n"
      "{\"type\":\"candidate\",\"name\":\"x.com\",\"brands\":[\"EXAMPLE.COM\"]}\n");
  auto r = s.import_jsonl(in);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("import line 2"), std::string::npos) << r.error().message;
  std::istringstream newer("{\"type\":\"meta\",\"format\":\"lookalike-index\",\"schema\":99}\n");
  auto n = s.import_jsonl(newer);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, ErrorCode::newer_schema);
}

TEST(Store, ConcurrentWritersNeverLoseEachOthersProvenance) {
  test::TempDir dir;
  Store s = open_ok(dir.sub("db"));
  constexpr int kThreads = 4, kNames = 500, kRounds = 6;
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        std::vector<CandidateUpdate> us;
        for (int n = 0; n < kNames; ++n) {
          CandidateUpdate u = update("n" + std::to_string(n) + ".com", "brand" + std::to_string(n % 3) + ".com",
                                     "t" + std::to_string(t), 1000 + t * 100 + r);
          u.ct = {{"log" + std::to_string(t), static_cast<std::uint64_t>(r), Sha256{}}};
          us.push_back(std::move(u));
        }
        if (!s.upsert_candidates(us)) failed = true;
      }
    });
  }
  // A scorer runs at the same time: the by-brand index must stay consistent.
  threads.emplace_back([&] {
    for (int r = 0; r < 3; ++r) {
      for (int n = 0; n < kNames; n += 5) {
        auto x = s.set_score("n" + std::to_string(n) + ".com", Score{static_cast<std::uint8_t>((n + r) % 101), 1, {}, 0});
        if (!x && x.error().code != ErrorCode::invalid_argument) failed = true;  // not yet upserted is fine
      }
    }
  });
  for (auto& th : threads) th.join();
  ASSERT_FALSE(failed);
  std::uint64_t count = 0;
  ASSERT_TRUE(s.visit_candidates([&](const Candidate& c) {
    ++count;
    EXPECT_EQ(c.fuzzers, (std::vector<std::string>{"t0", "t1", "t2", "t3"})) << c.name;
    EXPECT_EQ(c.ct.size(), static_cast<std::size_t>(kThreads * kRounds)) << c.name;
    EXPECT_EQ(c.first_seen, 1000);
    EXPECT_EQ(c.last_seen, 1000 + (kThreads - 1) * 100 + kRounds - 1);
    EXPECT_EQ(c.brands.size(), 1u);
    return true;
  }));
  EXPECT_EQ(count, static_cast<std::uint64_t>(kNames));
  std::size_t listed = 0;
  for (int b = 0; b < 3; ++b) listed += by_brand(s, "brand" + std::to_string(b) + ".com", 0).size();
  EXPECT_EQ(listed, static_cast<std::size_t>(kNames));
  auto events = s.read_events_after(0, 100000);
  ASSERT_TRUE(events);
  std::size_t new_names = 0;
  for (const auto& e : *events) new_names += e.kind == EventKind::new_candidate;
  EXPECT_EQ(new_names, static_cast<std::size_t>(kNames));  // exactly one per name
  expect_check_ok(s);
}

TEST(Store, StatsCountEveryFamily) {
  test::TempDir dir;
  Store s = open_ok(dir.sub("db"));
  std::vector<CandidateUpdate> us = {update("a.com", "example.com", "x"), update("b.com", "example.com", "x")};
  ASSERT_TRUE(s.upsert_candidates(us));
  auto st = s.stats();
  ASSERT_TRUE(st);
  EXPECT_EQ(st->schema_version, kSchemaVersion);
  std::map<std::string, std::uint64_t> keys;
  for (const auto& f : st->families) keys[f.name] = f.keys;
  EXPECT_EQ(keys["candidates"], 2u);
  EXPECT_EQ(keys["by_brand"], 2u);
  EXPECT_EQ(keys["events"], 0u);  // generator output (no CT sighting) is not news
  EXPECT_GT(st->disk_bytes, 0u);
}

// ----- hostile stores

std::string fill_and_close(const std::string& path) {
  Store s = open_ok(path);
  std::vector<CandidateUpdate> us;
  for (int i = 0; i < 3000; ++i) us.push_back(update("name" + std::to_string(i) + ".com", "example.com", "x"));
  EXPECT_TRUE(s.upsert_candidates(us));
  EXPECT_TRUE(s.compact());
  return path;
}

std::string largest_sst(const std::string& path) {
  std::string best;
  std::uintmax_t size = 0;
  for (const auto& e : fs::directory_iterator(path)) {
    if (e.path().extension() == ".sst" && e.file_size() > size) {
      size = e.file_size();
      best = e.path().string();
    }
  }
  return best;
}

TEST(HostileStore, ATruncatedTableFileIsAOneLineCorruptionError) {
  test::TempDir dir;
  const std::string db = fill_and_close(dir.sub("db"));
  const std::string sst = largest_sst(db);
  ASSERT_FALSE(sst.empty());
  fs::resize_file(sst, fs::file_size(sst) / 2);
  auto s = Store::open(db);
  if (s) {
    // Older RocksDB builds notice only on read: check() must then report it.
    auto r = s->check();
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->ok());
  } else {
    EXPECT_EQ(s.error().code, ErrorCode::corrupted) << s.error().message;
    EXPECT_EQ(s.error().message.find('\n'), std::string::npos);
    EXPECT_NE(s.error().message.find(db), std::string::npos);
  }
}

TEST(HostileStore, FlippedBytesInATableFileAreFoundByCheck) {
  test::TempDir dir;
  const std::string db = fill_and_close(dir.sub("db"));
  const std::string sst = largest_sst(db);
  std::string data = test::read_file(sst);
  for (std::size_t i = 100; i < 400 && i < data.size(); ++i) data[i] = static_cast<char>(data[i] ^ 0x5a);
  test::write_file(sst, data);
  auto s = Store::open(db);
  if (!s) {
    EXPECT_EQ(s.error().code, ErrorCode::corrupted) << s.error().message;
    return;
  }
  auto r = s->check();
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_FALSE(r->ok());
  EXPECT_NE(r->problems.front().find("orrupt"), std::string::npos) << r->problems.front();
}

TEST(HostileStore, ADamagedManifestIsAOneLineError) {
  test::TempDir dir;
  const std::string db = fill_and_close(dir.sub("db"));
  const std::string current = test::read_file(db + "/CURRENT");
  const std::string manifest = db + "/" + current.substr(0, current.find('\n'));
  fs::resize_file(manifest, 10);
  auto s = Store::open(db);
  ASSERT_FALSE(s);
  EXPECT_TRUE(s.error().code == ErrorCode::corrupted || s.error().code == ErrorCode::io) << s.error().message;
  EXPECT_EQ(s.error().message.find('\n'), std::string::npos);
}

TEST(HostileStore, ANewerSchemaIsRefusedAndLeftUntouched) {
  test::TempDir dir;
  const std::string db = dir.sub("db");
  { Store s = open_ok(db); }
  {
    rocksdb::Options o;
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(o, db, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> descs;
    for (const auto& n : names) descs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    descs.emplace_back("from_the_future", rocksdb::ColumnFamilyOptions());
    o.create_missing_column_families = true;
    rocksdb::DB* raw = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> hs;
    ASSERT_TRUE(rocksdb::DB::Open(o, db, descs, &hs, &raw).ok());
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), hs[0], "schema_version", codec::encode_u64(kSchemaVersion + 1)).ok());
    for (auto* h : hs) (void)raw->DestroyColumnFamilyHandle(h);
    delete raw;
  }
  auto s = Store::open(db);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::newer_schema);
  EXPECT_NE(s.error().message.find("newer than this lookalike"), std::string::npos) << s.error().message;
  auto ro = Store::open(db, Options{.create_if_missing = false, .read_only = true});
  ASSERT_FALSE(ro);
  EXPECT_EQ(ro.error().code, ErrorCode::newer_schema);
}

TEST(HostileStore, AnOlderSchemaIsMigratedByBuildingTheIndex) {
  test::TempDir dir;
  const std::string db = dir.sub("db");
  {
    // Schema 1: every family but by_brand, records written as plain values.
    rocksdb::Options o;
    o.create_if_missing = true;
    o.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> descs;
    for (const char* n : {"default", "brands", "candidates", "observations", "ct_state", "verdicts", "events"}) {
      descs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    }
    rocksdb::DB* raw = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> hs;
    ASSERT_TRUE(rocksdb::DB::Open(o, db, descs, &hs, &raw).ok());
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), hs[0], "schema_version", codec::encode_u64(1)).ok());
    Candidate c;
    c.brands = {"example.com"};
    c.first_seen = c.last_seen = 10;
    c.score = Score{77, 3, {}, 10};
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), hs[2], "examp1e.com", codec::encode_candidate(c)).ok());
    c.score.reset();
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), hs[2], "exampel.com", codec::encode_candidate(c)).ok());
    for (auto* h : hs) (void)raw->DestroyColumnFamilyHandle(h);
    delete raw;
  }
  auto ro = Store::open(db, Options{.create_if_missing = false, .read_only = true});
  ASSERT_FALSE(ro);
  EXPECT_NE(ro.error().message.find("must be migrated"), std::string::npos) << ro.error().message;
  Store s = open_ok(db);
  using V = std::vector<std::pair<std::string, std::optional<std::uint8_t>>>;
  EXPECT_EQ(by_brand(s, "example.com", 0), (V{{"examp1e.com", 77}, {"exampel.com", std::nullopt}}));
  auto st = s.stats();
  ASSERT_TRUE(st);
  expect_check_ok(s);
}

TEST(HostileStore, ACreationKilledBeforeCurrentExistedIsRedone) {
  test::TempDir dir;
  fs::create_directories(dir.sub("db"));
  test::write_file(dir.sub("db/LOCK"), "");
  test::write_file(dir.sub("db/LOG"), "partial");
  test::write_file(dir.sub("db/000003.log"), "");
  auto s = Store::open(dir.sub("db"));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->add_brand(Brand{"example.com", {}, {}, "common", 0}));
}

TEST(HostileStore, AForeignFolderIsNotTakenOver) {
  test::TempDir dir;
  test::write_file(dir.sub("notes.txt"), "my files");
  auto s = Store::open(dir.path());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::not_a_store);
  EXPECT_TRUE(fs::exists(dir.sub("notes.txt")));
  EXPECT_FALSE(fs::exists(dir.sub("CURRENT")));
  auto missing = Store::open(dir.sub("nothing"), Options{.create_if_missing = false});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
}

TEST(HostileStore, AStoreLockedByAnotherProcessIsAClearError) {
  test::TempDir dir;
  const std::string db = dir.sub("db");
  { Store s = open_ok(db); }
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  test::Child holder = test::spawn({INDEX_CRASH_CHILD, "hold", db}, -1, fds[1], -1);
  close(fds[1]);
  char buf[6] = {};
  ASSERT_EQ(read(fds[0], buf, 6), 6);
  close(fds[0]);
  auto s = Store::open(db);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::locked);
  EXPECT_NE(s.error().message.find("in use by another process"), std::string::npos) << s.error().message;
  // Readers are not blocked by a writer.
  auto ro = Store::open(db, Options{.create_if_missing = false, .read_only = true});
  EXPECT_TRUE(ro) << ro.error().message;
  holder.kill9();
  holder.wait();
  auto after = Store::open(db);
  EXPECT_TRUE(after) << after.error().message;
}

}  // namespace
}  // namespace lookalike::index
