// `lookalike watch` with `brokers`: the CT test log on loopback and a mock Kafka cluster in this
// test process. `watch --once` must publish the brand table, the brand's generated candidates and
// exactly the CT names that match the brand (to `names`, for match workers), resolve nothing
// itself, and on the next run publish only what is new (log position and generation kept); a
// match worker then turns the published names into candidates.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
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

// The client config of `cluster`, once it has every topic of `topics`.
queue::Config with_topics(queue::MockCluster& cluster, const queue::Topics& topics) {
  EXPECT_TRUE(cluster.create_topics(topics, kPartitions));
  queue::Config c;
  c.brokers = cluster.bootstraps();
  return c;
}

TEST(WatchPublish, CtNamesAndGeneratedCandidatesGoToTheClusterOnce) {
  lookalike::test_support::TempDir tmp{"lookalike-watch-publish"};
  auto cluster = queue::MockCluster::start(1);
  ASSERT_TRUE(cluster) << cluster.error().message;
  const queue::Topics topics;
  const queue::Config kafka = with_topics(*cluster, topics);

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

TEST(WatchPublish, FeedFilesGoToTheClusterOnceWithTheirSource) {
  lookalike::test_support::TempDir tmp{"lookalike-watch-publish"};
  auto cluster = queue::MockCluster::start(1);
  ASSERT_TRUE(cluster) << cluster.error().message;
  const queue::Topics topics;
  const queue::Config kafka = with_topics(*cluster, topics);

  // A zone (its origin from the SOA) with one malformed record, and a newly-registered list.
  const fs::path feeds = tmp.path / "feeds";
  fs::create_directories(feeds);
  std::ofstream(feeds / "com-2026-12-01.zone") << "$TTL 3600\n"
                                                  "com. IN SOA a.gtld. nstld. 1 2 3 4 5\n"
                                                  "exarnplebank IN NS ns1.host.net.\n"
                                                  "unrelated IN NS ns1.host.net.\n"
                                                  "broken IN NS\n"
                                                  "sub.examplebnak IN NS ns1.host.net.\n";
  std::ofstream(feeds / "nrd-2026-12-02.txt") << "# new registrations\nexamp1ebank.shop\nwikipedia.org\n";
  const fs::path config = tmp.path / "watch.toml";
  std::ofstream(config) << "db = \"" << (tmp.path / "db").string() << "\"\n"
                        << "brokers = \"" << kafka.brokers << "\"\n"
                        << "[[brands]]\ndomain = \"examplebank.com\"\ntlds = \"com\"\nbudget = 1\n"
                        << "[[feeds]]\ndir = \"" << feeds.string() << "\"\n"
                        << "[ct]\nenabled = false\n"  // no CT log here (the default list is on the internet)
                        << "[probe]\nenabled = false\n"
                        << "[log]\nformat = \"json\"\n";
  const auto check = run_process({LOOKALIKE_BINARY, "watch", "--config", config.string(), "--check"}, {}, 60s);
  ASSERT_EQ(check.exit_code, 0) << check.err;

  const auto first = run_process({LOOKALIKE_BINARY, "watch", "--config", config.string(), "--once"}, {}, 300s);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  const std::multiset<std::string> fed{"exarnplebank.com zone:com@2026-12-01", "unrelated.com zone:com@2026-12-01",
                                       "examplebnak.com zone:com@2026-12-01", "examp1ebank.shop feed:nrd-2026-12-02@2026-12-02",
                                       "wikipedia.org feed:nrd-2026-12-02@2026-12-02"};
  EXPECT_EQ(names_on(kafka, topics.names), fed) << first.err;
  EXPECT_NE(first.err.find("feed file published"), std::string::npos) << first.err;

  // The ledger keeps each file from being published twice.
  const auto second = run_process({LOOKALIKE_BINARY, "watch", "--config", config.string(), "--once"}, {}, 300s);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_EQ(names_on(kafka, topics.names), fed) << second.err;

  // `ingest --brokers` publishes a file the same way (no store needed).
  const fs::path extra = tmp.path / "extra.txt";
  std::ofstream(extra) << "examplebank-secure.net\n";
  const auto ingest = run_process({LOOKALIKE_BINARY, "--db", (tmp.path / "other").string(), "ingest", "--brokers",
                                   kafka.brokers, "--date", "2026-12-03", extra.string()},
                                  {}, 120s);
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  EXPECT_NE(ingest.err.find("1 names published to " + topics.names), std::string::npos) << ingest.err;
  auto all = fed;
  all.insert("examplebank-secure.net feed:extra@2026-12-03");
  EXPECT_EQ(names_on(kafka, topics.names), all);

  // Match workers turn the look-alikes among them into candidates that name their source.
  lookalike::test_support::BackgroundProcess match({LOOKALIKE_BINARY, "worker", "--role", "match", "--brokers", kafka.brokers},
                                                   (tmp.path / "match.log").string());
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  std::map<std::string, queue::CandidateRecord> got;
  while (std::chrono::steady_clock::now() < deadline) {
    got.clear();
    auto cands = queue::read_all(kafka, topics.candidates);
    ASSERT_TRUE(cands) << cands.error().message;
    for (const auto& m : *cands) {
      auto c = queue::decode_candidate(m.value);
      ASSERT_TRUE(c) << m.value;
      got[c->name] = *c;
    }
    if (got.contains("examplebnak.com") && got.contains("examp1ebank.shop") && got.contains("exarnplebank.com") &&
        got.contains("examplebank-secure.net")) {
      break;
    }
    std::this_thread::sleep_for(300ms);
  }
  EXPECT_EQ(match.terminate(), 0) << match.output();
  auto has = [&](const std::string& name, const std::string& fuzzer) {
    const auto it = got.find(name);
    if (it == got.end()) return false;
    return std::find(it->second.fuzzers.begin(), it->second.fuzzers.end(), fuzzer) != it->second.fuzzers.end();
  };
  EXPECT_TRUE(has("exarnplebank.com", "zone:com@2026-12-01")) << match.output();
  EXPECT_TRUE(has("examplebnak.com", "zone:com@2026-12-01")) << match.output();
  EXPECT_TRUE(has("examp1ebank.shop", "feed:nrd-2026-12-02@2026-12-02")) << match.output();
  EXPECT_TRUE(has("examplebank-secure.net", "feed:extra@2026-12-03")) << match.output();
  EXPECT_FALSE(got.contains("unrelated.com"));
  EXPECT_FALSE(got.contains("wikipedia.org"));
  for (const std::string name : {"exarnplebank.com", "examplebnak.com", "examp1ebank.shop", "examplebank-secure.net"}) {
    if (!got.contains(name)) continue;
    const queue::CandidateRecord& c = got.at(name);
    EXPECT_EQ(c.brands, std::vector<std::string>{"examplebank.com"}) << name;
    const bool rule = std::any_of(c.fuzzers.begin(), c.fuzzers.end(), [](const std::string& f) { return f.starts_with("ct:"); });
    EXPECT_TRUE(rule) << name << ": the matcher's rule is kept for the score";
  }
}

}  // namespace
