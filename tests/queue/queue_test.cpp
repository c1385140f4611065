// queue/ without worker processes: OffsetTracker, partition keys, the work records and alert ids,
// the properties file, and the producer/consumer/table reads against an in-process mock cluster.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "queue/queue.hpp"
#include "queue/work.hpp"
#include "tests/support/temp_dir.hpp"

namespace lookalike::queue {
namespace {

using namespace std::chrono_literals;

TEST(OffsetTracker, StoresOnlyBelowTheLowestUnfinishedOffset) {
  OffsetTracker t;
  EXPECT_FALSE(t.advance(0));
  for (std::int64_t o = 10; o < 14; ++o) t.started(0, o);
  EXPECT_EQ(t.in_flight(), 4u);
  EXPECT_EQ(t.advance(0), 10);  // nothing finished: everything before 10 was already safe
  EXPECT_FALSE(t.advance(0));   // unchanged
  t.finished(0, 12);
  t.finished(0, 11);
  EXPECT_FALSE(t.advance(0));  // 10 still pending
  t.finished(0, 10);
  EXPECT_EQ(t.advance(0), 13);
  t.finished(0, 13);
  EXPECT_EQ(t.advance(0), 14);
  EXPECT_EQ(t.in_flight(), 0u);
}

TEST(OffsetTracker, PartitionsAreIndependentAndForgettable) {
  OffsetTracker t;
  t.started(1, 5);
  t.started(2, 7);
  t.finished(2, 7);
  t.finished(2, 99);  // never started: ignored
  EXPECT_EQ(t.in_flight(1), 1u);
  EXPECT_EQ(t.in_flight(2), 0u);
  EXPECT_EQ(t.advance(2), 8);
  t.forget(1);
  EXPECT_EQ(t.in_flight(), 0u);
  EXPECT_FALSE(t.advance(1));
}

TEST(PartitionKey, IsTheRegistrableDomain) {
  EXPECT_EQ(partition_key("login.paypa1.com"), "paypa1.com");
  EXPECT_EQ(partition_key("paypa1.co.uk"), "paypa1.co.uk");
  EXPECT_EQ(partition_key("a.b.paypa1.co.uk."), "paypa1.co.uk");
  EXPECT_EQ(partition_key("com"), "com");
}

TEST(WorkRecords, RoundTripAndRejectGarbage) {
  const CandidateRecord c{"paypa1.com", {"paypal.com"}, {"homoglyph"}};
  EXPECT_EQ(decode_candidate(encode(c)), c);
  const ResolvedRecord r{c, 1700000000000, "answer", 3};
  EXPECT_EQ(decode_resolved(encode(r)), r);
  const AlertRecord a{"0123456789abcdef", "paypa1.com", "registered", 5};
  EXPECT_EQ(decode_alert(encode(a)), a);
  const BrandRecord b{"paypal.com", {"paypal"}, {"paypal.me"}};
  EXPECT_EQ(decode_brand(encode(b)), b);
  const NameRecord n{"paypa1.com", "ct:argon"};
  EXPECT_EQ(decode_name(encode(n)), n);
  IndexStateRecord row{c, 10, 20, IndexStateRecord::State{20, "answer", 3}, std::nullopt};
  EXPECT_EQ(decode_index_state(encode(row)), row);
  row.probe = IndexStateRecord::Probe{25, R"({"name":"paypa1.com","web":[]})"};
  EXPECT_EQ(decode_index_state(encode(row)), row);
  row.state.reset();
  EXPECT_EQ(decode_index_state(encode(row)), row);
  EXPECT_FALSE(decode_index_state(R"({"name":"a.com","first_seen":1,"last_seen":2,"probe":{"time":1}})"));
  EXPECT_FALSE(decode_index_state(R"({"name":"a.com","first_seen":1,"last_seen":2,"probe":{"time":1,"observation":"x"}})"));
  EXPECT_FALSE(decode_index_state(R"({"name":"a.com","first_seen":1,"last_seen":2,"state":3})"));
  EXPECT_FALSE(decode_index_state(R"({"name":"a.com","first_seen":1})"));
  EXPECT_FALSE(decode_candidate("not json"));
  EXPECT_FALSE(decode_candidate("[1]"));
  EXPECT_FALSE(decode_candidate(R"({"name":""})"));
  EXPECT_FALSE(decode_resolved(R"({"name":"a.com","time":"x","dns":"answer","flags":1})"));
  EXPECT_FALSE(decode_alert(R"({"id":"x"})"));
  EXPECT_FALSE(decode_alert(R"({"id":"x","name":"a.com","change":"registered","time":1e300})"));
  EXPECT_FALSE(decode_resolved(R"({"name":"a.com","time":1,"dns":"answer","flags":-1})"));
  EXPECT_FALSE(decode_resolved(R"({"name":"a.com","time":1,"dns":"answer","flags":4294967296})"));
}

TEST(WorkRecords, ProbedRecordsAreResolvedRecordsWithProbeFacts) {
  const ResolvedRecord r{{"paypa1.com", {"paypal.com"}, {"homoglyph"}}, 1700000000000, "answer", 0x203};
  const ProbedRecord probed{r, R"({"name":"paypa1.com","web":[]})"};
  EXPECT_EQ(decode_probed(encode(probed)), probed);
  // The index reads a probed record as the resolved record it extends.
  EXPECT_EQ(decode_resolved(encode(probed)), r);
  EXPECT_EQ(decode_probed(encode(ProbedRecord{r, {}})), (ProbedRecord{r, {}}));
  EXPECT_EQ(decode_probed(encode(r))->probe, "");
  EXPECT_FALSE(decode_probed(R"({"name":"a.com","time":1,"dns":"answer","flags":1,"probe":[1]})"));
}

TEST(WorkRecords, CheckpointsKeepTheFollowerStateBytes) {
  const CheckpointRecord c{"pLkJhGfDsA==", "Argon2026h1", 65536, std::string("\x00\x01\xff state", 9)};
  EXPECT_EQ(decode_checkpoint(encode(c)), c);
  EXPECT_FALSE(decode_checkpoint(R"({"log":"x","next_index":1,"state":"not base64!"})"));
  EXPECT_FALSE(decode_checkpoint(R"({"log":"x","next_index":-1,"state":""})"));
}

TEST(AlertId, DependsOnNameChangeAndCauseOnly) {
  const std::string id = alert_id("paypa1.com", "registered", "17");
  EXPECT_EQ(id.size(), 16u);
  EXPECT_EQ(id, alert_id("paypa1.com", "registered", "17"));
  EXPECT_NE(id, alert_id("paypa1.com", "registered", "18"));
  EXPECT_NE(id, alert_id("paypa1.com", "mx appeared", "17"));
  EXPECT_NE(alert_id("ab", "c", ""), alert_id("a", "bc", ""));
}

TEST(Properties, ReadsKeyValueLines) {
  test_support::TempDir dir;
  const auto path = (dir.path / "kafka.properties").string();
  std::ofstream(path) << "# tuning\n session.timeout.ms = 6000 \n\nsecurity.protocol=plaintext\n";
  auto p = read_properties(path);
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ((*p)[0], (std::pair<std::string, std::string>{"session.timeout.ms", "6000"}));
  std::ofstream(path) << "no equals sign\n";
  EXPECT_FALSE(read_properties(path));
  EXPECT_FALSE(read_properties((dir.path / "missing").string()));
}

// A mock cluster with every topic of `topics` (4 partitions each), and `config` pointed at it.
std::optional<MockCluster> start_cluster(int brokers, const Topics& topics, Config& config) {
  auto cluster = MockCluster::start(brokers);
  EXPECT_TRUE(cluster) << cluster.error().message;
  if (!cluster) return std::nullopt;
  EXPECT_TRUE(cluster->create_topics(topics, 4));
  config.brokers = cluster->bootstraps();
  return std::move(*cluster);
}

TEST(MockCluster, ProducesByKeyReadsTablesAndConsumesWithStoredOffsets) {
  const Topics topics;
  Config config;
  auto cluster = start_cluster(3, topics, config);
  ASSERT_TRUE(cluster);
  ASSERT_EQ(partition_count(config, topics.candidates), 4);

  std::size_t acked = 0;
  auto producer = Producer::open(config, [&](std::uint64_t, const std::optional<std::string>& err) {
    EXPECT_FALSE(err);
    ++acked;
  });
  ASSERT_TRUE(producer) << producer.error().message;
  cluster->fail_requests(Request::produce, 3);  // retried without duplicates (idempotent)
  for (int i = 0; i < 40; ++i) {
    const std::string name = "n" + std::to_string(i) + ".example.com";  // one registrable domain
    ASSERT_TRUE(producer->produce(topics.candidates, partition_key(name), name));
  }
  ASSERT_TRUE(producer->produce(topics.brands, "a.com", "1"));
  ASSERT_TRUE(producer->produce(topics.brands, "b.com", "2"));
  ASSERT_TRUE(producer->produce(topics.brands, "a.com", "3"));
  ASSERT_TRUE(producer->produce_tombstone(topics.brands, "b.com"));
  ASSERT_TRUE(producer->flush(30s));
  EXPECT_EQ(acked, 44u);

  // Same key, same partition: exactly 40 messages on one partition, in order, none doubled.
  auto all = read_all(config, topics.candidates);
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 40u);
  for (std::size_t i = 0; i < all->size(); ++i) {
    EXPECT_EQ((*all)[i].partition, (*all)[0].partition);
    EXPECT_EQ((*all)[i].value, "n" + std::to_string(i) + ".example.com");
  }
  auto table = read_table(config, topics.brands);
  ASSERT_TRUE(table);
  EXPECT_EQ(*table, (std::map<std::string, std::string>{{"a.com", "3"}}));

