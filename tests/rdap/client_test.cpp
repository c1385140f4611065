// The client against a fake transport (retry and refusal logic) and against a real loopback RDAP
// server with a real RocksDB store (retries, malformed answers, the cache, bootstrap refresh).
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "index/index.hpp"
#include "rdap/rdap.hpp"
#include "tests/rdap/rdap_test_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace lookalike::rdap {
namespace {

namespace fs = std::filesystem;
using testing::bootstrap_json;
using testing::fixture;
using testing::RdapTestServer;
using testing::reply;
using testing::Reply;

// A temporary folder removed at the end of the test (also when it fails).
struct TempDir : lookalike::test_support::TempDir {
  TempDir() : lookalike::test_support::TempDir("lookalike-rdap") {}
};

std::string write_file(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}

Options fast_options(const std::string& bootstrap) {
  Options o;
  o.bootstrap_path = bootstrap;
  o.min_interval = std::chrono::milliseconds(1);
  o.timeout = std::chrono::milliseconds(5000);
  o.allow_loopback = true;
  return o;
}

// --- fake transport -------------------------------------------------------------------------

TEST(ClientLogic, RetriesA503ThenGivesUpNamingTheUrlAndStatus) {
  TempDir dir;
  Options o = fast_options(write_file(dir.path / "dns.json", bootstrap_json({"com"}, "https://rdap.test.example/")));
  std::atomic<int> calls{0};
  o.max_retries = 2;
  o.transport = [&](const std::string&) -> std::expected<Response, Error> {
    ++calls;
    return Response{503, "busy", std::chrono::seconds(0)};
  };
  auto c = Client::make(o);
  ASSERT_TRUE(c.has_value()) << c.error().what;
  auto r = c->lookup("example.com");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(r.error().http_status, 503u);
  EXPECT_NE(r.error().what.find("https://rdap.test.example/domain/example.com: HTTP 503 after 3 attempts"),
            std::string::npos)
      << r.error().what;
}

TEST(ClientLogic, GivesUpWhenRetryAfterIsOverTheCap) {
  TempDir dir;
  Options o = fast_options(write_file(dir.path / "dns.json", bootstrap_json({"com"}, "https://rdap.test.example/")));
  o.max_retry_after = std::chrono::seconds(5);
  std::atomic<int> calls{0};
  o.transport = [&](const std::string&) -> std::expected<Response, Error> {
    ++calls;
    return Response{429, "", std::chrono::seconds(3600)};
  };
  auto c = Client::make(o);
  ASSERT_TRUE(c.has_value());
  auto r = c->lookup("example.com");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(calls.load(), 1);
  EXPECT_NE(r.error().what.find("Retry-After 3600 s is over the 5 s cap"), std::string::npos) << r.error().what;
}

TEST(ClientLogic, TriesTheNextServerAfterATransportFailureButNotAfterA404) {
  TempDir dir;
  const std::string boot = R"({"services":[[["com"],["https://down.example/","https://up.example/"]]]})";
  Options o = fast_options(write_file(dir.path / "dns.json", boot));
  std::vector<std::string> urls;
  std::mutex mu;
  o.transport = [&](const std::string& url) -> std::expected<Response, Error> {
    std::lock_guard lock(mu);
    urls.push_back(url);
    if (url.starts_with("https://down.example/")) return std::unexpected(Error{"connect: Connection refused"});
    if (url.ends_with("/nx.com")) return Response{404, fixture("error_404.json"), std::nullopt};
    return Response{200, fixture("verisign_google_com.json"), std::nullopt};
  };
  auto c = Client::make(o);
  ASSERT_TRUE(c.has_value());
  auto r = c->lookup("www.google.com");  // the registrable domain is queried
  ASSERT_TRUE(r.has_value()) << r.error().what;
  EXPECT_EQ(r->server, "https://up.example/");
  EXPECT_EQ(r->registrar, "MarkMonitor Inc.");
  EXPECT_EQ(urls, (std::vector<std::string>{"https://down.example/domain/google.com", "https://up.example/domain/google.com"}));
  urls.clear();
  o.bootstrap_path = write_file(dir.path / "dns2.json", R"({"services":[[["com"],["https://up.example/","https://b.example/"]]]})");
  auto c2 = Client::make(o);
  ASSERT_TRUE(c2.has_value());
  auto nx = c2->lookup("nx.com");
  ASSERT_FALSE(nx.has_value());
  EXPECT_EQ(nx.error().http_status, 404u);
  EXPECT_EQ(urls.size(), 1u);  // the registry's "not found" is not retried elsewhere
}

TEST(ClientLogic, RefusesPrivateAndUnexpectedLoopbackServers) {
  TempDir dir;
  for (const char* base : {"https://10.1.2.3/", "https://169.254.169.254/latest/", "https://[fd00::1]/",
                           "https://[::ffff:192.168.0.1]/", "https://100.64.0.1/"}) {
    Options o = fast_options(write_file(dir.path / "dns.json", bootstrap_json({"com"}, base)));
    bool called = false;
    o.transport = [&](const std::string&) -> std::expected<Response, Error> {
      called = true;
      return Response{200, "{}", std::nullopt};
    };
    auto c = Client::make(o);
    ASSERT_TRUE(c.has_value());
    auto r = c->lookup("example.com");
    ASSERT_FALSE(r.has_value()) << base;
    EXPECT_FALSE(called) << base;
    EXPECT_NE(r.error().what.find("refusing"), std::string::npos) << r.error().what;
  }
  Options o = fast_options(write_file(dir.path / "dns.json", bootstrap_json({"com"}, "http://127.0.0.1:9/")));
  o.allow_loopback = false;
  o.transport = [](const std::string&) -> std::expected<Response, Error> { return Response{200, "{}", std::nullopt}; };
  auto c = Client::make(o);
  ASSERT_TRUE(c.has_value());
  auto r = c->lookup("example.com");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().what.find("refusing a loopback RDAP server"), std::string::npos) << r.error().what;
}

TEST(ClientLogic, ReportsAnUnknownTldAndABadName) {
  TempDir dir;
  Options o = fast_options(write_file(dir.path / "dns.json", bootstrap_json({"com"}, "https://rdap.test.example/")));
  o.transport = [](const std::string&) -> std::expected<Response, Error> { return Response{500, "", std::nullopt}; };
  auto c = Client::make(o);
  ASSERT_TRUE(c.has_value());
  auto r = c->lookup("example.org");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().what.find("no RDAP server for .org"), std::string::npos) << r.error().what;
  auto bad = c->lookup("exa mple..com");
  ASSERT_FALSE(bad.has_value());
  EXPECT_FALSE(bad.error().what.empty());
}

