// The probe and ct-follow roles as `lookalike worker` processes on a mock Kafka cluster hosted by
// this test process. probe: resolved records in, a loopback HTTP server behind nsd's answers, the
// probed records and the index (`--input probed`) checked, and the address guard refusing loopback
// without --allow-private. ct-follow: two followers of the loopback CT test log, the owner killed
// with SIGKILL mid-follow; the other takes the log over from the stored checkpoint: every entry's
// name is published, repeats only from the range the dead worker had not checkpointed, and the
// checkpoints never go backwards.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ctlog/ctlog.hpp"
#include "index/index.hpp"
#include "pipeline/worker.hpp"
#include "queue/queue.hpp"
#include "queue/work.hpp"
#include "scoring/probe_json.hpp"
#include "tests/ctlog/test_log_server.hpp"
#include "tests/queue/worker_processes.hpp"
#include "tests/scoring/loopback_servers.hpp"
#include "tests/support/nsd_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace lookalike::queue {
namespace {

using namespace std::chrono_literals;

constexpr int kPartitions = 4;

using Worker = testing::WorkerProcess;
using testing::read_file;

class RolesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = testing::start_cluster(topics_, kPartitions);
    ASSERT_TRUE(cluster_);
    config_.brokers = cluster_->bootstraps();
    properties_ = (dir_.path / "kafka.properties").string();
    testing::write_test_properties(properties_);
  }

  void TearDown() override { testing::reap_all(workers_, HasFailure()); }

  // The probe observations of `name` in the partition stores under `db` (payloads, oldest first).
  static std::vector<std::string> probe_observations(const std::string& db, const std::string& name) {
    std::vector<std::string> out;
    for (int p = 0; p < kPartitions; ++p) {
      auto store = testing::open_partition_store(db, p);
      if (!store) continue;
      EXPECT_TRUE(store->observations(name, [&](const index::Observation& ob) {
        if (ob.kind == index::ObservationKind::probe) out.push_back(ob.payload);
        return true;
      }));
    }
    return out;
  }

  std::string db_ = "index";  // the --db of the workers started next (inside the test folder)

  // Starts `lookalike worker --role ROLE` with the cluster, the test's properties and `extra`.
  Worker& start(const std::string& role, const std::vector<std::string>& extra) {
    Worker w;
    w.log = (dir_.path / (role + "-" + std::to_string(workers_.size()) + ".log")).string();
    std::vector<std::string> argv = {LOOKALIKE_BINARY, "--db",     (dir_.path / db_).string(), "worker", "--role",
                                     role,             "--brokers", config_.brokers, "--config", properties_};
    argv.insert(argv.end(), extra.begin(), extra.end());
    w.role = role;
    w.pid = testing::spawn_logged(argv, w.log);
    workers_.push_back(w);
    return workers_.back();
  }

  static void wait_until(const std::function<bool()>& done, std::chrono::seconds timeout, const std::string& what) {
    testing::wait_until(done, timeout, what);
  }

  void wait_assigned() {
    wait_until(
        [&] {
          for (const auto& w : workers_) {
            if (read_file(w.log).find("assigned partitions") == std::string::npos) return false;
          }
          return true;
        },
        120s, "every worker to get partitions");
  }

  bool caught_up(const std::string& group, const std::string& topic) {
    return testing::caught_up(config_, group, topic, kPartitions);
  }

  // Stops the workers still running with SIGTERM; each must exit 0.
  void stop_all() {
    for (auto& w : workers_) {
      if (w.pid > 0) kill(w.pid, SIGTERM);
    }
    for (auto& w : workers_) {
      if (w.pid <= 0) continue;
      int status = 0;
      const auto deadline = std::chrono::steady_clock::now() + 120s;
      while (waitpid(w.pid, &status, WNOHANG) == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(100ms);
      }
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << w.log;
      w.pid = -1;
    }
  }

  test_support::TempDir dir_{"lookalike-roles"};
  std::unique_ptr<MockCluster> cluster_;
  Topics topics_;
  Config config_;
  std::string properties_;
  std::vector<Worker> workers_;
};

// ---------------------------------------------------------------------------------------------
// probe