  // A consumer that stores the offset of the first 10 messages only: the group resumes at 10.
  config.group = "test-group";
  std::vector<TopicPartition> assigned;
  {
    auto consumer = Consumer::open(config, {topics.candidates},
                                   [&](const std::vector<TopicPartition>& tps) { assigned.insert(assigned.end(), tps.begin(), tps.end()); });
    ASSERT_TRUE(consumer) << consumer.error().message;
    std::vector<Message> got;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (got.size() < 40 && std::chrono::steady_clock::now() < deadline) {
      auto batch = consumer->poll(100, 200ms);
      got.insert(got.end(), batch.begin(), batch.end());
    }
    ASSERT_EQ(got.size(), 40u);
    EXPECT_EQ(assigned.size(), 4u);
    ASSERT_TRUE(consumer->store_offset({topics.candidates, got[9].partition}, got[9].offset + 1));
    ASSERT_TRUE(consumer->commit());
    consumer->close();
  }
  auto committed = committed_offsets(config, topics.candidates);
  ASSERT_TRUE(committed) << committed.error().message;
  std::int64_t sum = 0;
  for (auto o : *committed) sum += std::max<std::int64_t>(o, 0);
  EXPECT_EQ(sum, 10);
  for (int p = 0; p < 4; ++p) {
    auto w = watermarks(config, {topics.candidates, p});
    ASSERT_TRUE(w);
    EXPECT_EQ(w->low, 0);
  }
}

TEST(MockCluster, ProducesToAPartitionReportsOffsetsAndReadsAPartitionFromAnOffset) {
  const Topics topics;
  Config config;
  auto cluster = start_cluster(1, topics, config);
  ASSERT_TRUE(cluster);
  std::map<std::uint64_t, DeliveryReport> reports;
  auto producer = Producer::open_with_reports(config, [&](std::uint64_t token, const DeliveryReport& r) { reports[token] = r; });
  ASSERT_TRUE(producer) << producer.error().message;
  // Keys that hash anywhere, all written where they were sent: partition 2.
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(producer->produce_to(topics.index_state, 2, "key" + std::to_string(i), "v" + std::to_string(i),
                                     static_cast<std::uint64_t>(i + 1)));
  }
  ASSERT_TRUE(producer->flush(30s));
  ASSERT_EQ(reports.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    const DeliveryReport& r = reports.at(static_cast<std::uint64_t>(i + 1));
    EXPECT_FALSE(r.error);
    EXPECT_EQ(r.partition, 2);
    EXPECT_EQ(r.offset, i);
  }
  std::vector<std::string> got;
  auto next = read_partition(config, {topics.index_state, 2}, 4, [&](const Message& m) {
    got.push_back(m.key + "=" + m.value);
    return true;
  });
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(*next, 10);
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got.front(), "key4=v4");
  EXPECT_EQ(got.back(), "key9=v9");
  // At the end, or on an empty partition: nothing read, the offset given back.
  auto none = read_partition(config, {topics.index_state, 2}, 10, [&](const Message&) { return true; });
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 10);
  auto empty = read_partition(config, {topics.index_state, 0}, 0, [&](const Message&) { return true; });
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, 0);
  // Stopping early: the offset after the last message taken.
  auto early = read_partition(config, {topics.index_state, 2}, 0, [&](const Message& m) { return m.offset < 2; });
  ASSERT_TRUE(early);
  EXPECT_EQ(*early, 3);
}

