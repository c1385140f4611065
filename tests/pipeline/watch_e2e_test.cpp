// `lookalike watch` end to end, everything real and on loopback: the binary as a child process,
// the CT test log server growing while it runs, nsd serving (and reloading) the look-alikes'
// zone, RocksDB, a jsonl alert sink. kill -9 in the middle and a restart must neither lose nor
// repeat an alert; an `owned` verdict silences a name; SIGTERM ends with exit code 0.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "index/index.hpp"
#include "tests/ctlog/test_log_server.hpp"
#include "tests/support/nsd_server.hpp"
#include "tests/support/temp_dir.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using lookalike::ctlog::testing::TestCa;
using lookalike::ctlog::testing::TestLog;
using lookalike::ctlog::testing::TestLogServer;
using lookalike::test_support::NsdServer;
using lookalike::test_support::Zone;

struct TempDir : lookalike::test_support::TempDir {
  TempDir() : lookalike::test_support::TempDir("lookalike-watch") {}
};

// `lookalike watch` as a child with stdout/stderr in files; SIGKILLed and reaped by pid on
// destruction (also when an assertion fails).
class Watch {
 public:
  Watch(const std::string& config, const fs::path& log) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    std::vector<std::string> args = {LOOKALIKE_BINARY, "watch", "--config", config};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    if (pid_ <= 0) throw std::runtime_error("cannot start lookalike watch");
  }
  ~Watch() {
    if (pid_ > 0) kill9();
  }
  void kill9() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  // Sends SIGTERM and waits (up to `limit`, then SIGKILL) for the exit code; -1 if it did not exit.
  int terminate(std::chrono::seconds limit = 120s) {
    kill(pid_, SIGTERM);
    const auto until = std::chrono::steady_clock::now() + limit;
    int status = 0;
    while (std::chrono::steady_clock::now() < until) {
      const pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(50ms);
    }
    kill9();
    return -1;
  }
  [[nodiscard]] bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == 0) return true;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    pid_ = -1;
    return false;
  }
  // The exit code once running() has seen the process end, else -1.
  [[nodiscard]] int exit_code() const { return exit_code_; }

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

struct AlertLine {
  std::uint64_t seq = 0;
  std::string kind;
  std::string name;
  nlohmann::json json;
};

std::vector<AlertLine> read_alerts(const fs::path& file) {
  std::vector<AlertLine> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) continue;  // a line being written right now
    out.push_back(AlertLine{j.at("seq").get<std::uint64_t>(), j.at("kind").get<std::string>(),
                            j.at("name").get<std::string>(), j});
  }
  return out;
}

std::string file_text(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Polls until `done` holds (generous deadline: this is not a timing test).
// The store as a reader beside the running service (read-only: no lock needed).
auto open_read_only(const fs::path& db) {
  lookalike::index::Options o;
  o.read_only = true;
  o.create_if_missing = false;
  return lookalike::index::Store::open(db.string(), o);
}

bool eventually(const std::function<bool()>& done, std::chrono::seconds limit = 180s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return done();
}

bool has_alert(const fs::path& file, const std::string& kind, const std::string& name) {
  for (const auto& a : read_alerts(file)) {
    if (a.kind == kind && a.name == name) return true;
  }
  return false;
}

std::string com_zone(bool bank_mx, bool login_mx) {
  std::string z = "@ 3600 IN SOA ns.watch.invalid. hostmaster.watch.invalid. 1 3600 600 86400 60\n"
                  "@ NS ns.watch.invalid.\n"
                  "examp1ebank A 127.0.0.1\n"
                  "examplebank-login A 127.0.0.1\n"
                  "exarnplebank A 127.0.0.1\n";
  if (bank_mx) z += "examp1ebank MX 10 mail.examp1ebank.com.\nmail.examp1ebank A 127.0.0.1\n";
  if (login_mx) z += "examplebank-login MX 10 mail.examplebank-login.com.\nmail.examplebank-login A 127.0.0.1\n";
  return z;
}

// GET http://127.0.0.1:<port>/metrics (plain socket; the response body).
std::string scrape(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string r;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const std::string req = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      ssize_t n;
      while ((n = read(fd, buf, sizeof buf)) > 0) r.append(buf, static_cast<std::size_t>(n));
    }
  }
  close(fd);
  return r;
}

// The port of the last "metrics" log line of the watch's JSON log.
std::uint16_t metrics_port(const fs::path& log) {
  std::ifstream in(log);
  std::string line;
  std::uint16_t port = 0;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("msg", "") == "metrics") {
      const std::string url = j.value("url", "");
      port = static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
    }
  }
  return port;
}