TEST(ClientLogic, SharesTheRateLimitBetweenThreads) {
  TempDir dir;
  Options o = fast_options(write_file(dir.path / "dns.json", bootstrap_json({"com"}, "https://rdap.test.example/")));
  o.min_interval = std::chrono::milliseconds(30);
  std::mutex mu;
  std::vector<std::chrono::steady_clock::time_point> when;
  o.transport = [&](const std::string&) -> std::expected<Response, Error> {
    {
      std::lock_guard lock(mu);
      when.push_back(std::chrono::steady_clock::now());
    }
    return Response{200, fixture("verisign_google_com.json"), std::nullopt};
  };
  auto c = Client::make(o);
  ASSERT_TRUE(c.has_value());
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] { EXPECT_TRUE(c->lookup("google.com").has_value()); });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(when.size(), 4u);
  // Not a speed check: the slots are booked one min_interval apart from the first, so the last
  // request cannot have started before three intervals passed, however the threads interleave.
  EXPECT_GE(*std::max_element(when.begin(), when.end()) - start, 3 * o.min_interval);
}

// --- loopback server + RocksDB ----------------------------------------------------------------

struct World {
  TempDir dir;
  std::atomic<int> throttle{0};  // answer 429 (Retry-After: 1) this many times first
  RdapTestServer server{[this](const std::string& target) -> Reply {
    if (throttle > 0) {
      --throttle;
      return Reply{429, R"({"errorCode":429,"title":"Too Many Requests"})", 1};
    }
    if (target == "/domain/google.com") return reply(200, fixture("verisign_google_com.json"));
    if (target == "/domain/paypa1-login.com") return reply(200, fixture("registrar_nested_abuse.json"));
    if (target == "/domain/broken.com") return Reply{200, "<html>oops</html>", std::nullopt, "text/html"};
    if (target == "/domain/wrongclass.com") return reply(200, R"({"objectClassName":"entity"})");
    return reply(404, fixture("error_404.json"));
  }};
  std::string bootstrap = write_file(dir.path / "dns.json", bootstrap_json({"com"}, server.url()));
};

