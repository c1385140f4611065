// `lookalike ct follow|logs` end to end: the real binary, the real RocksDB index, the test log
// server on 127.0.0.1; kill -9 in the middle of a catch-up and a restart leave no gap and no
// duplicate candidate sighting; a soak of random kills ends with the store of one clean run; a
// tampered entry stores and prints nothing of the unverified range.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "index/index.hpp"
#include "tests/ctlog/fixtures.hpp"
#include "tests/ctlog/test_log_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace lookalike::ctlog {
namespace {

namespace fs = std::filesystem;

// A child process with its stdout on a pipe; killed and reaped on destruction.
class Child {
 public:
  explicit Child(const std::vector<std::string>& args) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      // stderr stays the test's: a sanitizer report from the child shows in the failure output.
      close(fds[0]);
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];
  }
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
  }
  // Reads one line of stdout (empty at EOF).
  std::string line() {
    std::string s;
    char c;
    while (read(out_, &c, 1) == 1) {
      if (c == '\n') return s;
      s += c;
    }
    return s;
  }
  std::string rest() {
    std::string s;
    char buf[4096];
    ssize_t n;
    while ((n = read(out_, buf, sizeof buf)) > 0) s.append(buf, static_cast<std::size_t>(n));
    return s;
  }
  // Kills the child; returns its exit code when it had already exited, else -1.
  int kill9() {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  int wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
};

struct TempDir : lookalike::test_support::TempDir {
  TempDir() : lookalike::test_support::TempDir("lookalike-ct-cli") {}
};

int run_cli(const std::vector<std::string>& args, std::string* out = nullptr) {
  std::vector<std::string> full = {LOOKALIKE_BINARY};
  full.insert(full.end(), args.begin(), args.end());
  Child c(full);
  std::string o = c.rest();
  if (out) *out = o;
  return c.wait();
}

TEST(CtCommand, KillNineMidCatchUpThenRestartLeavesNoGapAndNoDuplicate) {
  testing::TestLog log;
  testing::TestCa ca;
  constexpr std::size_t kEntries = 1500;
  for (std::size_t i = 0; i < kEntries; ++i) {
    const std::string base = i % 25 == 0 ? "paypal-verify" + std::to_string(i) : "plain" + std::to_string(i);
    log.add_certificate(ca, base + ".com", {base + ".com"}, i % 2 == 1);
  }
  testing::Faults f;
  f.batch_cap = 10;  // many small commits, so the kill lands mid-way
  log.set_faults(f);
  testing::TestLogServer server(log);
  TempDir tmp;
  const std::string db = (tmp.path / "db").string();
  const std::string list = (tmp.path / "list.json").string();
  std::ofstream(list) << testing::log_list_json(log, server.url(), false);
  ASSERT_EQ(run_cli({"--db", db, "brand", "add", "paypal.com"}), 0);

  {
    Child c({LOOKALIKE_BINARY, "--db", db, "ct", "follow", "--logs", list, "--once", "--parallel", "1", "--batch", "10",
             "--verify-every", "50"});
    const std::string first = c.line();  // a match is printed only after its commit
    EXPECT_NE(first.find("paypal-verify"), std::string::npos) << first;
    c.kill9();
  }
  {
    // Where the kill left the log (informational: how far it got depends on scheduling).
    std::string logs;
    ASSERT_EQ(run_cli({"--db", db, "ct", "logs", "--logs", list}, &logs), 0);
    std::cout << "after kill -9: " << logs.substr(logs.rfind("Loopback"));
  }
  std::string out;
  ASSERT_EQ(run_cli({"--db", db, "ct", "follow", "--logs", list, "--once"}, &out), 0);

  auto store = index::Store::open(db);
  ASSERT_TRUE(store.has_value()) << store.error().message;
  std::map<std::string, std::size_t> sightings;
  ASSERT_TRUE(store->visit_candidates([&](const index::Candidate& c) {
    sightings[c.name] = c.ct.size();
    return true;
  }));
  EXPECT_EQ(sightings.size(), kEntries / 25);
  for (std::size_t i = 0; i < kEntries; i += 25) {
    const std::string name = "paypal-verify" + std::to_string(i) + ".com";
    ASSERT_TRUE(sightings.count(name)) << name;
    EXPECT_EQ(sightings[name], 1u) << name;
  }
  std::string logs;
  ASSERT_EQ(run_cli({"--db", db, "ct", "logs", "--logs", list}, &logs), 0);
  EXPECT_NE(logs.find("Loopback\trfc6962\tusable\t1500\t1500\t1500\t0\t-\t-\n"), std::string::npos) << logs;
}

