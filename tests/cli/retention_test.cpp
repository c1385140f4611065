// The user's evidence retention (`--retention DAYS`, a global option): the real program compacts a
// store with it, dropping observations recorded longer ago except those of a name under a
// malicious verdict; bad values are refused with a message naming the option.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "index/index.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using lookalike::test_support::run_process;
namespace index = lookalike::index;

constexpr index::Time kDay = 86'400'000;

struct TempDir : lookalike::test_support::TempDir {
  TempDir() : lookalike::test_support::TempDir("lookalike-retention") {}
};

std::size_t history_size(const std::string& db, std::string_view name) {
  index::Options o;
  o.read_only = true;
  o.create_if_missing = false;
  auto s = index::Store::open(db, o);
  if (!s) throw std::runtime_error(s.error().message);
  std::size_t n = 0;
  auto r = s->observations(name, [&](const index::Observation&) {
    ++n;
    return true;
  });
  if (!r) throw std::runtime_error(r.error().message);
  return n;
}

// A store whose observations of plain.com and bad.com were recorded two days ago (the store's
// clock is moved back while they are written); bad.com has a malicious verdict.
std::string two_days_old_store(const TempDir& dir) {
  const std::string db = (dir.path / "db").string();
  auto now = std::make_shared<std::atomic<index::Time>>(index::now_ms() - 2 * kDay);
  index::Options o;
  o.clock = [now] { return now->load(); };
  auto s = index::Store::open(db, o);
  if (!s) throw std::runtime_error(s.error().message);
  for (const char* name : {"plain.com", "bad.com"}) {
    auto r = s->record_observation(index::Observation{name, now->load(), index::ObservationKind::ct, "{}"});
    if (!r) throw std::runtime_error(r.error().message);
  }
  now->store(index::now_ms());
  if (auto v = s->put_verdict("bad.com", index::Verdict{index::Decision::malicious, "phishing", 0}); !v) {
    throw std::runtime_error(v.error().message);
  }
  return db;
}

TEST(Retention, TheDefaultKeepsAnObservationRecordedTwoDaysAgo) {
  TempDir dir;
  const std::string db = two_days_old_store(dir);
  const auto r = run_process({LOOKALIKE_BINARY, "--db", db, "db", "compact"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(history_size(db, "plain.com"), 1u);
  EXPECT_EQ(history_size(db, "bad.com"), 1u);
}

TEST(Retention, OneDayDropsItButKeepsTheMaliciousNamesEvidence) {
  TempDir dir;
  const std::string db = two_days_old_store(dir);
  // A global option, accepted after the command too.
  const auto r = run_process({LOOKALIKE_BINARY, "db", "compact", "--retention", "1", "--db", db});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(history_size(db, "plain.com"), 0u);
  EXPECT_EQ(history_size(db, "bad.com"), 1u);
}

TEST(Retention, ZeroKeepsEverything) {
  TempDir dir;
  const std::string db = two_days_old_store(dir);
  const auto r = run_process({LOOKALIKE_BINARY, "--retention", "0", "--db", db, "db", "compact"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(history_size(db, "plain.com"), 1u);
}

TEST(Retention, NegativeHugeAndNonNumericValuesAreRefusedByName) {
  TempDir dir;
  const std::string db = (dir.path / "db").string();
  for (const char* bad : {"-1", "36501", "1000000000000", "a year"}) {
    const auto r = run_process({LOOKALIKE_BINARY, "--db", db, "--retention", bad, "db", "stats"});
    EXPECT_EQ(r.exit_code, 105) << bad << ": " << r.err;  // CLI11's validation error
    EXPECT_NE(r.err.find("--retention: Value " + std::string(bad) + " not in range 0 to 36500"), std::string::npos)
        << bad << ": " << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

}  // namespace