class ProbeRoleTest : public RolesTest {
 protected:
  void SetUp() override {
    RolesTest::SetUp();
    // web.test and mail-less shop.test point at loopback, where only web.test's site answers.
    const std::string zone =
        "@ 3600 IN SOA ns.roles.invalid. hostmaster.roles.invalid. 1 3600 600 86400 60\n"
        "@ NS ns.roles.invalid.\n"
        "web A 127.0.0.1\n";
    nsd_ = std::make_unique<test_support::NsdServer>(std::vector<test_support::Zone>{test_support::Zone{"test", zone}});
    http_ = std::make_unique<lookalike::testing::LoopbackServer>(
        lookalike::testing::http_handler({{"web.test", lookalike::testing::html_response("<html><title>Example Bank login</title></html>")}}));
  }

  void publish_resolved() {
    auto producer = Producer::open(config_);
    ASSERT_TRUE(producer) << producer.error().message;
    namespace sf = index::state_flag;
    const ResolvedRecord web{{"web.test", {"example.com"}, {"addition"}}, 1700000000000, "answer", sf::registered | sf::has_a};
    const ResolvedRecord gone{{"gone.test", {"example.com"}, {"addition"}}, 1700000000000, "nxdomain", 0};
    for (const auto& r : {web, gone}) {
      ASSERT_TRUE(producer->produce(topics_.resolved, partition_key(r.candidate.name), encode(r)));
    }
    ASSERT_TRUE(producer->flush(60s));
  }

  std::map<std::string, ProbedRecord> probed() {
    std::map<std::string, ProbedRecord> out;
    auto all = read_all(config_, topics_.probed);
    EXPECT_TRUE(all);
    if (!all) return out;
    for (const auto& m : *all) {
      auto r = decode_probed(m.value);
      EXPECT_TRUE(r) << m.value;
      if (!r) continue;
      EXPECT_EQ(m.key, partition_key(r->resolved.candidate.name)) << "keyed by registrable domain";
      EXPECT_FALSE(out.contains(r->resolved.candidate.name)) << "probed twice: " << r->resolved.candidate.name;
      out[r->resolved.candidate.name] = *r;
    }
    return out;
  }

  std::vector<std::string> probe_args(bool allow_private) {
    std::vector<std::string> a = {"--resolvers", nsd_->address(), "--http-port", std::to_string(http_->port()),
                                  "--https-port", "9", "--probe-timeout", "3000"};
    if (allow_private) a.emplace_back("--allow-private");
    return a;
  }

  std::unique_ptr<test_support::NsdServer> nsd_;
  std::unique_ptr<lookalike::testing::LoopbackServer> http_;
};

TEST_F(ProbeRoleTest, ProbesWhatResolvedPassesTheRestAndTheIndexKeepsTheProbeFacts) {
  start("probe", probe_args(true));
  start("index", {"--input", "probed"});
  wait_assigned();
  publish_resolved();
  wait_until([&] { return caught_up("lookalike-probe", topics_.resolved); }, 120s, "the probe group");
  wait_until([&] { return caught_up("lookalike-index", topics_.probed); }, 120s, "the index group");
  stop_all();

  namespace sf = index::state_flag;
  const auto got = probed();
  ASSERT_EQ(got.size(), 2u);
  const ProbedRecord& web = got.at("web.test");
  EXPECT_NE(web.resolved.flags & sf::web_live, 0u) << "the loopback site answered";
  EXPECT_EQ(web.resolved.flags & sf::mx_live, 0u);
  EXPECT_EQ(web.resolved.time, 1700000000000) << "the resolution's time is kept: alert ids stay stable";
  const auto seen = scoring::parse_probe_observation(web.probe);
  ASSERT_TRUE(seen) << web.probe;
  bool titled = false;
  for (const auto& w : seen->web) titled = titled || (w.scheme == "http" && w.status == 200 && w.title == "Example Bank login");
  EXPECT_TRUE(titled) << web.probe;
  EXPECT_TRUE(seen->skipped.empty()) << "--allow-private lets loopback through";
  const ProbedRecord& gone = got.at("gone.test");
  EXPECT_TRUE(gone.probe.empty()) << "an NXDOMAIN name is passed on unprobed";
  EXPECT_EQ(gone.resolved.dns, "nxdomain");
  EXPECT_GE(http_->connections(), 1);

  // The index consumed the probed topic: the state carries the probe's bit.
  std::map<std::string, std::uint32_t> flags;
  testing::visit_index_rows((dir_.path / "index").string(), kPartitions,
                            [&](const index::Candidate& c) { flags[c.name] = c.state ? c.state->flags : 0; });
  ASSERT_EQ(flags.size(), 2u);
  EXPECT_NE(flags.at("web.test") & sf::web_live, 0u);
  auto alerts = read_all(config_, topics_.alerts);
  ASSERT_TRUE(alerts);
  ASSERT_EQ(alerts->size(), 1u);
  EXPECT_EQ(decode_alert(alerts->front().value)->name, "web.test");

  // The evidence behind the bit: the probe JSON is the row's probe observation, and rides on the
  // changelog, so an index worker that never had the partition restores it (the re-check opens
  // every partition it is given; none is indexed here).
  const std::string first_db = (dir_.path / "index").string();
  EXPECT_EQ(probe_observations(first_db, "web.test"), std::vector<std::string>{web.probe});
  EXPECT_TRUE(probe_observations(first_db, "gone.test").empty());
  std::size_t stores = 0;
  for (int p = 0; p < kPartitions; ++p) stores += std::filesystem::exists(pipeline::partition_store_path(first_db, p));
  db_ = "index-elsewhere";
  Worker& fresh = start("index", {"--input", "probed", "--recheck", "--recheck-poll", "0.2"});
  const std::string fresh_log = fresh.log;
  wait_until(
      [&] {
        const std::string log = testing::read_file(fresh_log);
        std::size_t restored = 0;
        for (auto at = log.find(" restored "); at != std::string::npos; at = log.find(" restored ", at + 1)) ++restored;
        return restored >= stores;
      },
      120s, "the fresh index worker to restore every partition with rows");
  stop_all();
  EXPECT_EQ(probe_observations((dir_.path / db_).string(), "web.test"), std::vector<std::string>{web.probe})
      << testing::read_file(fresh_log);
}