std::string dump_store(const std::string& db);
std::size_t count_lines(const std::string& text, const std::string& prefix);

// The alert files `ct follow` wrote to <db>/ct-evidence/, concatenated.
std::string evidence(const std::string& db) {
  std::string all;
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(db + "/ct-evidence", ec)) {
    std::ifstream in(f.path());
    all += std::string(std::istreambuf_iterator<char>(in), {});
  }
  return all;
}

class Tampered : public ::testing::TestWithParam<bool> {};

TEST_P(Tampered, AnEntryTheSignedHeadDoesNotCoverStoresAndPrintsNothingOfTheUnverifiedRange) {
  const bool tiled = GetParam();
  testing::TestLog log;
  testing::TestCa ca;
  for (std::size_t i = 0; i < 300; ++i) {
    const std::string base = i % 10 == 0 ? "paypal-login" + std::to_string(i) : "shop" + std::to_string(i);
    log.add_certificate(ca, base + ".com", {base + ".com", "www." + base + ".com"}, false);
  }
  log.publish(100);
  testing::TestLogServer server(log);
  TempDir tmp;
  const std::string db = (tmp.path / "db").string();
  const std::string list = (tmp.path / "list.json").string();
  std::ofstream(list) << testing::log_list_json(log, server.url(), tiled);
  ASSERT_EQ(run_cli({"--db", db, "brand", "add", "paypal.com"}), 0);
  std::string out;
  ASSERT_EQ(run_cli({"--db", db, "ct", "follow", "--logs", list, "--once"}, &out), 0);
  EXPECT_EQ(count_lines(out, "paypal-login"), 10u) << out;
  const std::string before = dump_store(db);
  ASSERT_EQ(count_lines(before, "candidate "), 20u) << before;

  log.publish(300);
  testing::Faults f;
  f.tamper_leaf = 200;  // one changed byte; the signed tree is over the true entry
  log.set_faults(f);
  EXPECT_EQ(run_cli({"--db", db, "ct", "follow", "--logs", list, "--once"}, &out), 1);
  EXPECT_EQ(out, "");  // no printed hit from [100, 300)
  const std::string after = dump_store(db);
  // No candidate, observation or change-feed event from the unverified range: only the
  // position's record changed (its last error), and the position stayed at 100.
  EXPECT_EQ(count_lines(after, "candidate "), 20u) << after;
  EXPECT_EQ(count_lines(after, "  observation "), 20u) << after;
  EXPECT_EQ(count_lines(after, "event "), count_lines(before, "event ")) << after;
  EXPECT_EQ(after, before);
  const std::string alert = evidence(db);
  EXPECT_NE(alert.find("root mismatch\nentries [100, 300) do not match the signed head: head {\"tree_size\":300,"),
            std::string::npos)
      << alert;
  EXPECT_NE(alert.find("38 matches in the range withheld"), std::string::npos) << alert;
  std::string logs;
  ASSERT_EQ(run_cli({"--db", db, "ct", "logs", "--logs", list}, &logs), 0);
  EXPECT_NE(logs.find("Loopback\t" + std::string(tiled ? "static-ct" : "rfc6962") +
                      "\tusable\t100\t100\t300\t200\troot mismatch: entries [100, 300) do not match the signed head of size 300\t-\n"),
            std::string::npos)
      << logs;

  // The log serves the true entry again: the range is fetched, verified and stored once.
  log.set_faults(testing::Faults{});
  ASSERT_EQ(run_cli({"--db", db, "ct", "follow", "--logs", list, "--once"}, &out), 0);
  EXPECT_EQ(count_lines(out, "paypal-login"), 20u) << out;
  EXPECT_EQ(count_lines(dump_store(db), "candidate "), 60u);
}

INSTANTIATE_TEST_SUITE_P(BothApis, Tampered, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) { return p.param ? std::string("Tiled") : std::string("Rfc6962"); });