TEST(MockCluster, PartitionOfNamesThePartitionTheProducerChoseForAKey) {
  auto cluster = MockCluster::start(1);
  ASSERT_TRUE(cluster) << cluster.error().message;
  const Topics topics;
  ASSERT_TRUE(cluster->create_topics(topics, 5));
  Config config;
  config.brokers = cluster->bootstraps();
  auto producer = Producer::open(config);
  ASSERT_TRUE(producer) << producer.error().message;
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(producer->produce(topics.ct_checkpoints, "log" + std::to_string(i), "x"));
  ASSERT_TRUE(producer->flush(30s));
  auto all = read_all(config, topics.ct_checkpoints);
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 30u);
  std::set<std::int32_t> used;
  for (const auto& m : *all) {
    EXPECT_EQ(m.partition, partition_of(m.key, 5)) << m.key;
    used.insert(m.partition);
  }
  EXPECT_GT(used.size(), 1u);
}

// Polls `consumer` (keeping what it returns in `got`) until stalled(quiet) reports something or
// `deadline` passes; returns the last report.
std::vector<Consumer::Stall> poll_until_stalled(Consumer& consumer, std::vector<Message>& got,
                                                std::chrono::steady_clock::time_point deadline) {
  std::vector<Consumer::Stall> stalls;
  while (stalls.empty() && std::chrono::steady_clock::now() < deadline) {
    auto batch = consumer.poll(100, 200ms);
    got.insert(got.end(), batch.begin(), batch.end());
    stalls = consumer.stalled(1s, 5s);
  }
  return stalls;
}