TEST_F(ProbeRoleTest, TheAddressGuardRefusesLoopbackWithoutAllowPrivate) {
  start("probe", probe_args(false));
  wait_assigned();
  publish_resolved();
  wait_until([&] { return caught_up("lookalike-probe", topics_.resolved); }, 120s, "the probe group");
  stop_all();

  const auto got = probed();
  ASSERT_EQ(got.size(), 2u);
  const ProbedRecord& web = got.at("web.test");
  EXPECT_EQ(web.resolved.flags & index::state_flag::web_live, 0u);
  const auto seen = scoring::parse_probe_observation(web.probe);
  ASSERT_TRUE(seen) << web.probe;
  EXPECT_FALSE(seen->skipped.empty()) << "127.0.0.1 refused by the guard";
  EXPECT_EQ(http_->connections(), 0) << "nothing connected to the loopback server";
}

TEST(StateChange, ReportsWhatTheProbesFoundAppearing) {
  namespace sf = index::state_flag;
  const index::StateSummary was{1, index::DnsOutcome::answer, sf::registered | sf::has_a};
  const index::StateSummary live{2, index::DnsOutcome::answer, sf::registered | sf::has_a | sf::web_live};
  EXPECT_EQ(pipeline::state_change(was, live), "web live");
  EXPECT_EQ(pipeline::state_change(live, live), "");
  const index::StateSummary mail{3, index::DnsOutcome::answer, sf::registered | sf::has_mx | sf::mx_live};
  EXPECT_EQ(pipeline::state_change(was, mail), "mx appeared, mx live");
  EXPECT_EQ(pipeline::state_change(std::nullopt, live), "registered") << "a first sighting is one alert";
}

// ---------------------------------------------------------------------------------------------
// ct-follow

constexpr std::uint64_t kEntries = 600;
constexpr std::uint64_t kFirstHead = 300;
constexpr std::uint64_t kVerifyEvery = 20;

std::string entry_name(std::uint64_t i) { return "entry" + std::to_string(i) + ".example"; }

class CtFollowTest : public RolesTest {
 protected:
  void SetUp() override {
    RolesTest::SetUp();
    for (std::uint64_t i = 0; i < kEntries; ++i) log_.add_certificate(ca_, entry_name(i), {entry_name(i)}, i % 2 == 0);
    ctlog::testing::Faults f;
    f.batch_cap = 5;  // many small, slow requests: the kill lands mid-follow
    f.entries_delay_ms = 150;
    log_.set_faults(f);
    log_.publish(1);  // next to nothing to follow until both followers are in the group
    server_ = std::make_unique<ctlog::testing::TestLogServer>(log_);
    list_ = (dir_.path / "logs.json").string();
    std::ofstream(list_) << ctlog::testing::log_list_json(log_, server_->url(), false);
  }

  Worker& start_follower() {
    return start("ct-follow", {"--logs", list_, "--verify-every", std::to_string(kVerifyEvery), "--poll", "1",
                               "--parallel", "1"});
  }