TEST(CtCommand, HeadsDatedInTheFutureOrOlderThanTheMmdAreFlagged) {
  testing::TestLog log;
  testing::TestCa ca;
  for (std::size_t i = 0; i < 20; ++i) log.add_certificate(ca, "a" + std::to_string(i) + ".com", {}, false);
  testing::TestLogServer server(log);
  TempDir tmp;
  const std::string db = (tmp.path / "db").string();
  const std::string list = (tmp.path / "list.json").string();
  std::ofstream(list) << testing::log_list_json(log, server.url(), false);  // MMD 86400 s
  std::string logs;
  for (const auto& [age_ms, flag] : {std::pair<std::int64_t, std::string>{0, "-"},
                                     {-2 * 3600 * 1000, "head-in-future"},
                                     {2 * 86400 * 1000, "head-stale"}}) {
    testing::Faults f;
    f.head_age_ms = age_ms;
    log.set_faults(f);
    ASSERT_EQ(run_cli({"--db", db, "ct", "follow", "--logs", list, "--once"}), 0);
    ASSERT_EQ(run_cli({"--db", db, "ct", "logs", "--logs", list}, &logs), 0);
    EXPECT_NE(logs.find("Loopback\trfc6962\tusable\t20\t20\t20\t0\t-\t" + flag + "\n"), std::string::npos) << flag << "\n" << logs;
  }
}

// Everything `ct follow` leaves in a store, in a stable order: candidates with their sightings,
// every observation of each, the change feed and the log positions.
std::string dump_store(const std::string& db) {
  index::Options o;
  o.read_only = true;
  o.create_if_missing = false;
  auto store = index::Store::open(db, o);
  if (!store) return "cannot open: " + store.error().message;
  std::ostringstream out;
  auto visited = store->visit_candidates([&](const index::Candidate& c) {
    out << "candidate " << c.name << " first " << c.first_seen << " last " << c.last_seen << " brands";
    for (const auto& b : c.brands) out << ' ' << b;
    out << " fuzzers";
    for (const auto& f : c.fuzzers) out << ' ' << f;
    for (const auto& s : c.ct) out << " ct " << s.log_id << '#' << s.index;
    out << '\n';
    auto obs = store->observations(c.name, [&](const index::Observation& ob) {
      out << "  observation " << ob.time << ' ' << static_cast<int>(ob.kind) << ' ' << ob.payload << '\n';
      return true;
    });
    if (!obs) out << "  observations: " << obs.error().message << '\n';
    return true;
  });
  if (!visited) out << "candidates: " << visited.error().message << '\n';
  auto events = store->read_events_after(0, 1'000'000);
  if (!events) return out.str() + "events: " + events.error().message;
  for (const auto& e : *events) {
    out << "event " << e.seq << ' ' << index::event_kind_name(e.kind) << ' ' << e.name << ' ' << e.detail << '\n';
  }
  auto states = store->list_ct_states();
  if (!states) return out.str() + "states: " + states.error().message;
  for (const auto& [id, st] : *states) {
    out << "log " << id << " next " << st.next_index << " verified " << st.verified_tree_size << '\n';
  }
  return out.str();
}

std::size_t count_lines(const std::string& text, const std::string& prefix) {
  std::size_t n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) n += line.starts_with(prefix) ? 1 : 0;
  return n;
}

// The kill -9 soak (label `slow` is not needed: about a minute under ASan): `ct follow` killed at
// random moments, rerun to completion, ends with exactly the store of one clean run, candidates,
// observations and change-feed events included, through both CT APIs.
class KillSoak : public ::testing::TestWithParam<bool> {};