TEST(ClientLoopback, FetchesParsesAndNamesTheServer) {
  World w;
  auto c = Client::make(fast_options(w.bootstrap));
  ASSERT_TRUE(c.has_value()) << c.error().what;
  auto r = c->lookup("google.com");
  ASSERT_TRUE(r.has_value()) << r.error().what;
  EXPECT_EQ(r->server, w.server.url());
  EXPECT_EQ(r->registrar_iana_id, 292u);
  EXPECT_GT(r->fetched, 0);
  auto nested = c->lookup("paypa1-login.com");
  ASSERT_TRUE(nested.has_value()) << nested.error().what;
  EXPECT_EQ(nested->abuse_email, "abuse@registrar.example");
  EXPECT_EQ(w.server.requests("/domain/"), 2u);
}

TEST(ClientLoopback, RetriesAfter429HonouringRetryAfter) {
  World w;
  w.throttle = 1;
  auto c = Client::make(fast_options(w.bootstrap));
  ASSERT_TRUE(c.has_value());
  auto r = c->lookup("google.com");
  ASSERT_TRUE(r.has_value()) << r.error().what;
  EXPECT_EQ(r->registrar, "MarkMonitor Inc.");
  EXPECT_EQ(w.server.requests("/domain/google.com"), 2u);  // the 429, then the answer
  EXPECT_EQ(w.throttle.load(), 0);
}

TEST(ClientLoopback, ReportsMalformedAnswersAndNotFoundWithTheUrl) {
  World w;
  auto c = Client::make(fast_options(w.bootstrap));
  ASSERT_TRUE(c.has_value());
  auto broken = c->lookup("broken.com");
  ASSERT_FALSE(broken.has_value());
  EXPECT_NE(broken.error().what.find(w.server.url() + "domain/broken.com: response: not JSON"), std::string::npos)
      << broken.error().what;
  auto wrong = c->lookup("wrongclass.com");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_NE(wrong.error().what.find("objectClassName is \"entity\""), std::string::npos) << wrong.error().what;
  auto nx = c->lookup("never-registered.com");
  ASSERT_FALSE(nx.has_value());
  EXPECT_EQ(nx.error().http_status, 404u);
  EXPECT_NE(nx.error().what.find("HTTP 404"), std::string::npos) << nx.error().what;
  // The client is still usable after all that.
  EXPECT_TRUE(c->lookup("google.com").has_value());
}

