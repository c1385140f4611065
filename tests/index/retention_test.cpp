// Evidence retention (issue 14): observations expire by when the store recorded them, never by
// their own (certificate) time; names under a malicious or suspicious verdict keep theirs; keys
// never collide across batches; stores of the previous schema keep their history.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <atomic>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "index/codec.hpp"
#include "index/index.hpp"
#include "tests/index/support.hpp"

namespace lookalike::index {
namespace {

constexpr Time kDay = 86'400'000;

// A clock the test moves; shared with the store's compaction threads, hence atomic.
struct TestClock {
  std::shared_ptr<std::atomic<Time>> now = std::make_shared<std::atomic<Time>>(now_ms());
  void set(Time t) const { now->store(t); }
  [[nodiscard]] std::function<Time()> source() const {
    return [n = now] { return n->load(); };
  }
};

// Store options whose clock starts `days_ago` days before the real `now`; tests move it with `clock`.
struct ClockedOptions {
  TestClock clock;
  Time now = clock.now->load();
  Options options;
  explicit ClockedOptions(Time days_ago) {
    clock.set(now - days_ago * kDay);
    options.clock = clock.source();
  }
};

Store open_ok(const std::string& path, const Options& o = {}) {
  auto s = Store::open(path, o);
  if (!s) throw std::runtime_error(s.error().message);
  return std::move(*s);
}

std::vector<Observation> history(const Store& s, std::string_view name) {
  std::vector<Observation> out;
  auto r = s.observations(name, [&](const Observation& o) {
    out.push_back(o);
    return true;
  });
  if (!r) throw std::runtime_error(r.error().message);
  return out;
}

std::uint64_t observation_keys(const Store& s) {
  auto st = s.stats();
  if (!st) throw std::runtime_error(st.error().message);
  for (const auto& f : st->families) {
    if (f.name == "observations") return f.keys;
  }
  throw std::runtime_error("no observations family in stats");
}

std::vector<std::pair<std::string, std::uint64_t>> family_keys(const Store& s) {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  auto st = s.stats();
  if (!st) throw std::runtime_error(st.error().message);
  for (const auto& f : st->families) out.emplace_back(f.name, f.keys);
  return out;
}

Observation ct(std::string name, Time time, std::string payload) {
  return Observation{std::move(name), time, ObservationKind::ct, std::move(payload)};
}

void expect_check_ok(const Store& s) {
  auto c = s.check();
  ASSERT_TRUE(c) << c.error().message;
  for (const auto& p : c->problems) ADD_FAILURE() << p;
}

TEST(Retention, CertificatesTwoYearsOldSurviveAFullCompaction) {
  test::TempDir dir;
  Store s = open_ok(dir.sub("db"));
  const Time cert_time = now_ms() - 730 * kDay;
  for (int b = 0; b < 4; ++b) {
    Batch batch;
    for (int i = 0; i < 250; ++i) {
      const int n = b * 250 + i;
      ASSERT_TRUE(batch.record_observation(ct("name" + std::to_string(n % 100) + ".com", cert_time + n,
                                             "{\"index\":" + std::to_string(n) + "}")));
    }
    ASSERT_TRUE(s.commit(std::move(batch)));
  }
  const auto before = family_keys(s);
  EXPECT_EQ(observation_keys(s), 1000u);
  ASSERT_TRUE(s.compact());
  EXPECT_EQ(family_keys(s), before);  // `db stats` counts do not move with a compaction
  EXPECT_EQ(observation_keys(s), 1000u);
  const auto h = history(s, "name7.com");
  ASSERT_EQ(h.size(), 10u);
  EXPECT_EQ(h.front().time, cert_time + 7);  // the certificate's own time is what is shown
  EXPECT_EQ(h.front().payload, "{\"index\":7}");
  expect_check_ok(s);
}

TEST(Retention, AnObservationRecordedFourHundredDaysAgoExpiresUnlessItsNameIsUnderAVerdict) {
  test::TempDir dir;
  ClockedOptions c(400);
  const Time now = c.now;
  Store s = open_ok(dir.sub("db"), c.options);
  for (const char* name : {"plain.com", "benign.com", "bad.com", "sus.com", "parked.com"}) {
    ASSERT_TRUE(s.record_observation(ct(name, now - 401 * kDay, "old")));
  }
  c.clock.set(now);
  ASSERT_TRUE(s.record_observation(ct("plain.com", now - 900 * kDay, "recent")));
  // Verdicts given after the observations were written still protect them.
  ASSERT_TRUE(s.put_verdict("bad.com", Verdict{Decision::malicious, "phishing", 0}));
  ASSERT_TRUE(s.put_verdict("sus.com", Verdict{Decision::suspicious, "", 0}));
  ASSERT_TRUE(s.put_verdict("benign.com", Verdict{Decision::benign, "", 0}));
  ASSERT_TRUE(s.put_verdict("parked.com", Verdict{Decision::parked, "", 0}));
  ASSERT_TRUE(s.compact());
  const auto plain = history(s, "plain.com");
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].payload, "recent");
  EXPECT_TRUE(history(s, "benign.com").empty());
  EXPECT_TRUE(history(s, "parked.com").empty());
  EXPECT_EQ(history(s, "bad.com").size(), 1u);
  EXPECT_EQ(history(s, "sus.com").size(), 1u);
  expect_check_ok(s);
}