TEST_P(KillSoak, KilledAtRandomMomentsThenRunToCompletionEqualsOneCleanRun) {
  const bool tiled = GetParam();
  constexpr int kKills = 12;
  testing::TestLog log;
  testing::TestCa ca;
  constexpr std::size_t kEntries = 2000;
  for (std::size_t i = 0; i < kEntries; ++i) {
    const std::string base = i % 40 == 0 ? "paypal-account" + std::to_string(i) : "site" + std::to_string(i);
    log.add_certificate(ca, base + ".com", {base + ".com", "login." + base + ".com"}, i % 3 == 0);
  }
  testing::Faults f;
  f.batch_cap = 20;
  log.set_faults(f);
  testing::TestLogServer server(log);
  TempDir tmp;
  const std::string list = (tmp.path / "list.json").string();
  std::ofstream(list) << testing::log_list_json(log, server.url(), tiled);
  const std::vector<std::string> follow = {"ct", "follow", "--logs", list, "--once", "--parallel", "2", "--batch", "20",
                                           "--verify-every", "100"};
  auto with_db = [&](const std::string& db, std::vector<std::string> args) {
    args.insert(args.begin(), {LOOKALIKE_BINARY, "--db", db});
    return args;
  };

  const std::string clean_db = (tmp.path / "clean").string();
  ASSERT_EQ(run_cli({"--db", clean_db, "brand", "add", "paypal.com"}), 0);
  const auto t0 = std::chrono::steady_clock::now();
  {
    Child c(with_db(clean_db, follow));
    c.rest();
    ASSERT_EQ(c.wait(), 0);
  }
  const auto clean_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  const std::string want = dump_store(clean_db);
  ASSERT_EQ(count_lines(want, "candidate "), 2 * kEntries / 40) << want;
  ASSERT_EQ(count_lines(want, "  observation "), 2 * kEntries / 40) << want;
  ASSERT_EQ(count_lines(want, "event "), 2 * kEntries / 40) << want;  // one new-candidate event per name

  const std::string db = (tmp.path / "killed").string();
  ASSERT_EQ(run_cli({"--db", db, "brand", "add", "paypal.com"}), 0);
  std::mt19937 rng(std::random_device{}());
  // Within the first half of a clean run's time: later runs have less left to do, and a kill
  // after the work is done tests nothing.
  std::uniform_int_distribution<long> when(0, std::max<long>(1, static_cast<long>(clean_ms) / 2));
  int finished_before_kill = 0;
  for (int k = 0; k < kKills; ++k) {
    Child c(with_db(db, follow));
    std::this_thread::sleep_for(std::chrono::milliseconds(when(rng)));
    finished_before_kill += c.kill9() == 0 ? 1 : 0;
  }
  std::cout << kKills << " kills in runs of about " << clean_ms << " ms; " << finished_before_kill
            << " runs ended before their kill\n";
  {
    Child c(with_db(db, follow));
    c.rest();
    ASSERT_EQ(c.wait(), 0);
  }
  EXPECT_EQ(dump_store(db), want);
}

INSTANTIATE_TEST_SUITE_P(BothApis, KillSoak, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) { return p.param ? std::string("Tiled") : std::string("Rfc6962"); });

TEST(CtCommand, FollowsATiledLogFromTheEndAndReportsLaterMatches) {
  testing::TestLog log;
  testing::TestCa ca;
  for (std::size_t i = 0; i < 700; ++i) {
    const std::string base = i % 50 == 0 ? "paypal-help" + std::to_string(i) : "other" + std::to_string(i);
    log.add_certificate(ca, base + ".net", {base + ".net"}, false);
  }
  log.publish(600);
  testing::TestLogServer server(log);
  TempDir tmp;
  const std::string db = (tmp.path / "db").string();
  const std::string list = (tmp.path / "list.json").string();
  std::ofstream(list) << testing::log_list_json(log, server.url(), true);
  ASSERT_EQ(run_cli({"--db", db, "brand", "add", "paypal.com"}), 0);
  std::string out;
  ASSERT_EQ(run_cli({"--db", db, "ct", "follow", "--logs", list, "--log", "loopback", "--from", "end", "--once"}, &out), 0);
  EXPECT_EQ(out, "");
  log.publish(700);
  ASSERT_EQ(run_cli({"--db", db, "ct", "follow", "--logs", list, "--once"}, &out), 0);
  EXPECT_EQ(out, "paypal-help600.net\tpaypal.com\tcombosquat\t0\tLoopback\t600\n"
                 "paypal-help650.net\tpaypal.com\tcombosquat\t0\tLoopback\t650\n");
  EXPECT_NE(run_cli({"--db", db, "ct", "follow", "--logs", list, "--log", "nosuchlog", "--once"}), 0);
}

}  // namespace
}  // namespace lookalike::ctlog