TEST(MockCluster, StalledNamesPartitionsWithMessagesWaitingThatTheConsumerDoesNotFetch) {
  const Topics topics;
  Config config;
  auto cluster = start_cluster(1, topics, config);
  ASSERT_TRUE(cluster);
  auto producer = Producer::open(config);
  ASSERT_TRUE(producer) << producer.error().message;
  auto produce = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      const std::string name = "n" + std::to_string(i) + ".example.com";  // one registrable domain
      ASSERT_TRUE(producer->produce(topics.candidates, partition_key(name), name));
    }
    ASSERT_TRUE(producer->flush(30s));
  };
  produce(0, 10);

  // A consumer that read everything and then heard nothing for the quiet period: no stall.
  config.group = "stall-a";
  auto reader = Consumer::open(config, {topics.candidates});
  ASSERT_TRUE(reader) << reader.error().message;
  std::vector<Message> got;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (got.size() < 10 && std::chrono::steady_clock::now() < deadline) {
    auto batch = reader->poll(100, 200ms);
    got.insert(got.end(), batch.begin(), batch.end());
  }
  ASSERT_EQ(got.size(), 10u);
  const TopicPartition tp{topics.candidates, got[0].partition};
  const auto quiet_until = std::chrono::steady_clock::now() + 2500ms;
  while (std::chrono::steady_clock::now() < quiet_until) EXPECT_TRUE(reader->poll(100, 200ms).empty());
  EXPECT_TRUE(reader->stalled(1s, 5s).empty());

  // From now on every fetch fails (retriable): five more messages wait, nothing arrives.
  cluster->fail_requests(Request::fetch, 1'000'000);
  produce(10, 15);
  auto stalls = poll_until_stalled(*reader, got, std::chrono::steady_clock::now() + 60s);
  ASSERT_EQ(stalls.size(), 1u);
  EXPECT_EQ(stalls[0].partition, tp);
  EXPECT_EQ(stalls[0].position, 10);  // one past the last message returned
  EXPECT_EQ(stalls[0].high, 15);
  EXPECT_EQ(got.size(), 10u);

  // A new group's consumer, nothing returned and nothing committed: it stands at the low watermark.
  config.group = "stall-b";
  auto fresh = Consumer::open(config, {topics.candidates});
  ASSERT_TRUE(fresh) << fresh.error().message;
  std::vector<Message> none;
  stalls = poll_until_stalled(*fresh, none, std::chrono::steady_clock::now() + 60s);
  ASSERT_EQ(stalls.size(), 1u);
  EXPECT_EQ(stalls[0].partition, tp);
  EXPECT_EQ(stalls[0].position, 0);
  EXPECT_EQ(stalls[0].high, 15);
  EXPECT_TRUE(none.empty());

  // A partition the application paused is not a stall.
  fresh->pause({tp});
  const auto paused_until = std::chrono::steady_clock::now() + 1500ms;
  while (std::chrono::steady_clock::now() < paused_until) (void)fresh->poll(100, 200ms);
  EXPECT_TRUE(fresh->stalled(1s, 5s).empty());
}

TEST(MockCluster, RefusesNonsense) {
  EXPECT_FALSE(MockCluster::start(0));
  Config config;
  config.brokers = "127.0.0.1:1";
  EXPECT_FALSE(Consumer::open(config, {"t"}));  // no group
  config.properties = {{"no.such.setting", "1"}};
  EXPECT_FALSE(Producer::open(config));
}

}  // namespace
}  // namespace lookalike::queue
