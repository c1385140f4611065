// The follower against the project's CT test log server on 127.0.0.1, through both APIs:
// generated certificates and the real navigli tiles, resume, --from, faults and tampering.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <mutex>
#include <thread>
#include <tuple>
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include "ctlog/ctlog.hpp"
#include "ctlog/entries.hpp"
#include "tests/ctlog/fixtures.hpp"
#include "tests/ctlog/test_log_server.hpp"
#include "util/encoding.hpp"

namespace lookalike::ctlog {
namespace {

using util::base64_encode;
using testing::Faults;
using testing::TestCa;
using testing::TestLog;
using testing::TestLogServer;

// An in-memory StateStore that can also fail on demand (simulating a crash between commits).
class MemoryStore : public StateStore {
 public:
  std::expected<std::optional<FollowState>, Error> load(std::string_view log_id) override {
    auto it = states.find(std::string(log_id));
    if (it == states.end()) return std::optional<FollowState>{};
    auto s = decode_state(it->second);
    if (!s) return std::unexpected(s.error());
    return std::optional<FollowState>(*s);
  }
  std::expected<void, Error> commit(std::string_view log_id, const FollowState& s, std::span<const Hit> h) override {
    if (fail_after && commits >= *fail_after) return std::unexpected(Error{"simulated crash"});
    ++commits;
    states[std::string(log_id)] = encode_state(s);
    for (const Hit& x : h) hits.push_back(x);
    return {};
  }
  std::map<std::string, std::string> states;
  std::vector<Hit> hits;
  std::size_t commits = 0;
  std::optional<std::size_t> fail_after;
};

// The test matcher: a brand "paypal" matched by substring (the real matcher lives in generator/).
NameMatcher paypal_matcher() {
  return [](const CertName& n, std::vector<BrandMatch>& out) {
    if (n.ascii.find("paypal") != std::string::npos || n.unicode.find("paypal") != std::string::npos) {
      out.push_back(BrandMatch{"paypal", "contains", 0});
    }
  };
}

LogInfo log_info(const TestLog& log, const TestLogServer& server, bool tiled) {
  auto list = parse_log_list(testing::log_list_json(log, server.url(), tiled));
  EXPECT_TRUE(list.has_value());
  return list->logs.at(0);
}

FollowOptions once() {
  FollowOptions o;
  o.once = true;
  o.parallel = 3;
  o.batch = 64;
  o.max_backoff = std::chrono::milliseconds(200);
  o.http.timeout = std::chrono::milliseconds(5000);
  return o;
}

// 300 entries: every 10th names a paypal look-alike; every 3rd is a precert.
void fill(TestLog& log, TestCa& ca, std::size_t n, std::size_t from = 0) {
  for (std::size_t i = from; i < from + n; ++i) {
    const std::string base = i % 10 == 0 ? "paypal-login" + std::to_string(i) : "shop" + std::to_string(i);
    log.add_certificate(ca, base + ".example", {base + ".example", "*." + base + ".example", "www." + base + ".example"},
                        i % 3 == 0);
  }
}

std::set<std::pair<std::uint64_t, std::string>> hit_set(const std::vector<Hit>& hits) {
  std::set<std::pair<std::uint64_t, std::string>> s;
  for (const Hit& h : hits) s.emplace(h.index, h.name.ascii);
  return s;
}

// A log of `n` entries (fill()) with the first `published` signed, served on loopback, a store,
// --once options and the alerts raised.
struct Scenario {
  Scenario(std::size_t n, std::size_t published) {
    fill(log, ca, n);
    log.publish(published);
    server = std::make_unique<TestLogServer>(log);
    o.on_alert = [this](const Alert& a) { alerts.push_back(a); };
  }
  FollowResult follow(bool tiled) { return follow_log(log_info(log, *server, tiled), store, paypal_matcher(), o); }
  TestLog log;
  TestCa ca;
  std::unique_ptr<TestLogServer> server;
  MemoryStore store;
  std::vector<Alert> alerts;
  FollowOptions o = once();
};

class Follow : public ::testing::TestWithParam<bool> {};

TEST_P(Follow, CatchesUpVerifiesTheRootAndReportsEveryMatchOnce) {
  const bool tiled = GetParam();
  TestLog log;
  TestCa ca;
  fill(log, ca, 300);
  TestLogServer server(log);
  MemoryStore store;
  const auto r = follow_log(log_info(log, server, tiled), store, paypal_matcher(), once());
  ASSERT_FALSE(r.error) << r.error->what;
  EXPECT_TRUE(r.verified);
  EXPECT_EQ(r.entries, 300u);
  EXPECT_EQ(r.state.verified_size, 300u);
  EXPECT_EQ(r.state.verified_root, log.root(300));
  // 30 paypal entries, each with two distinct names (the wildcard folds into the bare name).
  EXPECT_EQ(store.hits.size(), 60u);
  EXPECT_EQ(hit_set(store.hits).size(), 60u);
  for (const Hit& h : store.hits) {
    EXPECT_EQ(h.index % 10, 0u);
    EXPECT_EQ(h.match.brand, "paypal");
  }
  const bool any_wildcard = std::any_of(store.hits.begin(), store.hits.end(), [](const Hit& h) { return h.name.wildcard; });
  EXPECT_TRUE(any_wildcard);
  if (tiled) {
    EXPECT_EQ(log.requests("/issuer/"), 1u);  // one issuer, fetched once, then cached
    EXPECT_EQ(log.requests("/tile/data/001.p/"), 1u);  // 300 = 256 + a partial tail of 44
    EXPECT_EQ(log.requests("/tile/data/000.p/"), 0u);  // never a partial tile below the tail
  }
}

TEST_P(Follow, ResumesWhereItStoppedWithNoGapAndNoDuplicate) {
  const bool tiled = GetParam();
  TestLog log;
  TestCa ca;
  fill(log, ca, 300);
  log.publish(130);
  TestLogServer server(log);
  MemoryStore store;
  FollowOptions o = once();
  o.verify_every = 32;  // several verified commits per catch-up
  auto r = follow_log(log_info(log, server, tiled), store, paypal_matcher(), o);
  ASSERT_FALSE(r.error) << r.error->what;
  EXPECT_EQ(r.state.verified_size, 130u);
  // A crash mid-way through the next catch-up: commits stop after one verified prefix.
  log.publish(300);
  store.fail_after = store.commits + 1;
  r = follow_log(log_info(log, server, tiled), store, paypal_matcher(), o);
  EXPECT_TRUE(r.error.has_value());
  EXPECT_GT(r.state.next_index, 130u);
  EXPECT_LT(r.state.next_index, 300u);
  store.fail_after.reset();
  r = follow_log(log_info(log, server, tiled), store, paypal_matcher(), o);
  ASSERT_FALSE(r.error) << r.error->what;
  EXPECT_TRUE(r.verified);
  EXPECT_EQ(r.state.verified_root, log.root(300));
  EXPECT_EQ(store.hits.size(), 60u);
  EXPECT_EQ(hit_set(store.hits).size(), 60u);
}

TEST_P(Follow, StartsAtTheEndOrAnIndexWithoutEarlierLeaves) {
  const bool tiled = GetParam();
  TestLog log;
  TestCa ca;
  fill(log, ca, 600);
  log.publish(520);
  TestLogServer server(log);
  for (const std::uint64_t from : {std::uint64_t{0}, std::uint64_t{256}, std::uint64_t{300}, std::uint64_t{519}}) {
    MemoryStore store;
    FollowOptions o = once();
    o.from = StartFrom::index;
    o.from_index = from;
    auto r = follow_log(log_info(log, server, tiled), store, paypal_matcher(), o);
    ASSERT_FALSE(r.error) << from << ": " << r.error->what;
    EXPECT_TRUE(r.verified) << from;
    EXPECT_LE(r.entries, 520 - from + 2) << from;  // RFC 6962 may start up to two entries earlier
    EXPECT_EQ(r.state.verified_root, log.root(520));
  }
  MemoryStore store;
  FollowOptions o = once();
  o.from = StartFrom::end;
  auto r = follow_log(log_info(log, server, tiled), store, paypal_matcher(), o);
  ASSERT_FALSE(r.error) << r.error->what;
  EXPECT_LE(r.entries, 2u);
  log.publish(600);
  r = follow_log(log_info(log, server, tiled), store, paypal_matcher(), once());
  ASSERT_FALSE(r.error) << r.error->what;
  EXPECT_TRUE(r.verified);
  EXPECT_EQ(r.state.verified_root, log.root(600));
  EXPECT_EQ(hit_set(store.hits).size(), 16u);  // paypal entries 520..590
}

TEST_P(Follow, SurvivesRateLimitsServerErrorsShortBatchesBrokenBodiesAndGzip) {
  const bool tiled = GetParam();
  TestLog log;
  TestCa ca;
  fill(log, ca, 700);
  TestLogServer server(log);
  Faults f;
  f.http_429 = 2;
  f.http_503 = 3;
  f.truncated = 2;
  f.garbage = 2;
  f.gzip = true;
  f.batch_cap = 37;
  log.set_faults(f);
  MemoryStore store;
  const auto r = follow_log(log_info(log, server, tiled), store, paypal_matcher(), once());
  ASSERT_FALSE(r.error) << r.error->what;
  EXPECT_TRUE(r.verified);
  EXPECT_EQ(r.state.verified_root, log.root(700));
  EXPECT_EQ(hit_set(store.hits).size(), 140u);
  EXPECT_EQ(store.hits.size(), 140u);
  if (!tiled) {
    EXPECT_GE(log.requests("/ct/v1/get-entries"), 700u / 37u);  // the cap was learnt
  }
}

TEST_P(Follow, AFlippedLeafByteIsARootMismatchThatStoresNothingFromTheUnverifiedRange) {
  const bool tiled = GetParam();
  Scenario sc(300, 100);
  auto [log, store, alerts] = std::tie(sc.log, sc.store, sc.alerts);
  auto r = sc.follow(tiled);
  ASSERT_FALSE(r.error);
  ASSERT_EQ(hit_set(store.hits).size(), 20u);  // paypal entries 0..90
  log.publish(300);
  Faults f;
  f.tamper_leaf = 200;  // the signed tree is over the true entry
  log.set_faults(f);
  r = sc.follow(tiled);
  ASSERT_TRUE(r.error.has_value());
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].log, "Loopback");
  EXPECT_EQ(alerts[0].kind, "root mismatch");
  EXPECT_NE(alerts[0].detail.find("\"tree_size\":300"), std::string::npos) << alerts[0].detail;  // the signed head
  EXPECT_NE(alerts[0].detail.find("entries [100, 300)"), std::string::npos) << alerts[0].detail;  // the range
  EXPECT_NE(alerts[0].detail.find("38 matches in the range withheld"), std::string::npos) << alerts[0].detail;
  // Not one match of the unverified range was handed to the store (no candidate, observation or event).
  EXPECT_EQ(hit_set(store.hits).size(), 20u);
  for (const Hit& h : store.hits) EXPECT_LT(h.index, 100u) << h.name.ascii;
  EXPECT_EQ(r.hits, 0u);
  EXPECT_EQ(r.state.verified_size, 100u);
  EXPECT_EQ(r.state.next_index, 100u);  // rolled back: the unverified leaves will be fetched again
  EXPECT_NE(r.state.last_error.find("root mismatch"), std::string::npos);
  const auto saved = decode_state(store.states.begin()->second);
  ASSERT_TRUE(saved.has_value());
  EXPECT_EQ(saved->next_index, 100u);
  // Once the log serves the right bytes again, following resumes and verifies.
  log.set_faults(Faults{});
  r = sc.follow(tiled);
  ASSERT_FALSE(r.error) << r.error->what;
  EXPECT_TRUE(r.verified);
  EXPECT_EQ(hit_set(store.hits).size(), 60u);
  EXPECT_EQ(store.hits.size(), 60u);
}

