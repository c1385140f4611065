// Crash safety of ingest: a child ingests three days of a zone and is SIGKILLed at each step of
// an ingest (and at random moments); after a rerun of the interrupted file, the events, the
// sources' positions and the state files equal those of a run that was never interrupted.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "index/index.hpp"
#include "ingest/ingest.hpp"
#include "tests/ingest/support.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace lookalike::ingest {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kDates{"2026-12-01", "2026-12-02", "2026-12-03"};

// Day d of a zone: filler names plus look-alikes that come and go.
std::string zone(int day, int filler) {
  std::string z = "com. 900 IN SOA a.gtld-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 900\n";
  auto add = [&](const std::string& label) { z += label + ".com. 172800 IN NS ns1.example.net.\n"; };
  for (int i = 0; i < filler; ++i) {
    if ((i + day) % 7 != 0) add("name" + std::to_string(i));
  }
  if (day != 1) add("paypa1");
  add("paypal-login");
  if (day >= 1) add("paypal-secure");
  if (day == 2) add("secure-paypal");
  return z;
}

struct Outcome {
  std::vector<std::string> events;           // kind name detail
  std::vector<std::string> states;           // encoded source positions
  std::map<std::string, std::string> files;  // state file name -> bytes
};

Outcome outcome(const std::string& db) {
  Outcome o;
  index::Options ro;
  ro.read_only = true;
  auto store = index::Store::open(db, ro);
  EXPECT_TRUE(store) << store.error().message;
  if (!store) return o;
  auto ev = store->read_events_after(0, 1000000);
  EXPECT_TRUE(ev);
  for (const auto& e : *ev)
    o.events.push_back(std::string(index::event_kind_name(e.kind)) + " " + e.name + " " + e.detail);
  auto st = source_states(*store);
  EXPECT_TRUE(st);
  for (const auto& s : *st) {
    o.states.push_back(s.source + " " + s.date + " " + std::to_string(s.generation) + " " + std::to_string(s.names) +
                       " " + std::to_string(s.matches) + " " + std::to_string(s.added) + " " +
                       std::to_string(s.removed) + " " + std::to_string(s.files));
  }
  for (const auto& e : fs::directory_iterator(db + "/ingest"))
    o.files[e.path().filename().string()] = test::read_file(e.path().string());
  return o;
}

class IngestCrash : public ::testing::Test {
 protected:
  test_support::TempDir dir{"lookalike-ingest-crash"};
  std::vector<std::string> files;

  void SetUp() override {
    for (int d = 0; d < 3; ++d) {
      files.push_back((dir.path / ("com-" + std::to_string(d) + ".gz")).string());
      test::write_gzip(files.back(), zone(d, 20000));
    }
  }
  std::string new_store(const std::string& name) {
    const std::string db = (dir.path / name).string();
    auto s = index::Store::open(db);
    EXPECT_TRUE(s);
    EXPECT_TRUE(s->add_brand(index::Brand{"paypal.com", {}, {}, "common", 0}));
    return db;
  }
  static int child(const std::string& db, const std::string& file, const std::string& date,
                   const std::string& kill_at = {}, std::size_t commit_every = 0, std::string* err = nullptr) {
    std::vector<std::string> argv{INGEST_CRASH_CHILD, db, file, date, kill_at.empty() ? "-" : kill_at};
    if (commit_every > 0) argv.push_back(std::to_string(commit_every));
    auto r = test_support::run_process(argv);
    if (err != nullptr) *err = r.err;
    return r.exit_code;
  }
};

TEST_F(IngestCrash, AKillAtAnyStepThenARerunEqualsACleanRun) {
  const std::string clean = new_store("clean");
  for (int d = 0; d < 3; ++d) ASSERT_EQ(child(clean, files[d], kDates[d]), 0);
  const Outcome want = outcome(clean);
  ASSERT_EQ(want.events.size(), 6u);  // 2 new, then registered + deleted, then registered + deleted
  ASSERT_EQ(want.files.size(), 1u);

  for (const std::string step : {"parsed", "state-written", "committed"}) {
    for (int crash_day = 0; crash_day < 3; ++crash_day) {
      const std::string db = new_store("crash-" + step + "-" + std::to_string(crash_day));
      for (int d = 0; d < 3; ++d) {
        if (d == crash_day) {
          EXPECT_EQ(child(db, files[d], kDates[d], step), -1) << "the child was not killed";
        }
        ASSERT_EQ(child(db, files[d], kDates[d]), 0) << step << " day " << d;
      }
      const Outcome got = outcome(db);
      EXPECT_EQ(got.events, want.events) << "killed at " << step << " on day " << crash_day;
      EXPECT_EQ(got.states, want.states) << "killed at " << step << " on day " << crash_day;
      EXPECT_EQ(got.files, want.files) << "killed at " << step << " on day " << crash_day;
    }
  }
}

