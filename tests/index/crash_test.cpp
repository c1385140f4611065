// Crash safety: a child process commits batches and acknowledges each on a pipe; we SIGKILL it
// at random moments, reopen the store and require every acknowledged batch, atomic batches
// (all of a batch or none of it, CT position included) and a store that passes check().
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <random>

#include "index/index.hpp"
#include "tests/index/crash_batch.hpp"
#include "tests/index/support.hpp"

namespace lookalike::index {
namespace {

// Reads acknowledgements until `deadline` or EOF; returns the last complete batch number.
int read_acks(int fd, std::string& buf, std::chrono::steady_clock::time_point deadline, int last) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    const int timeout = left.count() > 0 ? static_cast<int>(left.count()) : 0;
    pollfd p{fd, POLLIN, 0};
    const int r = poll(&p, 1, timeout);
    if (r <= 0) return last;
    char chunk[4096];
    const ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) return last;
    buf.append(chunk, static_cast<std::size_t>(n));
    std::size_t nl;
    while ((nl = buf.find('\n')) != std::string::npos) {
      last = std::stoi(buf.substr(0, nl));
      buf.erase(0, nl + 1);
    }
  }
}

// How many complete batches of `round` are in the store (and that no batch is partial).
int committed_batches(const Store& store, int round, int acked) {
  int b = 0;
  for (;; ++b) {
    int present = 0;
    for (int i = 0; i < test::kCrashBatchSize; ++i) {
      auto c = store.get_candidate(test::crash_name(round, b, i));
      EXPECT_TRUE(c) << c.error().message;
      if (c && *c) ++present;
    }
    EXPECT_TRUE(present == 0 || present == test::kCrashBatchSize)
        << "round " << round << " batch " << b << " is partial: " << present << " names";
    if (present == 0) break;
  }
  EXPECT_GE(b, acked + 1) << "round " << round << ": acknowledged batch " << acked << " is missing";
  return b;
}

void verify_round(const Store& store, int round, int acked) {
  const int batches = committed_batches(store, round, acked);
  // The CT position was committed with the names: it matches the last complete batch exactly.
  auto st = store.get_ct_state(test::crash_log(round));
  ASSERT_TRUE(st) << st.error().message;
  if (batches == 0) {
    EXPECT_FALSE(*st);
    return;
  }
  ASSERT_TRUE(*st);
  EXPECT_EQ((*st)->next_index, static_cast<std::uint64_t>(batches * test::kCrashBatchSize));
  // Provenance of every committed name is exact.
  for (int b = 0; b < batches; ++b) {
    for (int i = 0; i < test::kCrashBatchSize; i += 7) {
      auto c = store.get_candidate(test::crash_name(round, b, i));
      ASSERT_TRUE(c && *c);
      const Candidate& cand = **c;
      EXPECT_EQ(cand.brands, std::vector<std::string>{"example.com"});
      EXPECT_EQ(cand.fuzzers, std::vector<std::string>{"f" + std::to_string(i % 5)});
      ASSERT_EQ(cand.ct.size(), 1u);
      EXPECT_EQ(cand.ct[0].index, static_cast<std::uint64_t>(b * test::kCrashBatchSize + i));
      EXPECT_EQ(cand.ct[0].cert_sha256, test::crash_sha(round, b, i));
      // Scored exactly when the next batch (which scores it) was committed.
      EXPECT_EQ(cand.score.has_value(), b + 1 < batches) << cand.name;
    }
  }
}

TEST(CrashSafety, EveryAcknowledgedBatchSurvivesSigkillAtRandomMoments) {
  test::TempDir dir;
  const std::string db = dir.sub("store");
  std::mt19937 rng(20261128);
  constexpr int kRounds = 16;
  int total_acked = 0;
  for (int round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
    test::Child child = test::spawn({INDEX_CRASH_CHILD, "ingest", db, std::to_string(round)}, -1, fds[1], -1);
    close(fds[1]);
    std::string buf;
    int acked = -1;
    if (rng() % 4 == 0) {
      // Kill early: during process start-up or the store's open()/creation.
      acked = read_acks(fds[0], buf, std::chrono::steady_clock::now() + std::chrono::milliseconds(rng() % 400), acked);
    } else {
      // Kill during ingest: wait for the first acknowledgement (start-up time varies a lot under
      // sanitizers and load), then a random moment later.
      const auto started = std::chrono::steady_clock::now();
      while (acked < 0 && std::chrono::steady_clock::now() - started < std::chrono::seconds(30)) {
        acked = read_acks(fds[0], buf, std::chrono::steady_clock::now() + std::chrono::milliseconds(20), acked);
      }
      acked = read_acks(fds[0], buf, std::chrono::steady_clock::now() + std::chrono::milliseconds(rng() % 400), acked);
    }
    child.kill9();
    child.wait();
    // Acknowledgements already in the pipe were sent after their commit returned: they count.
    acked = read_acks(fds[0], buf, std::chrono::steady_clock::now() + std::chrono::seconds(5), acked);
    close(fds[0]);
    total_acked += acked + 1;

    auto store = Store::open(db);
    ASSERT_TRUE(store) << "round " << round << ": " << store.error().message;
    verify_round(*store, round, acked);
    if (round % 4 == 3 || round == kRounds - 1) {
      // Earlier rounds stay intact too, and the whole store is consistent.
      for (int r = 0; r < round; ++r) (void)committed_batches(*store, r, -1);
      auto report = store->check();
      ASSERT_TRUE(report) << report.error().message;
      EXPECT_TRUE(report->ok()) << report->problems.front();
    }
  }
  std::printf("crash test: %d rounds, %d batches acknowledged\n", kRounds, total_acked);
  // A run that never acknowledged a batch would test little.
  EXPECT_GT(total_acked, kRounds);
}

}  // namespace
}  // namespace lookalike::index