TEST_P(Follow, PrefixesAreVerifiedBeforeTheHeadAndOnlyTheBadOneIsWithheld) {
  const bool tiled = GetParam();
  Scenario sc(700, 700);
  auto [log, store, alerts] = std::tie(sc.log, sc.store, sc.alerts);
  Faults f;
  f.tamper_leaf = 600;
  log.set_faults(f);
  sc.o.verify_every = 256;  // prefixes [0,256), [256,512) are proven against the head of 700 on their own
  const auto r = sc.follow(tiled);
  ASSERT_TRUE(r.error.has_value());
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_NE(alerts[0].detail.find("entries [512, 700)"), std::string::npos) << alerts[0].detail;
  EXPECT_EQ(r.state.verified_size, 512u);
  EXPECT_EQ(r.state.next_index, 512u);
  EXPECT_EQ(hit_set(store.hits).size(), 104u);  // paypal entries 0..510, two names each
  for (const Hit& h : store.hits) EXPECT_LT(h.index, 512u);
  EXPECT_GE(store.commits, 2u);
  // A proof that fails for a good prefix would show here: every prefix of a clean log verifies.
  log.set_faults(Faults{});
  MemoryStore clean;
  const auto c = follow_log(log_info(log, *sc.server, tiled), clean, paypal_matcher(), sc.o);
  ASSERT_FALSE(c.error) << c.error->what;
  EXPECT_TRUE(c.verified);
  EXPECT_EQ(clean.hits.size(), 140u);
}