TEST_F(IngestCrash, AKillAtARandomMomentThenARerunEqualsACleanRun) {
  const std::string clean = new_store("clean");
  int run_ms = 1;  // the longest clean run: kills are spread over it
  for (int d = 0; d < 3; ++d) {
    const auto start = std::chrono::steady_clock::now();
    ASSERT_EQ(child(clean, files[d], kDates[d]), 0);
    run_ms = std::max(
        run_ms,
        static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count()));
  }
  const Outcome want = outcome(clean);
  std::mt19937 rng(std::random_device{}());
  for (int round = 0; round < 4; ++round) {
    const std::string db = new_store("random-" + std::to_string(round));
    for (int d = 0; d < 3; ++d) {
      // Kill somewhere inside the run (or after it: then the rerun has nothing to do).
      const pid_t pid = fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        execl(INGEST_CRASH_CHILD, INGEST_CRASH_CHILD, db.c_str(), files[d].c_str(), kDates[d].c_str(), nullptr);
        _exit(127);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, run_ms)(rng)));
      kill(pid, SIGKILL);
      int status = 0;
      waitpid(pid, &status, 0);
      ASSERT_EQ(child(db, files[d], kDates[d]), 0) << "round " << round << " day " << d;
    }
    const Outcome got = outcome(db);
    EXPECT_EQ(got.events, want.events) << "round " << round;
    EXPECT_EQ(got.states, want.states) << "round " << round;
    EXPECT_EQ(got.files, want.files) << "round " << round;
  }
}

// A file committed in chunks (one look-alike per commit here): a kill after a chunk leaves the
// source refusing other files; the rerun of the same file resumes after the committed chunks and
// the result equals a clean single-commit run (no event lost or doubled).
TEST_F(IngestCrash, AKillBetweenChunksThenARerunResumesAndEqualsACleanRun) {
  const std::string clean = new_store("clean");
  for (int d = 0; d < 3; ++d) ASSERT_EQ(child(clean, files[d], kDates[d]), 0);
  const Outcome want = outcome(clean);
  ASSERT_EQ(want.events.size(), 6u);

  const std::string chunked = new_store("chunked");
  for (int d = 0; d < 3; ++d) ASSERT_EQ(child(chunked, files[d], kDates[d], {}, 1), 0);
  EXPECT_EQ(outcome(chunked).events, want.events);
  EXPECT_EQ(outcome(chunked).states, want.states);

  for (int crash_day = 0; crash_day < 3; ++crash_day) {
    const std::string db = new_store("chunk-crash-" + std::to_string(crash_day));
    for (int d = 0; d < 3; ++d) {
      if (d == crash_day) {
        EXPECT_EQ(child(db, files[d], kDates[d], "chunk-committed", 1), -1) << "the child was not killed";
        if (d < 2) {
          std::string err;
          EXPECT_EQ(child(db, files[d + 1], kDates[d + 1], {}, 1, &err), 1) << "another file was taken";
          EXPECT_NE(err.find("was interrupted after committing part of it"), std::string::npos) << err;
        }
      }
      ASSERT_EQ(child(db, files[d], kDates[d], {}, 1), 0) << "day " << d;
    }
    const Outcome got = outcome(db);
    EXPECT_EQ(got.events, want.events) << "killed after a chunk on day " << crash_day;
    EXPECT_EQ(got.states, want.states) << "killed after a chunk on day " << crash_day;
    EXPECT_EQ(got.files, want.files) << "killed after a chunk on day " << crash_day;
  }
}

}  // namespace
}  // namespace lookalike::ingest
