// `lookalike review`, `report --verdict` and `export` end to end: a real store built by
// `lookalike scan` against the fixture world (nsd, SMTP, HTTP(S) on 127.0.0.1), verdicts set by
// the real binary (by name and through the key-driven queue fed from a pipe), then the report
// and every export format checked against their specifications' required structure.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <list>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/rdap/rdap_test_server.hpp"
#include "tests/sandbox/world.hpp"
#include "tests/support/csv.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using lookalike::test_support::csv_records;
using lookalike::test_support::ProcessResult;
using lookalike::test_support::run_process;
using nlohmann::json;

struct TempDir : lookalike::test_support::TempDir {
  TempDir() : lookalike::test_support::TempDir("lookalike-review") {}
};

std::vector<json> jsonl(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(json::parse(line));
  }
  return out;
}

const std::regex kRfc3339Ms(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$)");
// The times of the candidate JSON (README "Candidate JSON"): RFC 3339 UTC to the second.
const std::regex kRfc3339(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$)");
const std::regex kStixId(R"(^[a-z0-9-]+--[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$)");

class ReviewWorld : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    world_ = new lookalike::sandbox::World();
    db_ = new TempDir();
    std::vector<std::string> argv = {LOOKALIKE_BINARY, "--db", db_->path.string(), "scan", "--resolvers",
                                     world_->resolver(), "--smtp-port", std::to_string(world_->smtp_port()),
                                     "--http-port", std::to_string(world_->http_port()), "--https-port",
                                     std::to_string(world_->https_port()), "--probe-timeout", "3000",
                                     "--allow-private", "--format", "jsonl"};
    argv.insert(argv.end(), lookalike::sandbox::kBrands.begin(), lookalike::sandbox::kBrands.end());
    scan_ = new ProcessResult(run_process(argv));
  }
  static void TearDownTestSuite() {
    delete scan_;
    delete db_;
    delete world_;
  }
  void SetUp() override { ASSERT_EQ(scan_->exit_code, 0) << scan_->err; }

  // Runs the binary on a copy of the scanned store, so tests do not see each other's verdicts.
  ProcessResult lookalike(const std::string& db, std::vector<std::string> args, const std::string& input = {}) {
    std::vector<std::string> argv = {LOOKALIKE_BINARY, "--db", db};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, input);
  }
  // The note of the one threat exported with `verdict` ("" with a test failure otherwise).
  std::string only_note(const std::string& db, const std::string& verdict) {
    auto exp = lookalike(db, {"export", "--format", "jsonl", "--verdict", verdict, "--no-rdap"});
    EXPECT_EQ(exp.exit_code, 0) << exp.err;
    const auto rows = jsonl(exp.out);
    EXPECT_EQ(rows.size(), 1u) << exp.out;
    return rows.size() == 1 ? rows[0].at("verdict").at("note").get<std::string>() : std::string();
  }
  std::string fresh_store() {
    dirs_.emplace_back();
    const auto to = dirs_.back().path / "db";
    std::filesystem::copy(db_->path, to, std::filesystem::copy_options::recursive);
    return to.string();
  }

  static lookalike::sandbox::World* world_;
  static TempDir* db_;
  static ProcessResult* scan_;
  std::list<TempDir> dirs_;
};
lookalike::sandbox::World* ReviewWorld::world_ = nullptr;
TempDir* ReviewWorld::db_ = nullptr;
ProcessResult* ReviewWorld::scan_ = nullptr;

std::map<std::string, std::string> verdicts_of(const std::string& report_jsonl) {
  std::map<std::string, std::string> v;
  for (const auto& j : jsonl(report_jsonl)) v[j.at("name")] = j.at("verdict").is_null() ? "" : j.at("verdict").at("decision").get<std::string>();
  return v;
}