TEST(FollowTiled, AStartFromHashTilesIsCheckedAgainstTheSignedRootBeforeItIsTrusted) {
  Scenario sc(600, 600);
  auto [log, store, alerts] = std::tie(sc.log, sc.store, sc.alerts);
  Faults f;
  f.tamper_hash_tiles = true;
  log.set_faults(f);
  sc.o.from = StartFrom::index;
  sc.o.from_index = 300;
  const auto r = sc.follow(true);
  ASSERT_TRUE(r.error.has_value());
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind, "root mismatch");
  EXPECT_NE(alerts[0].detail.find("hash tiles"), std::string::npos) << alerts[0].detail;
  EXPECT_EQ(r.state.verified_size, 0u);
  EXPECT_TRUE(store.states.empty());  // nothing recorded as verified (and --from still applies)
  EXPECT_EQ(log.requests("/tile/data"), 0u);
}

TEST_P(Follow, AnOlderHeadFromALaggingFrontendIsToleratedWithoutAnAlert) {
  const bool tiled = GetParam();
  Scenario sc(300, 200);
  auto [log, store, alerts] = std::tie(sc.log, sc.store, sc.alerts);
  auto r = sc.follow(tiled);
  ASSERT_FALSE(r.error) << r.error->what;
  log.publish(150);  // a frontend that has not caught up yet
  r = sc.follow(tiled);
  ASSERT_FALSE(r.error) << r.error->what;
  EXPECT_TRUE(alerts.empty()) << alerts[0].kind << ": " << alerts[0].detail;
  EXPECT_EQ(r.state.verified_size, 200u);
  EXPECT_EQ(r.state.next_index, 200u);
  EXPECT_EQ(r.state.head_size, 200u);
  log.publish(300);
  r = sc.follow(tiled);
  ASSERT_FALSE(r.error) << r.error->what;
  EXPECT_TRUE(r.verified);
  EXPECT_EQ(hit_set(store.hits).size(), 60u);
  EXPECT_EQ(store.hits.size(), 60u);
}

