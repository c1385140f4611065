// `lookalike watch` with `brokers`: the CT test log on loopback and a mock Kafka cluster in this
// test process. `watch --once` must publish the brand table, the brand's generated candidates and
// exactly the CT names that match the brand (to `names`, for match workers), resolve nothing
// itself, and on the next run publish only what is new (log position and generation kept); a
// match worker then turns the published names into candidates.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "index/index.hpp"
#include "queue/queue.hpp"
#include "queue/work.hpp"
#include "tests/ctlog/test_log_server.hpp"
#include "tests/support/background_process.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
namespace queue = lookalike::queue;
using namespace std::chrono_literals;
using lookalike::ctlog::testing::TestCa;
using lookalike::ctlog::testing::TestLog;
using lookalike::ctlog::testing::TestLogServer;
using lookalike::test_support::run_process;

constexpr int kPartitions = 3;
constexpr int kBudget = 20;

// Every record of `topic`: names with their source (names) or candidates (candidates).
std::multiset<std::string> names_on(const queue::Config& c, const std::string& topic) {
  std::multiset<std::string> out;
  auto all = queue::read_all(c, topic);
  EXPECT_TRUE(all) << all.error().message;
  if (!all) return out;
  for (const auto& m : *all) {
    if (topic == queue::Topics{}.names) {
      auto n = queue::decode_name(m.value);
      EXPECT_TRUE(n) << m.value;
      EXPECT_EQ(m.key, queue::partition_key(n->name));
      if (n) out.insert(n->name + " " + n->source);
    } else {
      auto cand = queue::decode_candidate(m.value);
      EXPECT_TRUE(cand) << m.value;
      if (cand) out.insert(cand->name);
    }
  }
  return out;
}

TEST(WatchPublish, CtNamesAndGeneratedCandidatesGoToTheClusterOnce) {
  lookalike::test_support::TempDir tmp{"lookalike-watch-publish"};
  auto cluster = queue::MockCluster::start(1);
  ASSERT_TRUE(cluster) << cluster.error().message;
  const queue::Topics topics;
  ASSERT_TRUE(cluster->create_topics(topics, kPartitions));
  queue::Config kafka;
  kafka.brokers = cluster->bootstraps();

  TestCa ca;
  TestLog log;
  log.add_certificate(ca, "unrelated.org", {"unrelated.org"}, false);
  log.add_certificate(ca, "examp1ebank.com", {"examp1ebank.com", "www.examp1ebank.com"}, true);
  log.add_certificate(ca, "wikipedia.org", {"wikipedia.org"}, false);
  log.add_certificate(ca, "examplebank-login.com", {"examplebank-login.com"}, false);
  TestLogServer server(log);

  const fs::path db = tmp.path / "db";
  const fs::path list = tmp.path / "loglist.json";
  const fs::path config = tmp.path / "watch.toml";
  std::ofstream(list) << lookalike::ctlog::testing::log_list_json(log, server.url(), false);
  std::ofstream(config) << "db = \"" << db.string() << "\"\n"
                        << "brokers = \"" << kafka.brokers << "\"\n"
                        << "[[brands]]\ndomain = \"examplebank.com\"\ntlds = \"com\"\nbudget = " << kBudget << "\n"
                        << "[ct]\nlog_list = \"" << list.string() << "\"\nstart = \"start\"\n"
                        << "[probe]\nenabled = false\n"
                        << "[log]\nformat = \"json\"\n";
  const auto check = run_process({LOOKALIKE_BINARY, "watch", "--config", config.string(), "--check"}, {}, 60s);
  ASSERT_EQ(check.exit_code, 0) << check.err;
  EXPECT_NE(check.out.find("publishing to " + kafka.brokers), std::string::npos) << check.out;

  const auto first = run_process({LOOKALIKE_BINARY, "watch", "--config", config.string(), "--once"}, {}, 300s);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;

  // The names of the matching certificates, each once, with their log; nothing unrelated.
  const std::multiset<std::string> ct_names{"examp1ebank.com ct:Loopback", "www.examp1ebank.com ct:Loopback",
                                            "examplebank-login.com ct:Loopback"};
  EXPECT_EQ(names_on(kafka, topics.names), ct_names) << first.err;
  const auto generated = names_on(kafka, topics.candidates);
  EXPECT_EQ(generated.size(), static_cast<std::size_t>(kBudget));
  EXPECT_EQ(std::set<std::string>(generated.begin(), generated.end()).size(), static_cast<std::size_t>(kBudget));
  auto table = queue::read_table(kafka, topics.brands);
  ASSERT_TRUE(table) << table.error().message;
  ASSERT_TRUE(table->contains("examplebank.com"));
  {
    // Nothing was resolved or stored as a candidate here: that is the workers' job now.
    lookalike::index::Options o;
    o.read_only = true;
    auto store = lookalike::index::Store::open(db.string(), o);
    ASSERT_TRUE(store) << store.error().message;
    auto c = store->get_candidate("examp1ebank.com");
    ASSERT_TRUE(c);
    EXPECT_FALSE(c->has_value());
  }

  // The next run starts at the stored position and keeps the published generation.
  log.add_certificate(ca, "exarnplebank.com", {"exarnplebank.com"}, false);
  const auto second = run_process({LOOKALIKE_BINARY, "watch", "--config", config.string(), "--once"}, {}, 300s);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  auto more = ct_names;
  more.insert("exarnplebank.com ct:Loopback");
  EXPECT_EQ(names_on(kafka, topics.names), more) << second.err;
  EXPECT_EQ(names_on(kafka, topics.candidates), generated);

  // A match worker turns the published names into candidates against the brand table.
  lookalike::test_support::BackgroundProcess match({LOOKALIKE_BINARY, "worker", "--role", "match", "--brokers", kafka.brokers},
                                                   (tmp.path / "match.log").string());
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  std::multiset<std::string> now;
  while (std::chrono::steady_clock::now() < deadline) {
    now = names_on(kafka, topics.candidates);
    if (now.size() >= generated.size() + 4) break;
    std::this_thread::sleep_for(300ms);
  }
  EXPECT_EQ(match.terminate(), 0) << match.output();
  for (const std::string n : {"examp1ebank.com", "www.examp1ebank.com", "examplebank-login.com", "exarnplebank.com"}) {
    EXPECT_EQ(now.count(n), generated.count(n) + 1) << n << "\n" << match.output();
  }
}

TEST(WatchPublish, FeedsAndBrokersAreRefusedTogether) {
  lookalike::test_support::TempDir tmp{"lookalike-watch-publish"};
  const fs::path config = tmp.path / "watch.toml";
  std::ofstream(config) << "brokers = \"127.0.0.1:1\"\n[[feeds]]\ndir = \"" << tmp.path.string() << "\"\n";
  const auto r = run_process({LOOKALIKE_BINARY, "watch", "--config", config.string(), "--check"}, {}, 60s);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("feeds cannot be combined with brokers"), std::string::npos) << r.err;
}

}  // namespace