TEST_F(ReviewWorld, AVerdictIsStoredOverwrittenAndShownInTheReport) {
  const std::string db = fresh_store();
  auto r = lookalike(db, {"review", "EXARNPLEBANK.com", "--verdict", "suspicious"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "exarnplebank.com: suspicious\n");
  r = lookalike(db, {"review", "exarnplebank.com", "--verdict", "malicious", "--note", "phishing kit, reported"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "exarnplebank.com: malicious (was suspicious), note \"phishing kit, reported\"\n");
  // The U-label of a look-alike is accepted too.
  r = lookalike(db, {"review", "exàmplebank.com", "--verdict", "parked"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "xn--exmplebank-i4a.com: parked\n");

  auto rep = lookalike(db, {"report", "--format", "jsonl"});
  ASSERT_EQ(rep.exit_code, 0) << rep.err;
  auto v = verdicts_of(rep.out);
  EXPECT_EQ(v.at("exarnplebank.com"), "malicious");
  EXPECT_EQ(v.at("xn--exmplebank-i4a.com"), "parked");
  EXPECT_EQ(v.at("examp1epay.net"), "");
  // Every format carries the verdict.
  auto table = lookalike(db, {"report", "--format", "table"});
  EXPECT_NE(table.out.find("VERDICT"), std::string::npos);
  EXPECT_NE(table.out.find("malicious"), std::string::npos);
  auto csv = lookalike(db, {"report", "--format", "csv"});
  EXPECT_NE(csv.out.find(",malicious,"), std::string::npos) << csv.out;
}

TEST_F(ReviewWorld, UnknownNamesAndDecisionsAreClearErrors) {
  const std::string db = fresh_store();
  auto r = lookalike(db, {"review", "never-seen-before.com", "--verdict", "malicious"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("never-seen-before.com is not a candidate"), std::string::npos) << r.err;
  r = lookalike(db, {"review", "exarnplebank.com", "--verdict", "evil"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("malicious, suspicious, benign, parked, owned"), std::string::npos) << r.err;
  r = lookalike(db, {"review", "not a domain", "--verdict", "malicious"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = lookalike(db, {"review", "exarnplebank.com"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  auto missing = lookalike((dirs_.back().path / "nothing-here").string(), {"review", "a.com", "--verdict", "benign"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_FALSE(missing.err.empty());
}

TEST_F(ReviewWorld, TheQueueWalksUnreviewedNamesByScoreWithPipedKeys) {
  const std::string db = fresh_store();
  // Already decided: not in the queue.
  ASSERT_EQ(lookalike(db, {"review", "exarnplebank.com", "--verdict", "malicious"}).exit_code, 0);
  // m (examp1epay.net, 100), N + note then b (examplebnak.com, 86), n skips examp1ebank.com (76), q quits.
  auto q = lookalike(db, {"review", "--queue"}, "m\nN\nlooks like our own test site\nb\nn\nq\n");
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.out.find("exarnplebank.com"), std::string::npos) << "reviewed names are not queued";
  const auto first = q.out.find("examp1epay.net");
  ASSERT_NE(first, std::string::npos) << q.out;
  EXPECT_NE(q.out.find("score: 100 critical"), std::string::npos) << q.out;
  EXPECT_NE(q.out.find("DNS: answer"), std::string::npos) << q.out;
  EXPECT_NE(q.out.find("probe ("), std::string::npos) << q.out;
  EXPECT_NE(q.out.find("reviewed 2, skipped 1"), std::string::npos) << q.out;

  auto rep = lookalike(db, {"report", "--format", "jsonl", "--all"});
  ASSERT_EQ(rep.exit_code, 0) << rep.err;
  const auto v = verdicts_of(rep.out);
  EXPECT_EQ(v.at("examp1epay.net"), "malicious");
  // By score: examplebnak.com (86) decided, then examp1ebank.com (76) skipped.
  EXPECT_EQ(v.at("examplebnak.com"), "benign");
  EXPECT_EQ(v.at("examp1ebank.com"), "");
  EXPECT_EQ(only_note(db, "benign"), "looks like our own test site");

  // --min-score leaves out what scores lower; an exhausted queue says so.
  auto high = lookalike(db, {"review", "--queue", "--min-score", "90"}, "q\n");
  ASSERT_EQ(high.exit_code, 0) << high.err;
  EXPECT_NE(high.out.find("nothing to review"), std::string::npos) << high.out;
}

// `lookalike review --queue` on a real terminal (a pseudo-terminal): `lookalike` as the child on
// the slave side, the test typing on the master side. Killed by pid if it outlives the test.
class Terminal {
 public:
  explicit Terminal(const std::vector<std::string>& args) {
    if (openpty(&master_, &slave_, nullptr, nullptr, nullptr) != 0) throw std::runtime_error("openpty failed");
    (void)fcntl(master_, F_SETFD, FD_CLOEXEC);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) posix_spawn_file_actions_adddup2(&fa, slave_, fd);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("cannot start " + args[0]);
  }
  ~Terminal() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(master_);
    close(slave_);
  }
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  void type(std::string_view keys) {
    mark_ = screen_.size();
    ASSERT_EQ(write(master_, keys.data(), keys.size()), static_cast<ssize_t>(keys.size()));
  }
  // Reads the screen until `text` appears after what was shown when keys were last typed (true)
  // or 20 s pass (false).
  bool wait_for(std::string_view text) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (screen_.find(text, mark_) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{master_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char buf[4096];
      const ssize_t n = read(master_, buf, sizeof buf);
      if (n <= 0) return false;
      screen_.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }
  int wait_exit() {
    int status = 0;
    for (int i = 0; i < 200; ++i) {
      char buf[4096];
      pollfd p{master_, POLLIN, 0};
      if (poll(&p, 1, 0) > 0) {
        const ssize_t n = read(master_, buf, sizeof buf);
        if (n > 0) screen_.append(buf, static_cast<std::size_t>(n));
      }
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      usleep(100'000);
    }
    return -2;  // still running after 20 s
  }
  [[nodiscard]] int slave() const { return slave_; }
  [[nodiscard]] const std::string& screen() const { return screen_; }

 private:
  int master_ = -1, slave_ = -1;
  pid_t pid_ = -1;
  std::string screen_;
  std::size_t mark_ = 0;
};

TEST_F(ReviewWorld, TheQueueTakesSingleKeysOnATerminalAndRestoresIt) {
  const std::string db = fresh_store();
  termios before{};
  Terminal t({LOOKALIKE_BINARY, "--db", db, "review", "--queue"});
  ASSERT_EQ(tcgetattr(t.slave(), &before), 0);
  ASSERT_TRUE((before.c_lflag & ICANON) != 0 && (before.c_lflag & ECHO) != 0);
  // The two at 100 come by name: examp1epay.net, then exarnplebank.com.
  ASSERT_TRUE(t.wait_for("examp1epay.net")) << t.screen();
  // One key, no Enter: only a terminal in non-canonical mode hands it over before a newline.
  t.type("m");
  ASSERT_TRUE(t.wait_for("exarnplebank.com")) << t.screen();
  // A note is a whole line, typed with echo and line editing; then the decision key.
  t.type("N");
  ASSERT_TRUE(t.wait_for("note: ")) << t.screen();
  t.type("kit seen in the wild\n");
  ASSERT_TRUE(t.wait_for("kit seen in the wild")) << "the note is echoed\n" << t.screen();
  ASSERT_TRUE(t.wait_for("[q]uit > ")) << t.screen();  // back to single keys
  t.type("s");
  ASSERT_TRUE(t.wait_for("score: 86")) << t.screen();
  t.type("q");
  EXPECT_EQ(t.wait_exit(), 0) << t.screen();
  EXPECT_NE(t.screen().find("reviewed 2"), std::string::npos) << t.screen();
  // The terminal is back in line mode with echo, as it was.
  termios after{};
  ASSERT_EQ(tcgetattr(t.slave(), &after), 0);
  EXPECT_EQ(after.c_lflag & (ICANON | ECHO), before.c_lflag & (ICANON | ECHO));

  auto rep = lookalike(db, {"report", "--format", "jsonl", "--all"});
  ASSERT_EQ(rep.exit_code, 0) << rep.err;
  const auto v = verdicts_of(rep.out);
  EXPECT_EQ(v.at("examp1epay.net"), "malicious");
  EXPECT_EQ(v.at("exarnplebank.com"), "suspicious");
  EXPECT_EQ(only_note(db, "suspicious"), "kit seen in the wild");
}

TEST_F(ReviewWorld, BenignAndOwnedAreHiddenUnlessAskedFor) {
  const std::string db = fresh_store();
  ASSERT_EQ(lookalike(db, {"review", "examplepay.com", "--verdict", "owned"}).exit_code, 0);
  ASSERT_EQ(lookalike(db, {"review", "exmplebank.com", "--verdict", "benign"}).exit_code, 0);
  ASSERT_EQ(lookalike(db, {"review", "examp1epay.net", "--verdict", "malicious"}).exit_code, 0);
  auto def = verdicts_of(lookalike(db, {"report", "--format", "jsonl"}).out);
  EXPECT_FALSE(def.contains("examplepay.com"));
  EXPECT_FALSE(def.contains("exmplebank.com"));
  EXPECT_TRUE(def.contains("examp1epay.net"));
  EXPECT_TRUE(def.contains("examplebnak.com"));
  auto all = verdicts_of(lookalike(db, {"report", "--format", "jsonl", "--all"}).out);
  EXPECT_EQ(all.at("examplepay.com"), "owned");
  EXPECT_EQ(all.at("exmplebank.com"), "benign");
  auto only = verdicts_of(lookalike(db, {"report", "--format", "jsonl", "--verdict", "owned,malicious"}).out);
  EXPECT_EQ(only.size(), 2u);
  EXPECT_EQ(only.at("examplepay.com"), "owned");
  EXPECT_EQ(only.at("examp1epay.net"), "malicious");
  auto none = verdicts_of(lookalike(db, {"report", "--format", "jsonl", "--verdict", "none"}).out);
  EXPECT_TRUE(none.contains("examplebnak.com"));
  EXPECT_FALSE(none.contains("examp1epay.net"));
  EXPECT_EQ(lookalike(db, {"report", "--verdict", "bogus"}).exit_code, 2);
}

class ExportWorld : public ReviewWorld {
 protected:
  void SetUp() override {
    ReviewWorld::SetUp();
    db = fresh_store();
    ASSERT_EQ(lookalike(db, {"review", "exarnplebank.com", "--verdict", "malicious", "--note", "kit \"v2\", reported"}).exit_code, 0);
    ASSERT_EQ(lookalike(db, {"review", "examp1epay.net", "--verdict", "malicious"}).exit_code, 0);
    ASSERT_EQ(lookalike(db, {"review", "examplebnak.com", "--verdict", "suspicious"}).exit_code, 0);
    ASSERT_EQ(lookalike(db, {"review", "examplepay.com", "--verdict", "owned"}).exit_code, 0);
  }
  std::string db;
};

TEST_F(ExportWorld, JsonLinesCarryTheFullEvidenceOfEachMaliciousThreat) {
  auto r = lookalike(db, {"export", "--format", "jsonl", "--no-rdap"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = jsonl(r.out);
  ASSERT_EQ(rows.size(), 2u);  // default filter: malicious only
  EXPECT_EQ(rows[0].at("name"), "examp1epay.net");  // highest score first, ties (both 100) by name
  EXPECT_EQ(rows[1].at("name"), "exarnplebank.com");
  const json& t = rows[1];
  EXPECT_EQ(t.at("brands"), json::array({"examplebank.com"}));
  EXPECT_GT(t.at("score").get<int>(), 0);
  EXPECT_FALSE(t.at("reasons").empty());
  EXPECT_EQ(t.at("verdict").at("decision"), "malicious");
  EXPECT_EQ(t.at("verdict").at("note"), "kit \"v2\", reported");
  EXPECT_TRUE(std::regex_match(t.at("verdict").at("time").get<std::string>(), kRfc3339));
  // Similarity: rn -> m is two edits on the label.
  EXPECT_FALSE(t.at("similarity").at("fuzzers").empty());
  EXPECT_EQ(t.at("similarity").at("brands")[0].at("brand"), "examplebank.com");
  EXPECT_EQ(t.at("similarity").at("brands")[0].at("edit_distance"), 2);
  // DNS evidence with timestamps and the records nsd served.
  EXPECT_EQ(t.at("dns").at("outcome"), "answer");
  ASSERT_FALSE(t.at("dns").at("observations").empty());
  const json& obs = t.at("dns").at("observations").back();
  EXPECT_TRUE(std::regex_match(obs.at("time").get<std::string>(), kRfc3339));
  EXPECT_FALSE(obs.at("types").at("A").at("records").empty());
  EXPECT_FALSE(obs.at("types").at("MX").at("records").empty());
  // Probe evidence: a web answer with title/hash and a mail banner.
  ASSERT_FALSE(t.at("probes").empty());
  const json& p = t.at("probes").back();
  bool web = false, banner = false;
  for (const auto& w : p.at("web")) web = web || (w.at("status").get<int>() > 0 && w.contains("page_hash"));
  for (const auto& m : p.at("mail")) banner = banner || !m.at("banner").get<std::string>().empty();
  EXPECT_TRUE(web) << p.dump();
  EXPECT_TRUE(banner) << p.dump();
  EXPECT_TRUE(t.at("rdap").is_null());
}

TEST_F(ExportWorld, StixBundleHasTheRequiredPropertiesOfEveryObjectType) {
  auto r = lookalike(db, {"export", "--format", "stix", "--verdict", "malicious,suspicious", "--no-rdap"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json b = json::parse(r.out);
  EXPECT_EQ(b.at("type"), "bundle");
  EXPECT_TRUE(std::regex_match(b.at("id").get<std::string>(), kStixId));
  EXPECT_EQ(b.at("id").get<std::string>().rfind("bundle--", 0), 0u);
  std::map<std::string, int> count;
  std::set<std::string> ids, domain_values;
  std::map<std::string, std::string> domain_id_of;
  for (const auto& o : b.at("objects")) {
    const std::string type = o.at("type");
    ++count[type];
    const std::string id = o.at("id");
    EXPECT_TRUE(std::regex_match(id, kStixId)) << id;
    EXPECT_EQ(id.rfind(type + "--", 0), 0u) << id;
    EXPECT_TRUE(ids.insert(id).second) << "duplicate id " << id;
    EXPECT_EQ(o.at("spec_version"), "2.1");
    if (type == "domain-name") {
      domain_values.insert(o.at("value"));
      domain_id_of[o.at("value")] = id;
      EXPECT_EQ(id[13 + 14], '5') << "domain-name ids are UUIDv5 (deterministic)";
    } else if (type != "ipv4-addr" && type != "ipv6-addr") {  // SDOs and SROs
      EXPECT_TRUE(std::regex_match(o.at("created").get<std::string>(), kRfc3339Ms));
      EXPECT_TRUE(std::regex_match(o.at("modified").get<std::string>(), kRfc3339Ms));
    }
    if (type == "indicator") {
      EXPECT_EQ(o.at("pattern_type"), "stix");
      EXPECT_TRUE(std::regex_match(o.at("valid_from").get<std::string>(), kRfc3339Ms));
      const std::string pattern = o.at("pattern");
      std::smatch m;
      ASSERT_TRUE(std::regex_match(pattern, m, std::regex(R"(^\[domain-name:value = '([^'\\]+)'\]$)"))) << pattern;
      const std::string kind = o.at("indicator_types")[0];
      EXPECT_TRUE(kind == "malicious-activity" || kind == "anomalous-activity") << kind;
      if (m[1] == "examplebnak.com") {
        EXPECT_EQ(kind, "anomalous-activity");
      }
      if (m[1] == "exarnplebank.com") {
        EXPECT_EQ(kind, "malicious-activity");
      }
      EXPECT_NE(o.at("description").get<std::string>().find("DNS answer"), std::string::npos);
      EXPECT_FALSE(o.at("labels").empty());
    }
    if (type == "relationship") {
      EXPECT_EQ(o.at("relationship_type"), "based-on");
      EXPECT_EQ(o.at("source_ref").get<std::string>().rfind("indicator--", 0), 0u);
      EXPECT_EQ(o.at("target_ref").get<std::string>().rfind("domain-name--", 0), 0u);
    }
    if (type == "identity") {
      EXPECT_FALSE(o.at("name").get<std::string>().empty());
    }
    if (type == "note") {
      EXPECT_FALSE(o.at("object_refs").empty());
    }
  }
  EXPECT_EQ(count["identity"], 1);
  EXPECT_EQ(count["domain-name"], 3);
  EXPECT_EQ(count["indicator"], 3);
  EXPECT_EQ(count["relationship"], 3);
  EXPECT_GE(count["ipv4-addr"], 1);
  EXPECT_EQ(domain_values, (std::set<std::string>{"exarnplebank.com", "examp1epay.net", "examplebnak.com"}));
  // Every reference points into the bundle.
  for (const auto& o : b.at("objects")) {
    for (const char* k : {"source_ref", "target_ref", "created_by_ref"}) {
      if (o.contains(k)) {
        EXPECT_TRUE(ids.contains(o.at(k).get<std::string>())) << o.at(k);
      }
    }
    for (const char* k : {"object_refs", "resolves_to_refs"}) {
      if (o.contains(k)) {
        for (const auto& ref : o.at(k)) EXPECT_TRUE(ids.contains(ref.get<std::string>())) << ref;
      }
    }
  }
  // Deterministic SCO ids: a second export names the same domain the same way, random ids differ.
  const json again = json::parse(lookalike(db, {"export", "--format", "stix", "--no-rdap"}).out);
  for (const auto& o : again.at("objects")) {
    if (o.at("type") == "domain-name") {
      EXPECT_EQ(o.at("id"), domain_id_of.at(o.at("value")));
    }
  }
  EXPECT_NE(again.at("id"), b.at("id"));
}

TEST_F(ExportWorld, MispEventHasTheRequiredFieldsAndTypedAttributes) {
  const std::string file = (dirs_.back().path / "event.json").string();
  auto r = lookalike(db, {"export", "--format", "misp", "--no-rdap", "--output", file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(file);
  const json doc = json::parse(in);
  const json& e = doc.at("Event");
  const std::regex uuid(R"(^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$)");
  EXPECT_TRUE(std::regex_match(e.at("uuid").get<std::string>(), uuid));
  EXPECT_FALSE(e.at("info").get<std::string>().empty());
  EXPECT_TRUE(std::regex_match(e.at("date").get<std::string>(), std::regex(R"(^\d{4}-\d{2}-\d{2}$)")));
  EXPECT_TRUE(std::regex_match(e.at("timestamp").get<std::string>(), std::regex(R"(^\d+$)")));
  EXPECT_TRUE(std::set<std::string>({"1", "2", "3", "4"}).contains(e.at("threat_level_id").get<std::string>()));
  EXPECT_TRUE(std::set<std::string>({"0", "1", "2"}).contains(e.at("analysis").get<std::string>()));
  EXPECT_TRUE(std::set<std::string>({"0", "1", "2", "3", "4"}).contains(e.at("distribution").get<std::string>()));
  EXPECT_EQ(e.at("published"), false);
  std::map<std::string, std::set<std::string>> by_type;
  // MISP core format: each type is only valid in some categories.
  const std::map<std::string, std::set<std::string>> allowed = {
      {"domain", {"Network activity", "External analysis"}},
      {"ip-dst", {"Network activity", "External analysis"}},
      {"hostname", {"Network activity", "External analysis"}},
      {"x509-fingerprint-sha256", {"Network activity", "External analysis", "Attribution", "Payload installation"}},
      {"whois-registrar", {"Attribution"}},
      {"email-src", {"Network activity", "Payload delivery", "Social network", "Attribution"}},
      {"phone-number", {"Other", "Person", "Financial fraud", "Attribution"}},
      {"datetime", {"Other"}},
      {"text", {"Other", "External analysis", "Attribution"}}};
  for (const auto& a : e.at("Attribute")) {
    EXPECT_TRUE(std::regex_match(a.at("uuid").get<std::string>(), uuid));
    const std::string type = a.at("type");
    ASSERT_TRUE(allowed.contains(type)) << type;
    EXPECT_TRUE(allowed.at(type).contains(a.at("category").get<std::string>())) << type << " in " << a.at("category");
    EXPECT_TRUE(a.at("to_ids").is_boolean());
    EXPECT_FALSE(a.at("value").get<std::string>().empty());
    by_type[type].insert(a.at("value").get<std::string>());
    if (type == "domain") {
      EXPECT_EQ(a.at("to_ids"), true);
    }
  }
  EXPECT_EQ(by_type["domain"], (std::set<std::string>{"exarnplebank.com", "examp1epay.net"}));
  EXPECT_FALSE(by_type["ip-dst"].empty());
  EXPECT_FALSE(by_type["text"].empty());
  EXPECT_FALSE(e.at("Tag").empty());
}

TEST_F(ExportWorld, CsvHasOneRecordPerThreatAndTheHeadersColumnCount) {
  auto r = lookalike(db, {"export", "--format", "csv", "--verdict", "malicious,suspicious,owned", "--no-rdap"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto recs = csv_records(r.out);
  ASSERT_EQ(recs.size(), 5u);  // header + 4 threats
  const auto& header = recs[0];
  for (const auto& rec : recs) EXPECT_EQ(rec.size(), header.size());
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  for (const char* c : {"name", "verdict", "verdict_note", "score", "a", "mx", "web", "ct_certificates", "registrar", "abuse_email"}) {
    EXPECT_TRUE(col.contains(c)) << c;
  }
  std::set<std::string> names;
  for (std::size_t i = 1; i < recs.size(); ++i) {
    names.insert(recs[i][col["name"]]);
    if (recs[i][col["name"]] == "exarnplebank.com") {
      EXPECT_EQ(recs[i][col["verdict_note"]], "kit \"v2\", reported");
      EXPECT_FALSE(recs[i][col["a"]].empty());
    }
  }
  EXPECT_EQ(names, (std::set<std::string>{"exarnplebank.com", "examp1epay.net", "examplebnak.com", "examplepay.com"}));
  // --brand narrows to that brand's look-alikes.
  const auto pay = csv_records(lookalike(db, {"export", "--format", "csv", "--brand", "examplepay.net", "--no-rdap"}).out);
  ASSERT_EQ(pay.size(), 2u);
  EXPECT_EQ(pay[1][col["name"]], "examp1epay.net");
}

TEST_F(ExportWorld, CachedRdapFactsAreUsedWithoutNetworkAndMissingOnesReported) {
  // No cached record: --rdap-cache-only never touches the network and says why there is none.
  auto r = lookalike(db, {"export", "--format", "jsonl", "--rdap-cache-only"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& t : jsonl(r.out)) EXPECT_EQ(t.at("rdap").at("error"), "no cached RDAP record");
  EXPECT_EQ(lookalike(db, {"export", "--format", "yaml"}).exit_code, 2);
  EXPECT_EQ(lookalike(db, {"export", "--format", "csv", "--verdict", "evil"}).exit_code, 2);
}

TEST_F(ExportWorld, LiveRdapLookupsReachTheFeedAndTheCache) {
  // A loopback RDAP server for .com and .net (named by a bootstrap file, which is what allows
  // loopback): one registered name with a registrar, one the registry does not know.
  lookalike::rdap::testing::RdapTestServer rdap([](const std::string& target) {
    if (target == "/domain/exarnplebank.com") return lookalike::rdap::testing::reply(200, lookalike::rdap::testing::fixture("registrar_nested_abuse.json"));
    return lookalike::rdap::testing::reply(404, lookalike::rdap::testing::fixture("error_404.json"));
  });
  TempDir dir;
  const std::string bootstrap = (dir.path / "dns.json").string();
  std::ofstream(bootstrap) << lookalike::rdap::testing::bootstrap_json({"com", "net"}, rdap.url());

  auto r = lookalike(db, {"export", "--format", "jsonl", "--rdap-bootstrap", bootstrap});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, json> by_name;
  for (const auto& t : jsonl(r.out)) by_name[t.at("name")] = t;
  ASSERT_EQ(by_name.size(), 2u) << r.out;  // the two malicious names
  const json& bank = by_name.at("exarnplebank.com").at("rdap");
  EXPECT_EQ(bank.at("registrar"), "Example Registrar, Inc.");
  EXPECT_EQ(bank.at("registrar_iana_id"), 9999);
  EXPECT_EQ(bank.at("abuse_email"), "abuse@registrar.example");
  EXPECT_EQ(bank.at("server"), rdap.url());
  const json& pay = by_name.at("examp1epay.net").at("rdap");
  ASSERT_TRUE(pay.contains("error")) << pay;
  EXPECT_NE(pay.at("error").get<std::string>().find("404"), std::string::npos) << pay;
  EXPECT_EQ(rdap.requests("/domain/"), 2u);

  // The record found was cached in the store: a cache-only export has it without a request.
  auto cached = lookalike(db, {"export", "--format", "jsonl", "--rdap-cache-only"});
  ASSERT_EQ(cached.exit_code, 0) << cached.err;
  for (const auto& t : jsonl(cached.out)) {
    if (t.at("name") == "exarnplebank.com") EXPECT_EQ(t.at("rdap").at("registrar"), "Example Registrar, Inc.");
    else EXPECT_EQ(t.at("rdap").at("error"), "no cached RDAP record");
  }
  EXPECT_EQ(rdap.requests("/domain/"), 2u);
}

}  // namespace