  // The log's checkpoints in the order they were written.
  std::vector<std::uint64_t> checkpoints() {
    std::vector<std::uint64_t> out;
    auto all = read_all(config_, topics_.ct_checkpoints);
    if (!all) return out;
    for (const auto& m : *all) {
      auto c = decode_checkpoint(m.value);
      EXPECT_TRUE(c) << m.value;
      if (!c) continue;
      EXPECT_EQ(m.key, log_.log_id_b64());
      auto st = ctlog::decode_state(c->state);
      EXPECT_TRUE(st);
      if (st) {
        EXPECT_EQ(st->next_index, c->next_index);
      }
      out.push_back(c->next_index);
    }
    return out;
  }

  ctlog::testing::TestCa ca_;
  ctlog::testing::TestLog log_;
  std::unique_ptr<ctlog::testing::TestLogServer> server_;
  std::string list_;
};

TEST_F(CtFollowTest, AKilledOwnersLogIsTakenOverFromItsCheckpointWithNoEntrySkipped) {
  start_follower();
  start_follower();
  wait_assigned();
  std::this_thread::sleep_for(2s);  // let the last incremental rebalance settle
  // The owner is the one following the log.
  std::size_t owner = 2;
  wait_until(
      [&] {
        for (std::size_t i = 0; i < workers_.size(); ++i) {
          if (read_file(workers_[i].log).find("following Loopback") != std::string::npos) owner = i;
        }
        return owner < workers_.size();
      },
      120s, "a follower to own the log");
  const std::size_t other = 1 - owner;
  log_.publish(kFirstHead);
  wait_until(
      [&] {
        const auto c = checkpoints();
        return !c.empty() && c.back() >= 2 * kVerifyEvery;
      },
      120s, "a few checkpoints");
  kill(workers_[owner].pid, SIGKILL);
  waitpid(workers_[owner].pid, nullptr, 0);
  workers_[owner].pid = -1;
  const std::uint64_t at_kill = checkpoints().back();
  EXPECT_LT(at_kill, kFirstHead) << "the kill came after the owner caught up: the test proved nothing";
  log_.publish(kEntries);  // the log grows after the kill: the successor follows it to the new head

  wait_until([&] { return !checkpoints().empty() && checkpoints().back() == kEntries; }, 180s, "the whole log");
  const std::string successor = read_file(workers_[other].log);
  stop_all();

  // The successor resumed from a stored checkpoint (the last one the dead owner wrote).
  const auto from = successor.rfind("following Loopback (partition ");
  ASSERT_NE(from, std::string::npos) << successor;
  const auto at = successor.find("from checkpoint ", from);
  ASSERT_NE(at, std::string::npos) << "the successor started without the stored checkpoint";
  const std::uint64_t resumed = std::stoull(successor.substr(at + 16));
  EXPECT_GE(resumed, at_kill);
  EXPECT_LE(resumed, kFirstHead);

  // Checkpoints never go backwards.
  const auto cps = checkpoints();
  for (std::size_t i = 1; i < cps.size(); ++i) EXPECT_LE(cps[i - 1], cps[i]) << "checkpoint " << i;

  // Every entry's name was published; repeats only for entries the dead owner had not checkpointed.
  auto names = read_all(config_, topics_.names);
  ASSERT_TRUE(names);
  std::map<std::string, int> count;
  for (const auto& m : *names) {
    auto n = decode_name(m.value);
    ASSERT_TRUE(n) << m.value;
    EXPECT_EQ(n->source, "ct:Loopback");
    EXPECT_EQ(m.key, partition_key(n->name));
    ++count[n->name];
  }
  for (std::uint64_t i = 0; i < kEntries; ++i) {
    const auto it = count.find(entry_name(i));
    ASSERT_NE(it, count.end()) << "entry " << i << " skipped";
    if (it->second > 1) {
      EXPECT_GE(i, resumed) << "entry " << i << " was checkpointed but published again";
      EXPECT_LT(i, resumed + kVerifyEvery) << "entry " << i << " repeated beyond the dead owner's unacknowledged range";
    }
  }
  EXPECT_EQ(count.size(), kEntries);
  std::size_t repeated = 0;
  for (const auto& [name, n] : count) repeated += static_cast<std::size_t>(n - 1);
  std::cerr << "kill -9 at checkpoint " << at_kill << ", successor resumed from " << resumed << ", " << repeated
            << " names published twice (bound " << kVerifyEvery << ")\n";
}

}  // namespace
}  // namespace lookalike::queue