TEST(Retention, ProtectionFollowsTheVerdictAcrossReopensAndEndsWhenItIsBenign) {
  test::TempDir dir;
  ClockedOptions c(400);
  const Time now = c.now;
  {
    Store s = open_ok(dir.sub("db"), c.options);
    ASSERT_TRUE(s.record_observation(ct("bad.com", now - 400 * kDay, "evidence")));
    ASSERT_TRUE(s.record_observation(ct("sus.com", now - 400 * kDay, "evidence")));
    Batch b;  // a verdict committed in a batch, as `review` does
    ASSERT_TRUE(b.put_verdict("bad.com", Verdict{Decision::malicious, "", 0}));
    ASSERT_TRUE(b.put_verdict("sus.com", Verdict{Decision::suspicious, "", 0}));
    ASSERT_TRUE(s.commit(std::move(b)));
  }
  c.clock.set(now);
  Store s = open_ok(dir.sub("db"), c.options);  // the protected names come back from the verdicts
  ASSERT_TRUE(s.compact());
  EXPECT_EQ(history(s, "bad.com").size(), 1u);
  EXPECT_EQ(history(s, "sus.com").size(), 1u);
  ASSERT_TRUE(s.put_verdict("bad.com", Verdict{Decision::benign, "false positive", 0}));
  ASSERT_TRUE(s.compact());
  EXPECT_TRUE(history(s, "bad.com").empty());  // normal retention resumed
  EXPECT_EQ(history(s, "sus.com").size(), 1u);
}

TEST(Retention, TwoSightingsOfANameInOneMillisecondFromTwoBatchesBothSurvive) {
  test::TempDir dir;
  const Time t = now_ms() - 3 * kDay;
  {
    Store s = open_ok(dir.sub("db"));
    Batch a;
    ASSERT_TRUE(a.record_observation(ct("x.com", t, "first")));
    ASSERT_TRUE(s.commit(std::move(a)));
    Batch b;
    ASSERT_TRUE(b.record_observation(ct("x.com", t, "second")));
    ASSERT_TRUE(s.commit(std::move(b)));
  }
  // The sequence is persisted: a later process does not reuse one either.
  Store s = open_ok(dir.sub("db"));
  ASSERT_TRUE(s.record_observation(ct("x.com", t, "third")));
  ASSERT_TRUE(s.compact());
  const auto h = history(s, "x.com");
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].payload, "first");
  EXPECT_EQ(h[1].payload, "second");
  EXPECT_EQ(h[2].payload, "third");
  for (const auto& o : h) EXPECT_EQ(o.time, t);
}