TEST(WatchEndToEnd, AlertsArriveOnceThroughKillNineAndRestartAndOwnedNamesStaySilent) {
  TempDir tmp;
  TestCa ca;
  TestLog log;
  for (int i = 0; i < 3; ++i) log.add_certificate(ca, "unrelated" + std::to_string(i) + ".org", {"unrelated" + std::to_string(i) + ".org"}, false);
  TestLogServer server(log);
  NsdServer nsd({Zone{"com", com_zone(false, false)}});

  const fs::path db = tmp.path / "db";
  const fs::path alerts = tmp.path / "alerts.jsonl";
  const fs::path list = tmp.path / "loglist.json";
  const fs::path config = tmp.path / "watch.toml";
  const fs::path out = tmp.path / "watch.log";
  std::ofstream(list) << lookalike::ctlog::testing::log_list_json(log, server.url(), false);
  std::ofstream(config) << "db = \"" << db.string() << "\"\n"
                        << "[[brands]]\ndomain = \"examplebank.com\"\nbudget = 0\n"
                        << "[ct]\nlog_list = \"" << list.string() << "\"\nstart = \"start\"\npoll = \"200ms\"\n"
                        << "[dns]\nservers = [\"" << nsd.address() << "\"]\ntimeout = \"500ms\"\nattempts = 3\n"
                        << "[probe]\nenabled = false\n"
                        // Test log timestamps are from 2023, so CT names are not "new": every class is short here.
                        << "[schedule]\nnew = \"1s\"\nchanging = \"1s\"\nregistered = \"1s\"\nunregistered = \"2s\"\n"
                        << "[[sinks]]\ntype = \"jsonl\"\npath = \"" << alerts.string() << "\"\n"
                        << "[metrics]\naddress = \"127.0.0.1\"\nport = 0\n"
                        << "[log]\nlevel = \"debug\"\nformat = \"json\"\n";

  const std::string bank = "examp1ebank.com", login = "examplebank-login.com", rn = "exarnplebank.com";
  {
    Watch w(config.string(), out);
    // A certificate for a new look-alike: new-lookalike from CT, then registered once resolved.
    log.add_certificate(ca, bank, {bank, "www." + bank}, true);
    ASSERT_TRUE(eventually([&] { return has_alert(alerts, "registered", bank); })) << file_text(out);
    log.add_certificate(ca, login, {login}, false);
    ASSERT_TRUE(eventually([&] { return has_alert(alerts, "registered", login); })) << file_text(out);
    // Another certificate for a name already known.
    log.add_certificate(ca, bank, {bank}, false);
    ASSERT_TRUE(eventually([&] { return has_alert(alerts, "certificate", bank); })) << file_text(out);
    // An MX record appears for it.
    nsd.reload({Zone{"com", com_zone(true, false)}});
    ASSERT_TRUE(eventually([&] { return has_alert(alerts, "mx-appeared", bank); })) << file_text(out);
    ASSERT_TRUE(w.running());
    w.kill9();  // possibly between a delivery and its acknowledgement
  }

  {
    // The analyst marks the combosquat as ours while the service is down.
    auto store = lookalike::index::Store::open(db.string());
    ASSERT_TRUE(store.has_value()) << store.error().message;
    ASSERT_TRUE(store->put_verdict(login, {lookalike::index::Decision::owned, "our campaign site", 0}).has_value());
  }
  nsd.reload({Zone{"com", com_zone(true, true)}});
  log.add_certificate(ca, login, {login}, false);  // silenced: owned
  log.add_certificate(ca, rn, {rn}, false);        // a new look-alike after the restart
  {
    Watch w(config.string(), out);
    ASSERT_TRUE(eventually([&] { return has_alert(alerts, "registered", rn); })) << file_text(out);
    // Wait until the owned name has been re-checked with its new MX (read-only: no lock needed).
    ASSERT_TRUE(eventually([&] {
      auto s = open_read_only(db);
      if (!s) return false;
      auto c = s->get_candidate(login);
      return c && *c && (*c)->state && ((*c)->state->flags & lookalike::index::state_flag::has_mx) &&
             (*c)->ct.size() == 2;
    })) << file_text(out);
    // And the feed is drained past that point: every event before it has been acknowledged.
    ASSERT_TRUE(eventually([&] {
      auto s = open_read_only(db);
      if (!s) return false;
      auto st = s->stats();
      auto acked = s->acked("watch");
      return st && acked && *acked == st->last_event_seq;
    })) << file_text(out);
    // Metrics on the loopback endpoint: per-log position, refreshes, alerts by kind.
    const std::string metrics = scrape(metrics_port(out));
    if (const char* keep = std::getenv("LOOKALIKE_WATCH_E2E_SAVE"); keep != nullptr && *keep != '\0') {
      std::ofstream(fs::path(keep) / "metrics.txt") << metrics;
    }
    EXPECT_NE(metrics.find("lookalike_ct_lag_entries{log=\"Loopback\"} 0"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("lookalike_alerts_total{kind=\"registered\"}"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("lookalike_names_refreshed_total"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("lookalike_ct_entries_processed_total{log=\"Loopback\"} 2"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("lookalike_dns_queries_total"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("lookalike_ct_follower_state{log=\"Loopback\",state=\"following\"} 1"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("lookalike_ct_follower_state{log=\"Loopback\",state=\"stopped\"} 0"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("lookalike_ct_head_problem{log=\"Loopback\",problem=\"stale\"} 0"), std::string::npos) << metrics;
    EXPECT_EQ(w.terminate(), 0) << file_text(out);
  }

  // For documentation: LOOKALIKE_WATCH_E2E_SAVE=DIR keeps the alert file and the service's log.
  if (const char* keep = std::getenv("LOOKALIKE_WATCH_E2E_SAVE"); keep != nullptr && *keep != '\0') {
    std::error_code ec;
    fs::copy_file(alerts, fs::path(keep) / "alerts.jsonl", fs::copy_options::overwrite_existing, ec);
    fs::copy_file(out, fs::path(keep) / "watch.log", fs::copy_options::overwrite_existing, ec);
  }
  const auto got = read_alerts(alerts);
  std::set<std::uint64_t> seqs;
  std::multiset<std::pair<std::string, std::string>> kinds;
  for (const auto& a : got) {
    EXPECT_TRUE(seqs.insert(a.seq).second) << "alert seq " << a.seq << " delivered twice";
    if (a.kind != "level-changed") kinds.emplace(a.kind, a.name);
    EXPECT_TRUE(a.json.contains("evidence")) << a.json.dump();
    EXPECT_EQ(a.json.at("brands"), nlohmann::json::array({"examplebank.com"})) << a.json.dump();
  }
  const std::multiset<std::pair<std::string, std::string>> expected = {
      {"new-lookalike", bank}, {"registered", bank}, {"certificate", bank}, {"mx-appeared", bank},
      {"new-lookalike", "www." + bank},  // the certificate's other name (NXDOMAIN: nothing more)
      {"new-lookalike", login}, {"registered", login},
      {"new-lookalike", rn}, {"registered", rn},
  };
  EXPECT_EQ(kinds, expected) << file_text(alerts);
  // Nothing about the owned name after its verdict (its MX and certificate came later).
  for (const auto& a : got) {
    if (a.name == login) {
      EXPECT_TRUE(a.kind == "new-lookalike" || a.kind == "registered" || a.kind == "level-changed") << a.json.dump();
    }
  }
  // The alert carries its evidence: the MX host from the DNS answers.
  for (const auto& a : got) {
    if (a.kind == "mx-appeared") {
      EXPECT_NE(a.json.dump().find("mail.examp1ebank.com"), std::string::npos) << a.json.dump();
    }
  }
}

}  // namespace

namespace {

// Runs `lookalike <args>` to completion; returns the exit code, output in `out`.
int run_cli(const std::vector<std::string>& args, const fs::path& log, std::string* out = nullptr) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
  std::vector<std::string> full = {LOOKALIKE_BINARY};
  full.insert(full.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : full) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  if (out) *out = file_text(log);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Before anything happened, /metrics already has every series (at 0), the build information and
// the store gauges, and Debian's promtool accepts the exposition.
TEST(WatchEndToEnd, MetricsHaveEverySeriesFromStartUpAndPassPromtool) {
  TempDir tmp;
  TestCa ca;
  TestLog log;
  log.add_certificate(ca, "unrelated.org", {"unrelated.org"}, false);
  TestLogServer server(log);
  const fs::path list = tmp.path / "loglist.json";
  const fs::path config = tmp.path / "watch.toml";
  const fs::path out = tmp.path / "watch.log";
  const fs::path alerts = tmp.path / "alerts.jsonl";
  std::ofstream(list) << lookalike::ctlog::testing::log_list_json(log, server.url(), false);
  std::ofstream(config) << "db = \"" << (tmp.path / "db").string() << "\"\n"
                        << "[[brands]]\ndomain = \"examplebank.com\"\nbudget = 0\n"
                        << "[ct]\nlog_list = \"" << list.string() << "\"\nstart = \"end\"\npoll = \"200ms\"\n"
                        << "[dns]\nservers = [\"127.0.0.1:9\"]\ntimeout = \"200ms\"\n"
                        << "[probe]\nenabled = false\n"
                        << "[[sinks]]\ntype = \"jsonl\"\npath = \"" << alerts.string() << "\"\n"
                        << "[metrics]\naddress = \"127.0.0.1\"\nport = 0\n"
                        << "[log]\nformat = \"json\"\n";
  Watch w(config.string(), out);
  ASSERT_TRUE(eventually([&] { return metrics_port(out) != 0; })) << file_text(out);
  const std::string response = scrape(metrics_port(out));
  const auto body_at = response.find("\r\n\r\n");
  ASSERT_NE(body_at, std::string::npos) << response;
  const std::string metrics = response.substr(body_at + 4);
  for (const std::string& line :
       {std::string("lookalike_dns_outages_total 0"), std::string("lookalike_names_refreshed_total 0"),
        std::string("lookalike_dns_queries_total 0"), std::string("lookalike_generated_candidates_total 0"),
        std::string("lookalike_alerts_total{kind=\"mx-appeared\"} 0"), std::string("lookalike_alerts_total{kind=\"new-lookalike\"} 0"),
        std::string("lookalike_feed_files_total{outcome=\"failed\"} 0"),
        std::string("lookalike_probe_sessions_total{outcome=\"refused_address\"} 0"),
        std::string("lookalike_ct_lag_entries{log=\"Loopback\"} "), std::string("lookalike_ct_entries_processed_total{log=\"Loopback\"} "),
        std::string("lookalike_build_info{version=\"0.1.0\",compiler=\""), std::string("lookalike_store_brands 1"),
        std::string("lookalike_store_candidates{state=\"unchecked\"} 0"), std::string("lookalike_store_candidates{state=\"live\"} 0"),
        std::string("lookalike_store_verdicts{decision=\"malicious\"} 0"), std::string("lookalike_store_verdicts{decision=\"owned\"} 0")}) {
    EXPECT_NE(metrics.find("\n" + line), std::string::npos) << line << " missing from\n" << metrics;
  }
  EXPECT_NE(metrics.find("lookalike_alert_delivery_failures_total{sink=\""), std::string::npos) << metrics;
  // promtool reads the exposition on stdin; lint problems (a counter without _total, a missing
  // HELP, bad label syntax) make it fail and print them.
  const fs::path scraped = tmp.path / "metrics.txt";
  std::ofstream(scraped) << metrics;
  const std::string cmd = "promtool check metrics < " + scraped.string() + " > " + (tmp.path / "promtool.txt").string() + " 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << file_text(tmp.path / "promtool.txt") << "\n" << metrics;
  EXPECT_EQ(w.terminate(), 0) << file_text(out);
}

TEST(WatchCommand, AnInvalidConfigIsOneLineNamingKeyAndPositionWithExitCodeTwo) {
  TempDir tmp;
  const fs::path config = tmp.path / "watch.toml";
  std::ofstream(config) << "[dns]\nservers = [\"127.0.0.2:53\"]\n\n[schedule]\nnew = \"soon\"\n";
  std::string out;
  EXPECT_EQ(run_cli({"watch", "--config", config.string()}, tmp.path / "out", &out), 2);
  EXPECT_EQ(out, "lookalike: " + config.string() +
                     ":5:7: schedule.new: bad duration \"soon\" (expected e.g. \"15m\", \"6h\", \"7d\", \"1h30m\")\n");
  EXPECT_EQ(run_cli({"watch", "--config", (tmp.path / "missing.toml").string()}, tmp.path / "out", &out), 2);
  EXPECT_EQ(out, "lookalike: cannot read config " + (tmp.path / "missing.toml").string() + "\n");
  EXPECT_EQ(run_cli({"watch", "--check", "--config", LOOKALIKE_SOURCE_DIR "/contrib/watch.example.toml"}, tmp.path / "out", &out), 0);
  EXPECT_EQ(out, std::string(LOOKALIKE_SOURCE_DIR) + "/contrib/watch.example.toml: OK (2 brands, 3 sinks)\n");
}

TEST(WatchCommand, OnceCatchesUpRefreshesDeliversAndExits) {
  TempDir tmp;
  TestCa ca;
  TestLog log;
  log.add_certificate(ca, "examp1ebank.com", {"examp1ebank.com"}, false);
  log.add_certificate(ca, "unrelated.org", {"unrelated.org"}, false);
  TestLogServer server(log);
  NsdServer nsd({Zone{"com", com_zone(true, false)}});
  const fs::path alerts = tmp.path / "alerts.jsonl";
  const fs::path list = tmp.path / "loglist.json";
  const fs::path config = tmp.path / "watch.toml";
  std::ofstream(list) << lookalike::ctlog::testing::log_list_json(log, server.url(), false);
  std::ofstream(config) << "db = \"" << (tmp.path / "db").string() << "\"\n"
                        << "[[brands]]\ndomain = \"examplebank.com\"\nbudget = 0\n"
                        << "[ct]\nlog_list = \"" << list.string() << "\"\nstart = \"start\"\n"
                        << "[dns]\nservers = [\"" << nsd.address() << "\"]\n"
                        << "[probe]\nenabled = false\n"
                        << "[[sinks]]\ntype = \"jsonl\"\npath = \"" << alerts.string() << "\"\n";
  std::string out;
  ASSERT_EQ(run_cli({"watch", "--once", "--config", config.string()}, tmp.path / "out", &out), 0) << out;
  std::multiset<std::pair<std::string, std::string>> kinds;
  for (const auto& a : read_alerts(alerts)) kinds.emplace(a.kind, a.name);
  EXPECT_EQ(kinds, (std::multiset<std::pair<std::string, std::string>>{{"new-lookalike", "examp1ebank.com"},
                                                                      {"registered", "examp1ebank.com"}}))
      << out;
  // A second run finds nothing new: no alert repeated.
  ASSERT_EQ(run_cli({"watch", "--once", "--config", config.string()}, tmp.path / "out", &out), 0) << out;
  EXPECT_EQ(read_alerts(alerts).size(), 2u) << file_text(alerts);
}

// Generated look-alikes are stored and checked like CT hits: a top-ranked one the zone serves
// raises `registered` with no certificate anywhere, and they are generated again only when the
// brand's inputs change (its fingerprint).
TEST(WatchCommand, StoresGeneratedCandidatesAlertsOnARegisteredOneAndRegeneratesOnChange) {
  TempDir tmp;
  // exmplebank.com: an omission under .com, among the brand's 10 most likely names.
  NsdServer nsd({Zone{"com", "@ 3600 IN SOA ns.watch.invalid. hostmaster.watch.invalid. 1 3600 600 86400 60\n"
                             "@ NS ns.watch.invalid.\nexmplebank A 127.0.0.1\n"}});
  const fs::path alerts = tmp.path / "alerts.jsonl";
  const fs::path config = tmp.path / "watch.toml";
  const auto write_config = [&](const std::string& brand_extra) {
    std::ofstream(config) << "db = \"" << (tmp.path / "db").string() << "\"\n"
                          << "[[brands]]\ndomain = \"examplebank.com\"\nbudget = 20\n" << brand_extra
                          << "[ct]\nenabled = false\n"
                          << "[dns]\nservers = [\"" << nsd.address() << "\"]\n"
                          << "[probe]\nenabled = false\n"
                          << "[[sinks]]\ntype = \"jsonl\"\npath = \"" << alerts.string() << "\"\n";
  };
  write_config("");
  std::string out;
  ASSERT_EQ(run_cli({"watch", "--once", "--config", config.string()}, tmp.path / "out", &out), 0) << out;
  std::multiset<std::pair<std::string, std::string>> kinds;
  for (const auto& a : read_alerts(alerts)) kinds.emplace(a.kind, a.name);
  EXPECT_EQ(kinds, (std::multiset<std::pair<std::string, std::string>>{{"registered", "exmplebank.com"}})) << out;
  EXPECT_NE(out.find("generated candidates brand=examplebank.com"), std::string::npos) << out;
  EXPECT_NE(out.find("generated candidates brand=examplebank.com names=20 "), std::string::npos) << out;

  // The store has the generated names with their fuzzers as provenance.
  {
    auto store = lookalike::index::Store::open((tmp.path / "db").string());
    ASSERT_TRUE(store) << store.error().message;
    std::size_t rows = 0;
    ASSERT_TRUE(store->visit_candidates([&](const lookalike::index::Candidate& c) {
      ++rows;
      EXPECT_EQ(c.brands, std::vector<std::string>{"examplebank.com"}) << c.name;
      EXPECT_FALSE(c.fuzzers.empty()) << c.name;
      return true;
    }));
    EXPECT_EQ(rows, 20u);
    auto hit = store->get_candidate("exmplebank.com");
    ASSERT_TRUE(hit && *hit);
    const auto& f = (*hit)->fuzzers;
    EXPECT_NE(std::find(f.begin(), f.end(), "omission"), f.end());
  }

  // Same inputs: not generated again, no alert repeated.
  ASSERT_EQ(run_cli({"watch", "--once", "--config", config.string()}, tmp.path / "out", &out), 0) << out;
  EXPECT_EQ(out.find("generated candidates brand=examplebank.com"), std::string::npos) << out;
  EXPECT_EQ(read_alerts(alerts).size(), 1u) << file_text(alerts);
  // A new keyword changes the brand's fingerprint: generated again.
  write_config("keywords = [\"secure\"]\n");
  ASSERT_EQ(run_cli({"watch", "--once", "--config", config.string()}, tmp.path / "out", &out), 0) << out;
  EXPECT_NE(out.find("generated candidates brand=examplebank.com"), std::string::npos) << out;
  EXPECT_EQ(read_alerts(alerts).size(), 1u) << file_text(alerts);
}

// DIR/watch.toml: store DIR/db, one brand with `budget` generated names, no CT, no probes, one
// DNS server with the given extra [dns] keys, alerts to DIR/alerts.jsonl.
void write_dns_only_config(const fs::path& dir, int budget, const std::string& server, const std::string& dns_keys) {
  std::ofstream(dir / "watch.toml") << "db = \"" << (dir / "db").string() << "\"\n"
                                    << "[[brands]]\ndomain = \"examplebank.com\"\nbudget = " << budget << "\n"
                                    << "[ct]\nenabled = false\n"
                                    << "[dns]\nservers = [\"" << server << "\"]\n" << dns_keys
                                    << "[probe]\nenabled = false\n"
                                    << "[[sinks]]\ntype = \"jsonl\"\npath = \"" << (dir / "alerts.jsonl").string() << "\"\n";
}

// No resolver answers: the scheduler stores nothing (no generated name becomes "unregistered"),
// logs the outage and pauses; a SIGTERM during the pause still stops it cleanly.
TEST(WatchCommand, AnOutagePausesTheSchedulerStoresNoOutcomeAndSigtermStillStopsIt) {
  TempDir tmp;
  const fs::path config = tmp.path / "watch.toml";
  const fs::path log = tmp.path / "out";
  const std::string dead = "127.0.0.1:" + std::to_string(lookalike::test_support::free_loopback_port());
  write_dns_only_config(tmp.path, 5, dead, "timeout = \"200ms\"\n");
  {
    Watch w(config.string(), log);
    ASSERT_TRUE(eventually([&] { return file_text(log).find("DNS outage, scheduler paused") != std::string::npos; }))
        << file_text(log);
    EXPECT_TRUE(w.running());
    EXPECT_EQ(w.terminate(), 0) << file_text(log);
  }
  EXPECT_NE(file_text(log).find("no live resolver left: " + dead), std::string::npos) << file_text(log);
  auto store = lookalike::index::Store::open((tmp.path / "db").string());
  ASSERT_TRUE(store) << store.error().message;
  std::size_t stored = 0;
  ASSERT_TRUE(store->visit_candidates([&](const lookalike::index::Candidate& c) {
    ++stored;
    EXPECT_FALSE(c.score.has_value()) << c.name << " was scored during an outage";
    EXPECT_FALSE(c.state.has_value()) << c.name << " got a state during an outage";
    return true;
  }));
  EXPECT_EQ(stored, 5u);
}

// A resolver that takes the queries and never answers, with long timeouts: the refresh round is
// stuck in DNS when SIGTERM arrives. watch abandons the uncommitted round (it is redone after a
// restart) and exits 0 long before the round's timeouts would have run out; nothing half-done
// is stored.
TEST(WatchCommand, SigtermDuringARefreshStuckOnASilentResolverStopsPromptly) {
  TempDir tmp;
  // Bound and never read: queries are accepted by the kernel and go unanswered.
  const int silent = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(bind(silent, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(getsockname(silent, reinterpret_cast<sockaddr*>(&a), &len), 0);
  const std::string server = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  const fs::path config = tmp.path / "watch.toml";
  const fs::path log = tmp.path / "out";
  write_dns_only_config(tmp.path, 200, server, "timeout = \"20s\"\nattempts = 3\n");
  {
    Watch w(config.string(), log);
    ASSERT_TRUE(eventually([&] { return file_text(log).find("generated candidates") != std::string::npos; })) << file_text(log);
    std::this_thread::sleep_for(500ms);  // the refresh round has sent its first queries
    EXPECT_EQ(file_text(log).find("DNS outage"), std::string::npos) << "not stuck: " << file_text(log);
    // Bounded far below what the stuck round would take (3 attempts of 20 s per name).
    EXPECT_EQ(w.terminate(30s), 0) << file_text(log);
  }
  close(silent);
  auto store = lookalike::index::Store::open((tmp.path / "db").string());
  ASSERT_TRUE(store) << store.error().message;
  std::size_t stored = 0;
  ASSERT_TRUE(store->visit_candidates([&](const lookalike::index::Candidate& c) {
    ++stored;
    EXPECT_FALSE(c.state.has_value()) << c.name << " got a state from an abandoned round";
    return true;
  }));
  EXPECT_EQ(stored, 200u);
}

// Followers retry for ever; one that ends anyway (here: a log ID that is not its key's hash, a
// setup error) leaves no CT at all, so `watch` exits non-zero for systemd to restart it.
TEST(WatchCommand, ExitsNonZeroWhenEveryCtFollowerHasStopped) {
  TempDir tmp;
  TestCa ca;
  TestLog log;
  log.add_certificate(ca, "unrelated.org", {"unrelated.org"}, false);
  TestLogServer server(log);
  const fs::path list = tmp.path / "loglist.json";
  const fs::path config = tmp.path / "watch.toml";
  const fs::path out = tmp.path / "out";
  std::string json = lookalike::ctlog::testing::log_list_json(log, server.url(), false);
  const std::string id = log.log_id_b64();
  json.replace(json.find(id), id.size(), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  std::ofstream(list) << json;
  const std::string dead = "127.0.0.1:" + std::to_string(lookalike::test_support::free_loopback_port());
  std::ofstream(config) << "db = \"" << (tmp.path / "db").string() << "\"\n"
                        << "[[brands]]\ndomain = \"examplebank.com\"\nbudget = 0\n"
                        << "[ct]\nlog_list = \"" << list.string() << "\"\nstart = \"start\"\n"
                        << "[dns]\nservers = [\"" << dead << "\"]\ntimeout = \"200ms\"\n"
                        << "[probe]\nenabled = false\n"
                        << "[[sinks]]\ntype = \"jsonl\"\npath = \"" << (tmp.path / "alerts.jsonl").string() << "\"\n";
  Watch w(config.string(), out);
  ASSERT_TRUE(eventually([&] { return !w.running(); })) << file_text(out);
  EXPECT_EQ(w.exit_code(), 1) << file_text(out);
  EXPECT_NE(file_text(out).find("every CT log follower stopped"), std::string::npos) << file_text(out);
}

// [[feeds]]: a new file in a feed directory is ingested once, its matching look-alike stored,
// checked and alerted on like a CT hit; a second run does not take the same file again.
TEST(WatchCommand, IngestsNewFeedFilesOnceAndAlertsOnTheirRegisteredMatches) {
  TempDir tmp;
  NsdServer nsd({Zone{"com", com_zone(false, false)}});
  const fs::path feed = tmp.path / "nrd";
  fs::create_directories(feed);
  std::ofstream(feed / "nrd-2026-12-01.txt") << "examp1ebank.com\nunrelated.org\nweather-today.net\n";
  const fs::path alerts = tmp.path / "alerts.jsonl";
  const fs::path config = tmp.path / "watch.toml";
  std::ofstream(config) << "db = \"" << (tmp.path / "db").string() << "\"\n"
                        << "[[brands]]\ndomain = \"examplebank.com\"\nbudget = 0\n"
                        << "[[feeds]]\ndir = \"" << feed.string() << "\"\nformat = \"list\"\nsource = \"nrd\"\n"
                        << "[ct]\nenabled = false\n"
                        << "[dns]\nservers = [\"" << nsd.address() << "\"]\n"
                        << "[probe]\nenabled = false\n"
                        << "[[sinks]]\ntype = \"jsonl\"\npath = \"" << alerts.string() << "\"\n";
  std::string out;
  ASSERT_EQ(run_cli({"watch", "--once", "--config", config.string()}, tmp.path / "out", &out), 0) << out;
  EXPECT_NE(out.find("feed file ingested file=" + (feed / "nrd-2026-12-01.txt").string()), std::string::npos) << out;
  EXPECT_TRUE(has_alert(alerts, "registered", "examp1ebank.com")) << file_text(alerts) << out;
  for (const auto& a : read_alerts(alerts)) EXPECT_EQ(a.name, "examp1ebank.com") << a.json.dump();
  const std::size_t delivered = read_alerts(alerts).size();

  // The ledger remembers the file: nothing ingested or alerted again.
  ASSERT_EQ(run_cli({"watch", "--once", "--config", config.string()}, tmp.path / "out", &out), 0) << out;
  EXPECT_EQ(out.find("feed file ingested"), std::string::npos) << out;
  EXPECT_EQ(read_alerts(alerts).size(), delivered) << file_text(alerts);
}

// [[feeds]] with zone files: a look-alike delegated by day 1's zone and gone from day 2's is a
// `deleted` alert, delivered through the sinks like `registered` (and selectable by kind).
TEST(WatchCommand, AlertsOnALookalikeThatDisappearedFromAZoneFeed) {
  TempDir tmp;
  NsdServer nsd({Zone{"com", com_zone(false, false)}});
  const fs::path feed = tmp.path / "czds";
  fs::create_directories(feed);
  const std::string soa = "com.\t900\tin\tsoa\ta.gtld-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 900\n";
  auto delegation = [](const std::string& name) { return name + ".\t172800\tin\tns\tns1.dnsowl.com.\n"; };
  std::ofstream(feed / "com-2026-12-01.txt")
      << soa << delegation("examp1ebank.com") << delegation("exarnplebank.com") << delegation("weather-today.com");
  const fs::path alerts = tmp.path / "alerts.jsonl";
  const fs::path deletions = tmp.path / "deleted.jsonl";
  const fs::path config = tmp.path / "watch.toml";
  std::ofstream(config) << "db = \"" << (tmp.path / "db").string() << "\"\n"
                        << "[[brands]]\ndomain = \"examplebank.com\"\nbudget = 0\n"
                        << "[[feeds]]\ndir = \"" << feed.string() << "\"\nformat = \"zone\"\n"
                        << "[ct]\nenabled = false\n"
                        << "[dns]\nservers = [\"" << nsd.address() << "\"]\n"
                        << "[probe]\nenabled = false\n"
                        << "[[sinks]]\ntype = \"jsonl\"\npath = \"" << alerts.string() << "\"\n"
                        << "[[sinks]]\ntype = \"jsonl\"\npath = \"" << deletions.string() << "\"\nkinds = [\"deleted\"]\n";
  std::string out;
  ASSERT_EQ(run_cli({"watch", "--once", "--config", config.string()}, tmp.path / "out", &out), 0) << out;
  EXPECT_NE(out.find("feed file ingested file=" + (feed / "com-2026-12-01.txt").string()), std::string::npos) << out;
  EXPECT_FALSE(has_alert(alerts, "deleted", "examp1ebank.com")) << file_text(alerts);
  EXPECT_TRUE(read_alerts(deletions).empty()) << file_text(deletions);

  // Day 2: the operator's download job drops the next zone; examp1ebank.com is gone from it.
  std::ofstream(feed / "com-2026-12-02.txt") << soa << delegation("exarnplebank.com") << delegation("weather-today.com");
  ASSERT_EQ(run_cli({"watch", "--once", "--config", config.string()}, tmp.path / "out", &out), 0) << out;
  EXPECT_NE(out.find("feed file ingested file=" + (feed / "com-2026-12-02.txt").string()), std::string::npos) << out;
  EXPECT_TRUE(has_alert(alerts, "deleted", "examp1ebank.com")) << file_text(alerts) << out;
  EXPECT_FALSE(has_alert(alerts, "deleted", "exarnplebank.com")) << file_text(alerts);
  const auto only_deleted = read_alerts(deletions);
  ASSERT_EQ(only_deleted.size(), 1u) << file_text(deletions);
  EXPECT_EQ(only_deleted[0].name, "examp1ebank.com");
  EXPECT_EQ(only_deleted[0].json["detail"], "zone:com@2026-12-02 examplebank.com") << only_deleted[0].json.dump();
  EXPECT_EQ(only_deleted[0].json["brands"], nlohmann::json::array({"examplebank.com"}));
}

}  // namespace
