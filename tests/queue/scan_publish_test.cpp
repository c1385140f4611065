// `lookalike scan --brokers`: a brand's ranked candidates published to a mock Kafka cluster (in
// this test process) with two resolve and two index workers running as separate processes
// against nsd on loopback. The index must end with exactly one row per published candidate, the
// registered look-alikes registered, and the brand table must hold the brand.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "queue/queue.hpp"
#include "queue/work.hpp"
#include "tests/queue/worker_processes.hpp"
#include "tests/support/background_process.hpp"
#include "tests/support/nsd_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace lookalike::queue {
namespace {

using namespace std::chrono_literals;
using test_support::BackgroundProcess;
using test_support::run_process;
using testing::caught_up;
using testing::wait_until;

constexpr int kPartitions = 3;
constexpr int kBudget = 300;

TEST(ScanPublish, EveryPublishedCandidateEndsWithOneIndexRow) {
  test_support::TempDir dir{"lookalike-scan-publish"};
  auto cluster = MockCluster::start(3);
  ASSERT_TRUE(cluster) << cluster.error().message;
  const Topics topics;
  ASSERT_TRUE(cluster->create_topics(topics, kPartitions));
  Config config;
  config.brokers = cluster->bootstraps();
  // Two registered look-alikes of examplebank.com in the only TLD the brand is crossed with.
  test_support::NsdServer nsd({test_support::Zone{"com",
                                                   "@ 3600 IN SOA ns.scan.invalid. hostmaster.scan.invalid. 1 3600 600 86400 60\n"
                                                   "@ NS ns.scan.invalid.\n"
                                                   "examp1ebank A 192.0.2.1\n"
                                                   "exampiebank A 192.0.2.2\n"}});
  const std::string properties = (dir.path / "kafka.properties").string();
  std::ofstream(properties) << "session.timeout.ms=6000\nheartbeat.interval.ms=500\nauto.commit.interval.ms=100\n"
                               "topic.metadata.refresh.interval.ms=2000\n";
  const std::string index_db = (dir.path / "index").string();
  std::vector<std::unique_ptr<BackgroundProcess>> workers;
  for (int i = 0; i < 2; ++i) {
    for (const std::string role : {"resolve", "index"}) {
      std::vector<std::string> argv = {LOOKALIKE_BINARY, "--db", index_db, "worker", "--role", role,
                                       "--brokers", config.brokers, "--config", properties};
      if (role == "resolve") argv.insert(argv.end(), {"--resolvers", nsd.address()});
      workers.push_back(std::make_unique<BackgroundProcess>(argv, (dir.path / (role + std::to_string(i) + ".log")).string()));
    }
  }

  const std::string scan_db = (dir.path / "scan").string();
  const auto added = run_process({LOOKALIKE_BINARY, "--db", scan_db, "brand", "add", "examplebank.com", "--tlds", "com"}, {}, 60s);
  ASSERT_EQ(added.exit_code, 0) << added.err;
  const auto scan = run_process({LOOKALIKE_BINARY, "--db", scan_db, "scan", "--brokers", config.brokers, "--kafka-config",
                                 properties, "--budget", std::to_string(kBudget)},
                                {}, 300s);
  ASSERT_EQ(scan.exit_code, 0) << scan.err;
  EXPECT_NE(scan.out.find("examplebank.com  " + std::to_string(kBudget) + " candidates\n"), std::string::npos) << scan.out;
  EXPECT_NE(scan.out.find("published 1 brand to lookalike.brands and " + std::to_string(kBudget) +
                          " candidates to lookalike.candidates, every one acknowledged"),
            std::string::npos)
      << scan.out;

  // What reached the cluster: the brand table and kBudget distinct candidates keyed by
  // registrable domain, every one naming the brand.
  auto table = read_table(config, topics.brands);
  ASSERT_TRUE(table) << table.error().message;
  ASSERT_TRUE(table->contains("examplebank.com"));
  EXPECT_EQ(decode_brand(table->at("examplebank.com"))->domain, "examplebank.com");
  auto published = read_all(config, topics.candidates);
  ASSERT_TRUE(published) << published.error().message;
  std::set<std::string> names;
  for (const auto& m : *published) {
    auto c = decode_candidate(m.value);
    ASSERT_TRUE(c) << m.value;
    EXPECT_EQ(m.key, partition_key(c->name));
    EXPECT_EQ(c->brands, std::vector<std::string>{"examplebank.com"});
    EXPECT_FALSE(c->fuzzers.empty()) << c->name;
    names.insert(c->name);
  }
  EXPECT_EQ(published->size(), static_cast<std::size_t>(kBudget));
  EXPECT_EQ(names.size(), static_cast<std::size_t>(kBudget));
  // The ranked generation puts the l -> 1 homoglyph near the top.
  ASSERT_TRUE(names.contains("examp1ebank.com"));

  wait_until([&] { return caught_up(config, "lookalike-resolve", topics.candidates, kPartitions); }, 300s, "the resolve group");
  wait_until([&] { return caught_up(config, "lookalike-index", topics.resolved, kPartitions); }, 300s, "the index group");
  for (auto& w : workers) EXPECT_EQ(w->terminate(), 0) << w->output();

  const testing::IndexRows got = testing::index_rows(index_db, kPartitions);
  for (const auto& [name, brands] : got.brands) {
    EXPECT_EQ(brands, std::set<std::string>{"examplebank.com"}) << name;
  }
  std::set<std::string> indexed;
  for (const auto& [name, n] : got.rows) {
    EXPECT_EQ(n, 1) << name << " has " << n << " rows";
    indexed.insert(name);
  }
  EXPECT_EQ(indexed, names);
  std::set<std::string> expected_registered{"examp1ebank.com"};
  if (names.contains("exampiebank.com")) expected_registered.insert("exampiebank.com");
  EXPECT_EQ(got.registered, expected_registered);
}

TEST(ScanPublish, RefusesAnUnreadableKafkaConfig) {
  test_support::TempDir dir{"lookalike-scan-publish"};
  const auto r = run_process({LOOKALIKE_BINARY, "--db", (dir.path / "db").string(), "scan", "examplebank.com",
                              "--brokers", "127.0.0.1:1", "--kafka-config", (dir.path / "missing.properties").string()},
                             {}, 60s);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--brokers"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace lookalike::queue