TEST(Retention, AStoreOfThePreviousSchemaMigratesAndKeepsItsObservationsThroughACompaction) {
  test::TempDir dir;
  const std::string db = dir.sub("db");
  const Time now = now_ms();
  const Time cert_time = now - 730 * kDay;
  {
    // Schema 2: every family, observation keys without a sequence, values without a recorded time.
    rocksdb::Options o;
    o.create_if_missing = true;
    o.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> descs;
    for (const char* n : {"default", "brands", "candidates", "by_brand", "observations", "ct_state", "verdicts", "events"}) {
      descs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    }
    rocksdb::DB* raw = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> hs;
    ASSERT_TRUE(rocksdb::DB::Open(o, db, descs, &hs, &raw).ok());
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), hs[0], "schema_version", codec::encode_u64(2)).ok());
    for (int i = 0; i < 50; ++i) {
      const std::string key = codec::observation_key("old" + std::to_string(i) + ".com", cert_time, ObservationKind::ct, 0);
      ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), hs[4], key, "\x01payload " + std::to_string(i)).ok());
    }
    for (auto* h : hs) (void)raw->DestroyColumnFamilyHandle(h);
    delete raw;
  }
  ClockedOptions c(0);
  {
    Store s = open_ok(db, c.options);
    auto st = s.stats();
    ASSERT_TRUE(st);
    EXPECT_EQ(st->schema_version, kSchemaVersion);
    ASSERT_TRUE(s.compact());
    EXPECT_EQ(observation_keys(s), 50u);
    const auto h = history(s, "old7.com");
    ASSERT_EQ(h.size(), 1u);
    EXPECT_EQ(h[0].time, cert_time);
    EXPECT_EQ(h[0].payload, "payload 7");
    // New sightings of the same name and millisecond sit beside the old one.
    ASSERT_TRUE(s.record_observation(ct("old7.com", cert_time, "new")));
    EXPECT_EQ(history(s, "old7.com").size(), 2u);
    expect_check_ok(s);
  }
  // Documented rule: older observations count from the migration, so a year later they go.
  c.clock.set(c.clock.now->load() + 366 * kDay);
  Store s = open_ok(db, c.options);
  ASSERT_TRUE(s.compact());
  EXPECT_EQ(observation_keys(s), 0u);  // the one recorded right after the migration too
}

TEST(Retention, ExportAndImportKeepRecordedTimesAndSequences) {
  test::TempDir dir;
  ClockedOptions c(300);
  const Time now = c.now;
  Store a = open_ok(dir.sub("a"), c.options);
  ASSERT_TRUE(a.record_observation(ct("x.com", now - 700 * kDay, "one")));
  ASSERT_TRUE(a.record_observation(ct("x.com", now - 700 * kDay, "two")));
  c.clock.set(now);
  std::ostringstream out;
  ASSERT_TRUE(a.export_jsonl(out));
  Store b = open_ok(dir.sub("b"), c.options);
  for (int round = 0; round < 2; ++round) {  // import is idempotent
    std::istringstream in(out.str());
    auto r = b.import_jsonl(in);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->observations, 2u);
  }
  std::ostringstream again;
  ASSERT_TRUE(b.export_jsonl(again));
  EXPECT_EQ(again.str(), out.str());
  ASSERT_EQ(history(b, "x.com").size(), 2u);
  // The imported records keep their recorded time: 66 days more and they expire in both stores.
  c.clock.set(now + 66 * kDay);
  ASSERT_TRUE(a.compact());
  ASSERT_TRUE(b.compact());
  EXPECT_TRUE(history(a, "x.com").empty());
  EXPECT_TRUE(history(b, "x.com").empty());
  expect_check_ok(b);
}

}  // namespace
}  // namespace lookalike::index