TEST_P(Follow, ANewLogWithAnEmptyTreeIsFollowedWithoutAnAlertUntilItGrows) {
  // New CT shards start at tree size 0, whose root is the hash of the empty string.
  const bool tiled = GetParam();
  Scenario sc(300, 0);
  auto [log, store, alerts] = std::tie(sc.log, sc.store, sc.alerts);
  auto r = sc.follow(tiled);
  ASSERT_FALSE(r.error) << r.error->what;
  EXPECT_TRUE(alerts.empty()) << alerts[0].kind << ": " << alerts[0].detail;
  EXPECT_EQ(r.state.verified_size, 0u);
  EXPECT_EQ(r.state.next_index, 0u);
  r = sc.follow(tiled);  // the same empty head again
  ASSERT_FALSE(r.error) << r.error->what;
  log.publish(300);
  r = sc.follow(tiled);
  ASSERT_FALSE(r.error) << r.error->what;
  EXPECT_TRUE(alerts.empty()) << alerts[0].kind << ": " << alerts[0].detail;
  EXPECT_TRUE(r.verified);
  EXPECT_EQ(r.state.verified_root, log.root(300));
  EXPECT_EQ(hit_set(store.hits).size(), 60u);
}

TEST(FollowRfc6962, AnOlderHeadThatContradictsTheVerifiedOneIsAnAlert) {
  Scenario sc(300, 200);
  auto [log, alerts] = std::tie(sc.log, sc.alerts);
  auto r = sc.follow(false);
  ASSERT_FALSE(r.error) << r.error->what;
  log.publish(150);
  Faults f;
  f.inconsistent_head = true;  // a validly signed head of 150 over another tree
  log.set_faults(f);
  r = sc.follow(false);
  ASSERT_TRUE(r.error.has_value());
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind, "inconsistent head");
  EXPECT_EQ(r.state.verified_size, 200u);
}

