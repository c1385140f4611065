// Test support for tests/queue: `lookalike worker` processes with their output in a log file,
// killed by pid when a test ends (their logs' tails printed when it failed), and the waits the
// cluster tests share (a condition, a consumer group catching up with a topic).
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "index/index.hpp"
#include "pipeline/worker.hpp"
#include "queue/queue.hpp"
#include "tests/support/background_process.hpp"

namespace lookalike::queue::testing {

struct WorkerProcess {
  std::string role;
  pid_t pid = -1;
  std::string log;  // stdout and stderr
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Starts `argv` (never through a shell) with stdin from /dev/null and its output appended to `log`.
inline pid_t spawn_logged(const std::vector<std::string>& argv, const std::string& log) {
  const pid_t pid = test_support::spawn_logged(argv, log);
  EXPECT_GT(pid, 0) << "cannot start " << argv[0];
  return pid;
}

// A 3-broker mock cluster with every topic of `topics` (`partitions` each where it applies).
inline std::unique_ptr<MockCluster> start_cluster(const Topics& topics, int partitions) {
  auto c = MockCluster::start(3);
  EXPECT_TRUE(c) << c.error().message;
  if (!c) return nullptr;
  auto cluster = std::make_unique<MockCluster>(std::move(*c));
  EXPECT_TRUE(cluster->create_topics(topics, partitions));
  return cluster;
}

// librdkafka properties for the workers under test: fast failure detection and commits,
// everything else their defaults. LOOKALIKE_TEST_KAFKA_DEBUG (e.g. "cgrp,topic,fetch") turns on
// librdkafka's debug log in every worker, for chasing a stall (with LOOKALIKE_TEST_KEEP=1).
inline void write_test_properties(const std::string& path) {
  std::ofstream out(path);
  out << "session.timeout.ms=6000\nheartbeat.interval.ms=500\n"
         "auto.commit.interval.ms=100\ntopic.metadata.refresh.interval.ms=2000\n";
  if (const char* debug = std::getenv("LOOKALIKE_TEST_KAFKA_DEBUG"); debug != nullptr && *debug != '\0') {
    out << "debug=" << debug << "\n";
  }
}

// Kills (SIGKILL) and reaps every worker still running; when the test `failed`, prints the last
// 4000 bytes of each worker's log.
inline void reap_all(std::vector<WorkerProcess>& workers, bool failed) {
  for (auto& w : workers) {
    if (w.pid > 0) {
      kill(w.pid, SIGKILL);
      waitpid(w.pid, nullptr, 0);
      w.pid = -1;
    }
  }
  if (!failed) return;
  for (const auto& w : workers) {
    std::string text = read_file(w.log);
    if (text.size() > 4000) text = "..." + text.substr(text.size() - 4000);
    std::cerr << "---- " << w.log << "\n" << text << "\n";
  }
}

// Polls `done` every 300 ms; a test failure naming `what` after `timeout`.
inline void wait_until(const std::function<bool()>& done, std::chrono::seconds timeout, const std::string& what) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "timed out waiting for " << what;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
}

// True once `group` committed the high watermark of every non-empty partition of `topic`.
inline bool caught_up(const Config& config, const std::string& group, const std::string& topic, int partitions) {
  Config c = config;
  c.group = group;
  auto committed = committed_offsets(c, topic);
  if (!committed) return false;
  for (int p = 0; p < partitions; ++p) {
    auto w = watermarks(config, {topic, p});
    // An empty partition has nothing to commit.
    if (!w || (w->high > 0 && (*committed)[static_cast<std::size_t>(p)] < w->high)) return false;
  }
  return true;
}

// Calls `row` for every candidate row of every index partition store under `db` (read-only).
// Partition `p`'s store under `db`, read-only; nullopt when it does not exist (or cannot be
// opened: a test failure).
inline std::optional<index::Store> open_partition_store(const std::string& db, int p) {
  const std::string path = pipeline::partition_store_path(db, p);
  if (!std::filesystem::exists(path)) return std::nullopt;
  index::Options o;
  o.read_only = true;
  auto store = index::Store::open(path, o);
  EXPECT_TRUE(store) << path << ": " << store.error().message;
  if (!store) return std::nullopt;
  return std::move(*store);
}

inline void visit_index_rows(const std::string& db, int partitions, const std::function<void(const index::Candidate&)>& row) {
  for (int p = 0; p < partitions; ++p) {
    auto store = open_partition_store(db, p);
    if (!store) continue;
    ASSERT_TRUE(store->visit_candidates([&](const index::Candidate& c) {
      row(c);
      return true;
    }));
  }
}

// What the index workers stored under `db`, summed over the partition stores.
struct IndexRows {
  std::map<std::string, int> rows;  // candidate name -> rows over all partition stores
  std::set<std::string> registered;
  std::map<std::string, std::set<std::string>> brands;  // candidate name -> its brands
};
inline IndexRows index_rows(const std::string& db, int partitions) {
  IndexRows out;
  visit_index_rows(db, partitions, [&](const index::Candidate& c) {
    ++out.rows[c.name];
    out.brands[c.name].insert(c.brands.begin(), c.brands.end());
    if (c.state && (c.state->flags & index::state_flag::registered)) out.registered.insert(c.name);
  });
  return out;
}

}  // namespace lookalike::queue::testing
