// `lookalike ct follow|logs` end to end: the real binary, the real RocksDB index, the test log
// server on 127.0.0.1; kill -9 in the middle of a catch-up and a restart leave no gap and no
// duplicate candidate sighting.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

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
      const int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, 2);
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
  void kill9() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
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
    Child c({LOOKALIKE_BINARY, "--db", db, "ct", "follow", "--logs", list, "--once", "--parallel", "1", "--batch", "10"});
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
  EXPECT_NE(logs.find("Loopback\trfc6962\tusable\t1500\t1500\t1500\t0\t-"), std::string::npos) << logs;
}

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