TEST_P(Follow, ABadSignatureIsReportedAndNothingIsFetched) {
  const bool tiled = GetParam();
  TestLog log;
  TestCa ca;
  fill(log, ca, 50);
  TestLogServer server(log);
  Faults f;
  f.bad_signature = true;
  log.set_faults(f);
  MemoryStore store;
  std::vector<Alert> alerts;
  FollowOptions o = once();
  o.on_alert = [&](const Alert& a) { alerts.push_back(a); };
  const auto r = follow_log(log_info(log, server, tiled), store, paypal_matcher(), o);
  ASSERT_TRUE(r.error.has_value());
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind, "bad signature");
  EXPECT_EQ(r.entries, 0u);
  EXPECT_EQ(log.requests(tiled ? "/tile/data" : "/ct/v1/get-entries"), 0u);
}

TEST_P(Follow, AnInconsistentHeadIsReported) {
  const bool tiled = GetParam();
  TestLog log;
  TestCa ca;
  fill(log, ca, 200);
  log.publish(120);
  TestLogServer server(log);
  MemoryStore store;
  std::vector<Alert> alerts;
  FollowOptions o = once();
  o.on_alert = [&](const Alert& a) { alerts.push_back(a); };
  auto r = follow_log(log_info(log, server, tiled), store, paypal_matcher(), o);
  ASSERT_FALSE(r.error);
  // Same size, another root, validly signed: a split view.
  Faults f;
  f.inconsistent_head = true;
  log.set_faults(f);
  r = follow_log(log_info(log, server, tiled), store, paypal_matcher(), o);
  ASSERT_TRUE(r.error.has_value());
  ASSERT_FALSE(alerts.empty());
  EXPECT_EQ(alerts.back().kind, "inconsistent head");
  // A larger head whose root is not an extension of ours.
  log.publish(200);
  r = follow_log(log_info(log, server, tiled), store, paypal_matcher(), o);
  ASSERT_TRUE(r.error.has_value());
  EXPECT_TRUE(alerts.back().kind == "inconsistent head" || alerts.back().kind == "root mismatch") << alerts.back().kind;
  EXPECT_EQ(r.state.verified_size, 120u);
}

