// Helpers of the tests that run `lookalike worker` processes on a mock cluster: waiting for a
// consumer group to finish a topic, and reading back what the index workers stored.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "index/index.hpp"
#include "pipeline/worker.hpp"
#include "queue/queue.hpp"

namespace lookalike::queue::testing {

// Polls `done` every 300 ms; a test failure (naming `what`) when `timeout` passes first.
inline void wait_until(const std::function<bool()>& done, std::chrono::seconds timeout, const std::string& what) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "timed out waiting for " << what;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
}

// True once `group` committed the high watermark of every partition of `topic` (of `partitions`).
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

// What the index workers stored under `db` (partition-<N> stores, opened read-only).
struct IndexRows {
  std::map<std::string, int> rows;  // candidate name -> rows over all partition stores
  std::set<std::string> registered;
  std::map<std::string, std::set<std::string>> brands;  // candidate name -> its brands
};
inline IndexRows index_rows(const std::string& db, int partitions) {
  IndexRows out;
  for (int p = 0; p < partitions; ++p) {
    const std::string path = pipeline::partition_store_path(db, p);
    if (!std::filesystem::exists(path)) continue;
    index::Options o;
    o.read_only = true;
    auto store = index::Store::open(path, o);
    if (!store) {
      ADD_FAILURE() << store.error().message;
      continue;
    }
    const auto visited = store->visit_candidates([&](const index::Candidate& c) {
      ++out.rows[c.name];
      out.brands[c.name].insert(c.brands.begin(), c.brands.end());
      if (c.state && (c.state->flags & index::state_flag::registered)) out.registered.insert(c.name);
      return true;
    });
    if (!visited) ADD_FAILURE() << path << ": " << visited.error().message;
  }
  return out;
}

}  // namespace lookalike::queue::testing