TEST(ClientLoopback, CachesInTheIndexAndReusesFreshRecordsWithoutARequest) {
  World w;
  TempDir db;
  auto store = index::Store::open((db.path / "db").string());
  ASSERT_TRUE(store.has_value()) << store.error().message;
  auto c = Client::make(fast_options(w.bootstrap));
  ASSERT_TRUE(c.has_value());

  auto first = c->lookup("google.com", &*store);
  ASSERT_TRUE(first.has_value()) << first.error().what;
  EXPECT_EQ(w.server.requests("/domain/"), 1u);
  auto second = c->lookup("google.com", &*store);
  ASSERT_TRUE(second.has_value()) << second.error().what;
  EXPECT_EQ(w.server.requests("/domain/"), 1u);  // served from the store
  EXPECT_EQ(*second, *first);

  auto saved = cached(*store, "google.com");
  ASSERT_TRUE(saved.has_value()) << saved.error().what;
  ASSERT_TRUE(saved->has_value());
  EXPECT_EQ(**saved, *first);

  auto refreshed = c->lookup("google.com", &*store, /*refresh=*/true);
  ASSERT_TRUE(refreshed.has_value());
  EXPECT_EQ(w.server.requests("/domain/"), 2u);

  // Too old for max_age: asked again.
  Options stale = fast_options(w.bootstrap);
  stale.max_age = std::chrono::hours(0);
  auto c2 = Client::make(stale);
  ASSERT_TRUE(c2.has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_TRUE(c2->lookup("google.com", &*store).has_value());
  EXPECT_EQ(w.server.requests("/domain/"), 3u);

  auto none = cached(*store, "paypa1-login.com");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
}

TEST(ClientLoopback, AChosenServerIsAskedForEveryNameAndOnlyItsCachedAnswersCount) {
  World w;
  TempDir db;
  auto store = index::Store::open((db.path / "db").string());
  ASSERT_TRUE(store.has_value()) << store.error().message;
  // The registry (through the bootstrap) answers first and is cached.
  auto c = Client::make(fast_options(w.bootstrap));
  ASSERT_TRUE(c.has_value());
  ASSERT_TRUE(c->lookup("google.com", &*store).has_value());
  EXPECT_EQ(w.server.requests("/domain/"), 1u);

  // A second server (say, the registrar's) that the bootstrap does not know about.
  RdapTestServer registrar([](const std::string& target) {
    return target == "/rdap/domain/google.com" ? reply(200, fixture("registrar_nested_abuse.json"))
                                               : reply(404, fixture("error_404.json"));
  });
  Options o = fast_options("");  // the embedded bootstrap: .com is Verisign, never asked here
  o.server = registrar.url() + "rdap";  // the trailing '/' is added
  auto direct = Client::make(o);
  ASSERT_TRUE(direct.has_value()) << direct.error().what;
  auto r = direct->lookup("google.com", &*store);
  ASSERT_TRUE(r.has_value()) << r.error().what;
  EXPECT_EQ(r->server, registrar.url() + "rdap/");
  EXPECT_EQ(r->registrar, "Example Registrar, Inc.");
  EXPECT_EQ(registrar.requests("/rdap/domain/google.com"), 1u);  // the registry's cached answer was not used
  ASSERT_TRUE(direct->lookup("google.com", &*store).has_value());
  EXPECT_EQ(registrar.requests("/rdap/domain/google.com"), 1u);  // its own cached answer is

  Options bad = fast_options("");
  bad.server = "ftp://rdap.example/";
  auto refused = Client::make(bad);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().what.find("not an http(s) base URL"), std::string::npos);
}

TEST(ClientLoopback, ADamagedCacheEntryIsRefetchedNotFatal) {
  World w;
  TempDir db;
  auto store = index::Store::open((db.path / "db").string());
  ASSERT_TRUE(store.has_value()) << store.error().message;
  ASSERT_TRUE(store->record_observation({"google.com", index::now_ms(), index::ObservationKind::rdap, "{not json"}));
  auto bad = cached(*store, "google.com");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().what.find("google.com: cached RDAP record"), std::string::npos) << bad.error().what;
  auto c = Client::make(fast_options(w.bootstrap));
  ASSERT_TRUE(c.has_value());
  auto r = c->lookup("google.com", &*store);
  ASSERT_TRUE(r.has_value()) << r.error().what;
  EXPECT_EQ(w.server.requests("/domain/"), 1u);
  auto now = cached(*store, "google.com");
  ASSERT_TRUE(now.has_value()) << now.error().what;
  EXPECT_EQ(**now, *r);
}

TEST(ClientLoopback, UpdateBootstrapValidatesAndReplacesTheFileAtomically) {
  TempDir dir;
  const std::string good = fixture("../../../data/rdap/dns.json");
  RdapTestServer server([&](const std::string& target) -> Reply {
    if (target == "/dns.json") return Reply{200, good, std::nullopt, "application/json"};
    return Reply{200, R"({"services":"nope"})", std::nullopt, "application/json"};
  });
  Options o;
  o.allow_loopback = true;
  const std::string out = (dir.path / "sub" / "dns.json").string();
  auto u = update_bootstrap(o, server.url() + "dns.json", out);
  ASSERT_TRUE(u.has_value()) << u.error().what;
  EXPECT_EQ(u->publication, "2026-06-26T18:00:02Z");
  EXPECT_EQ(u->services, 1199u);
  EXPECT_EQ(u->path, out);
  auto loaded = Bootstrap::load(out);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->publication(), "2026-06-26T18:00:02Z");

  auto bad = update_bootstrap(o, server.url() + "bad.json", out);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().what.find("bootstrap: no /services array"), std::string::npos) << bad.error().what;
  // The good file is untouched and no temporary file is left behind.
  EXPECT_TRUE(Bootstrap::load(out).has_value());
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path / "sub")) ++files;
  EXPECT_EQ(files, 1u);

  Options strict;
  auto refused = update_bootstrap(strict, server.url() + "dns.json", out);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().what.find("refusing a loopback"), std::string::npos);
}

}  // namespace
}  // namespace lookalike::rdap