TEST_P(Follow, AMalformedCertificateIsRecordedAndSkippedButStillFoldedAndVerified) {
  const bool tiled = GetParam();
  TestLog log;
  TestCa ca;
  fill(log, ca, 20);
  // An x509 entry whose "certificate" is not DER, with the leaf_index extension of index 20.
  Bytes te = {0, 0, 1, 0x8b, 0xcf, 0xe5, 0x68, 0, 0, 0};
  const Bytes junk = {0x30, 0x82, 0xff, 0xff, 'n', 'o', 't', ' ', 'd', 'e', 'r'};
  te.push_back(0);
  te.push_back(0);
  te.push_back(static_cast<std::uint8_t>(junk.size()));
  te.insert(te.end(), junk.begin(), junk.end());
  const Bytes ext = {0, 8, 0, 0, 5, 0, 0, 0, 0, 20};
  te.insert(te.end(), ext.begin(), ext.end());
  Bytes tile_entry = te;
  tile_entry.push_back(0);
  tile_entry.push_back(0);  // no chain fingerprints
  log.add_tile_entry(tile_entry);
  fill(log, ca, 20, 21);
  TestLogServer server(log);
  MemoryStore store;
  std::vector<std::uint64_t> bad;
  FollowOptions o = once();
  o.on_malformed = [&](std::string_view, std::uint64_t index, const Error& e) {
    bad.push_back(index);
    EXPECT_NE(e.what.find("DER"), std::string::npos) << e.what;
  };
  const auto r = follow_log(log_info(log, server, tiled), store, paypal_matcher(), o);
  ASSERT_FALSE(r.error) << r.error->what;
  EXPECT_TRUE(r.verified);
  EXPECT_EQ(r.state.verified_size, 41u);
  EXPECT_EQ(r.state.malformed, 1u);
  EXPECT_EQ(bad, std::vector<std::uint64_t>{20});
  EXPECT_EQ(hit_set(store.hits).size(), 8u);  // entries 0, 10, 30, 40 (x2 names); 20 is the junk
}

// The store of a follower running on another thread, read by the test while it runs.
class SharedStore : public MemoryStore {
 public:
  std::expected<std::optional<FollowState>, Error> load(std::string_view log_id) override {
    std::lock_guard lock(mu);
    return MemoryStore::load(log_id);
  }
  std::expected<void, Error> commit(std::string_view log_id, const FollowState& s, std::span<const Hit> h) override {
    std::lock_guard lock(mu);
    return MemoryStore::commit(log_id, s, h);
  }
  std::uint64_t verified() {
    std::lock_guard lock(mu);
    if (states.empty()) return 0;
    auto s = decode_state(states.begin()->second);
    return s ? s->verified_size : 0;
  }
  std::mutex mu;
};

// Waits for `done` with a generous bound (no timing assertion: a slow machine only waits longer).
bool eventually(const std::function<bool()>& done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// An HttpClient that runs `before` ahead of every GET and counts transport failures.
class WatchedClient : public net::HttpClient {
 public:
  WatchedClient(std::function<void(const std::string&)> before, std::atomic<int>& failures)
      : inner_(net::make_http_client()), before_(std::move(before)), failures_(failures) {}
  std::expected<net::HttpResponse, net::Error> get(const std::string& url) override {
    before_(url);
    auto r = inner_->get(url);
    if (!r) ++failures_;
    return r;
  }

 private:
  std::unique_ptr<net::HttpClient> inner_;
  std::function<void(const std::string&)> before_;
  std::atomic<int>& failures_;
};

TEST_P(Follow, ContinuousModeOutlivesAnOutageLongerThanTheRetryBudgetAndResumes) {
  const bool tiled = GetParam();
  TestLog log;
  TestCa ca;
  fill(log, ca, 300);
  log.publish(100);
  std::mutex server_mu;
  auto server = std::make_unique<TestLogServer>(log);
  const unsigned short port = server->port();
  const LogInfo info = log_info(log, *server, tiled);
  // The server goes down at the first entries request of the second catch-up (mid-way, where
  // the old follower gave up for good once a request's retries were spent).
  std::atomic<bool> armed{false};
  std::atomic<bool> down{false};
  std::atomic<int> failures{0};
  auto before = [&](const std::string& url) {
    const bool entries = url.find("get-entries") != std::string::npos || url.find("/tile/data/") != std::string::npos;
    if (entries && armed.exchange(false)) {
      std::lock_guard lock(server_mu);
      server.reset();
      down = true;
    }
  };
  SharedStore store;
  std::atomic<bool> stop{false};
  FollowOptions o = once();
  o.once = false;
  o.parallel = 1;
  o.poll = std::chrono::milliseconds(20);
  o.max_backoff = std::chrono::milliseconds(100);
  o.max_retries = 1;
  o.stop = &stop;
  o.client_factory = [&] { return std::make_unique<WatchedClient>(before, failures); };
  std::mutex status_mu;
  std::vector<FollowerStatus> statuses;
  o.on_status = [&](std::string_view, FollowerStatus s) {
    std::lock_guard lock(status_mu);
    statuses.push_back(s);
  };
  FollowResult r;
  std::thread follower([&] { r = follow_log(info, store, paypal_matcher(), o); });
  EXPECT_TRUE(eventually([&] { return store.verified() == 100; }));
  armed = true;
  log.publish(300);
  // Down for several times the old retry budget (max_retries + 1 attempts per request).
  EXPECT_TRUE(eventually([&] { return down.load() && failures.load() >= 6 * static_cast<int>(o.max_retries + 1); }));
  EXPECT_EQ(store.verified(), 100u);
  {
    std::lock_guard lock(server_mu);
    server = std::make_unique<TestLogServer>(log, port);
  }
  EXPECT_TRUE(eventually([&] { return store.verified() == 300; }));
  stop = true;
  follower.join();
  EXPECT_FALSE(r.error.has_value()) << r.error->what;
  EXPECT_EQ(r.state.verified_root, log.root(300));
  EXPECT_EQ(hit_set(store.hits).size(), 60u);
  EXPECT_EQ(store.hits.size(), 60u);
  std::lock_guard lock(status_mu);
  const std::vector<FollowerStatus> want = {FollowerStatus::following, FollowerStatus::retrying,
                                            FollowerStatus::following, FollowerStatus::stopped};
  EXPECT_EQ(statuses, want);
}

TEST(FollowTiled, TwoIssuersAreEachFetchedOnceWhileEntryRequestsAreInFlight) {
  TestLog log;
  TestCa ca1;
  TestCa ca2;
  for (std::size_t i = 0; i < 1500; ++i) {
    const std::string base = i % 10 == 0 ? "paypal-pay" + std::to_string(i) : "shop" + std::to_string(i);
    // The second issuer first appears in tile 1, fetched on slot 1 while slot 0 fetches tile 4.
    log.add_certificate(i < 256 ? ca1 : ca2, base + ".example", {base + ".example"}, false);
  }
  TestLogServer server(log);
  MemoryStore store;
  FollowOptions o = once();
  o.parallel = 4;  // every entry client busy while the follower fetches issuers
  const auto r = follow_log(log_info(log, server, true), store, paypal_matcher(), o);
  ASSERT_FALSE(r.error) << r.error->what;
  EXPECT_TRUE(r.verified);
  EXPECT_EQ(r.state.last_error, "");
  EXPECT_EQ(log.requests("/issuer/"), 2u);
  EXPECT_EQ(store.hits.size(), 150u);
}

INSTANTIATE_TEST_SUITE_P(BothApis, Follow, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) { return p.param ? std::string("Tiled") : std::string("Rfc6962"); });

TEST(RealTiles, TheNavigliEntriesServedThroughBothApisVerifyToTheRealRoot) {
  TestLog log;
  for (int t = 0; t < 4; ++t) {
    const std::string data = testing::read_fixture("static-ct/navigli2025h2/" + tile_path(-1, static_cast<std::uint64_t>(t)));
    std::span<const std::uint8_t> d(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
    while (!d.empty()) {
      const auto before = d;
      auto e = parse_tile_entry(d);
      ASSERT_TRUE(e.has_value());
      log.add_tile_entry(before.first(before.size() - d.size()));
    }
  }
  ASSERT_EQ(log.size(), 1024u);
  TestLogServer server(log);
  std::set<std::string> want;
  for (int t = 0; t < 4; ++t) {
    const std::string names = testing::read_fixture("static-ct/navigli2025h2/tile/names/" + tile_index_path(static_cast<std::uint64_t>(t)));
    // Every DNS name in the names tiles, as JSON strings: collect "...".
    std::size_t p = 0;
    while ((p = names.find("\"DNS\":[", p)) != std::string::npos) {
      p += 7;
      const std::size_t end = names.find(']', p);
      std::string list = names.substr(p, end - p);
      std::size_t q = 0;
      while ((q = list.find('"', q)) != std::string::npos) {
        const std::size_t e = list.find('"', q + 1);
        std::string n = list.substr(q + 1, e - q - 1);
        for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (n.starts_with("*.")) n.erase(0, 2);
        want.insert(n);
        q = e + 1;
      }
    }
  }
  for (const bool tiled : {false, true}) {
    MemoryStore store;
    std::set<std::string> seen;
    const NameMatcher every = [&](const CertName& n, std::vector<BrandMatch>&) {
      if (!n.from_cn) seen.insert(n.ascii);
    };
    const auto r = follow_log(log_info(log, server, tiled), store, every, once());
    ASSERT_FALSE(r.error) << r.error->what;
    EXPECT_TRUE(r.verified);
    EXPECT_EQ(base64_encode(r.state.verified_root), "EMfGG85uIddeOXt5/wdQGP3IQd0COCqoLg9Q6CsPLJA=");
    EXPECT_EQ(r.state.malformed, 0u);
    EXPECT_EQ(seen, want);
  }
}

TEST(Transport, HttpsWithAVerifiedCertificateFollowsAndAnUntrustedOneIsRefused) {
  TestLog log;
  TestCa ca;
  fill(log, ca, 40);
  const testing::TlsIdentity id = ca.server_identity("127.0.0.1");
  TestLogServer server(log, 0, &id);
  ASSERT_TRUE(server.url().starts_with("https://127.0.0.1:"));
  char path[] = "/tmp/lookalike-ct-ca-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << ca.pem();
  {
    MemoryStore store;
    FollowOptions o = once();
    o.http.ca_file = path;
    const auto r = follow_log(log_info(log, server, false), store, paypal_matcher(), o);
    ASSERT_FALSE(r.error) << r.error->what;
    EXPECT_TRUE(r.verified);
    EXPECT_EQ(hit_set(store.hits).size(), 8u);
  }
  {
    MemoryStore store;
    FollowOptions o = once();  // no trust anchor for the test CA
    o.max_retries = 1;
    const auto r = follow_log(log_info(log, server, false), store, paypal_matcher(), o);
    ASSERT_TRUE(r.error.has_value());
    EXPECT_NE(r.error->what.find("TLS handshake"), std::string::npos) << r.error->what;
    EXPECT_EQ(log.requests("/ct/v1/get-entries"), 1u);  // only the trusted run fetched (40 < batch)
  }
  std::remove(path);
}

TEST(Sources, AnApiMissingFromTheTableIsAnErrorNamingItAndNothingIsFetched) {
  TestLog log;
  TestCa ca;
  fill(log, ca, 5);
  TestLogServer server(log);
  LogInfo info = log_info(log, server, false);
  info.api = "rfc9999";
  MemoryStore store;
  const auto r = follow_log(info, store, paypal_matcher(), once());
  ASSERT_TRUE(r.error.has_value());
  EXPECT_NE(r.error->what.find("unknown CT API \"rfc9999\""), std::string::npos) << r.error->what;
  EXPECT_EQ(log.requests("/ct/v1/get-sth"), 0u);
}

TEST(Transport, AnUnreachableLogIsAnErrorValueAfterRetries) {
  TestLog log;
  TestCa ca;
  fill(log, ca, 5);
  std::string url;
  LogInfo info;
  {
    TestLogServer server(log);
    info = log_info(log, server, false);
  }  // stopped: the port now refuses connections
  MemoryStore store;
  FollowOptions o = once();
  o.max_retries = 2;
  const auto r = follow_log(info, store, paypal_matcher(), o);
  ASSERT_TRUE(r.error.has_value());
  EXPECT_NE(r.error->what.find("gave up"), std::string::npos) << r.error->what;
}

}  // namespace
}  // namespace lookalike::ctlog
