// `lookalike scan` end to end against the fixture world (tests/sandbox/world.hpp): a real nsd,
// SMTP, HTTP and HTTPS servers on 127.0.0.1, the real binary and a real RocksDB store. The
// ranking, scores and flags are pinned: a change of weights or of a stage must be deliberate.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/sandbox/world.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using lookalike::test_support::ProcessResult;
using lookalike::test_support::run_process;

struct TempDir : lookalike::test_support::TempDir {
  TempDir() : lookalike::test_support::TempDir("lookalike-scan") {}
};

struct Row {
  std::string name;
  std::string brand;
  int score = 0;
  std::string level;
  std::vector<std::string> flags;
  std::string change;
};

std::vector<Row> parse_rows(const std::string& jsonl) {
  std::vector<Row> rows;
  std::istringstream in(jsonl);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line);
    Row r;
    r.name = j.at("name").get<std::string>();
    r.brand = j.at("brand").get<std::string>();
    r.score = j.at("score").get<int>();
    r.level = j.at("level").get<std::string>();
    r.flags = j.at("flags").get<std::vector<std::string>>();
    r.change = j.at("change").is_null() ? "" : j.at("change").get<std::string>();
    rows.push_back(std::move(r));
  }
  return rows;
}

class ScanWorld : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { world_ = new lookalike::sandbox::World(); }
  static void TearDownTestSuite() {
    delete world_;
    world_ = nullptr;
  }

  ProcessResult scan(const std::string& db, std::vector<std::string> extra, bool allow_private = true) {
    std::vector<std::string> argv = {LOOKALIKE_BINARY, "--db", db, "scan", "--resolvers", world_->resolver(),
                                     "--smtp-port", std::to_string(world_->smtp_port()), "--http-port",
                                     std::to_string(world_->http_port()), "--https-port",
                                     std::to_string(world_->https_port()), "--probe-timeout", "3000"};
    if (allow_private) argv.emplace_back("--allow-private");
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.insert(argv.end(), lookalike::sandbox::kBrands.begin(), lookalike::sandbox::kBrands.end());
    return run_process(argv);
  }

  static lookalike::sandbox::World* world_;
};
lookalike::sandbox::World* ScanWorld::world_ = nullptr;

struct Expected {
  std::string name;
  int score;
  std::string level;
  std::vector<std::string> flags;
};

// The fixture world's look-alikes, most dangerous first (ties by name), among the default budget
// of ranked candidates (the likelihood adds points to likely squats). Everything else the
// generator makes is NXDOMAIN (com, net, xyz) or REFUSED (zones the world does not serve).
const std::vector<Expected> kRanking = {
    {"examp1epay.net", 100, "critical", {"MX", "WEB"}},                    // 1/l, mail + web, no DMARC
    {"exarnplebank.com", 100, "critical", {"MX", "WEB", "SPF", "DMARC"}},  // rn/m, mail + web + SPF + DMARC p=none
    {"examplebnak.com", 86, "critical", {"MX", "SPF"}},                    // transposition, mail only, no DMARC
    {"examp1ebank.com", 76, "high", {"WEB"}},                              // clone of the brand's page over TLS
    {"xn--exmplebank-i4a.com", 75, "high", {"WEB"}},                       // exàmplebank.com, clone page
    {"examplebank-login.com", 42, "medium", {"WEB"}},                      // combosquat login page
    {"examplebamk.com", 41, "medium", {}},                                 // address where nothing listens
    {"examplepay.xyz", 40, "medium", {"WEB", "PARKED"}},                   // parked "for sale" page
    {"exampelpay.net", 38, "low", {"SPF"}},                                // SPF "-all" only: authorises no sender
    {"examplebank.xyz", 37, "low", {"WEB", "PARKED"}},
    {"exmplebank.com", 26, "low", {"PARKED"}},                             // delegated to a parking service
    {"examplepay.com", 0, "info", {"WEB"}},                                // redirects to the brand: defensive
};

void expect_ranking(const std::vector<Row>& rows) {
  ASSERT_EQ(rows.size(), kRanking.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].name, kRanking[i].name) << "rank " << i;
    EXPECT_EQ(rows[i].score, kRanking[i].score) << rows[i].name;
    EXPECT_EQ(rows[i].level, kRanking[i].level) << rows[i].name;
    EXPECT_EQ(rows[i].flags, kRanking[i].flags) << rows[i].name;
  }
}

}  // namespace

TEST_F(ScanWorld, RanksTheFixtureWorldExactlyAndRemembersIt) {
  TempDir db;
  const auto first = scan(db.path.string(), {"--format", "jsonl"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto rows = parse_rows(first.out);
  expect_ranking(rows);
  for (const auto& r : rows) EXPECT_EQ(r.change, "new") << r.name;
  EXPECT_NE(first.err.find("12 registered (3 with live MX, 8 with a live web site, 0 under wildcards, 3 parked); "
                           "12 newly registered since the last scan and 0 changed"),
            std::string::npos)
      << first.err;
  EXPECT_NE(first.err.find("0 SERVFAIL, 0 timed out"), std::string::npos) << first.err;

  // A second scan finds the same world: nothing new, nothing changed, same ranking.
  const auto second = scan(db.path.string(), {"--format", "jsonl"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const auto again = parse_rows(second.out);
  expect_ranking(again);
  for (const auto& r : again) EXPECT_EQ(r.change, "") << r.name;
  EXPECT_NE(second.err.find("0 newly registered since the last scan and 0 changed"), std::string::npos) << second.err;

  // The report reads the same ranking back from the store, without the network.
  const auto report = run_process({LOOKALIKE_BINARY, "--db", db.path.string(), "report", "--format", "jsonl"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  expect_ranking(parse_rows(report.out));
  const auto high = run_process({LOOKALIKE_BINARY, "--db", db.path.string(), "report", "--level", "high", "--format", "jsonl"});
  ASSERT_EQ(high.exit_code, 0) << high.err;
  EXPECT_EQ(parse_rows(high.out).size(), 5u);
}

TEST_F(ScanWorld, ScansExactlyTheBudgetAskingOneQuestionPerNxdomainName) {
  TempDir db;
  const auto r = scan(db.path.string(), {"--format", "jsonl", "--budget", "40", "--all", "--no-probe"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = parse_rows(r.out);
  std::map<std::string, int> per_brand;
  for (const auto& row : rows) ++per_brand[row.brand];
  EXPECT_EQ(per_brand["examplebank.com"], 40);
  EXPECT_EQ(per_brand["examplepay.net"], 40);
  EXPECT_NE(r.err.find("Scanned 2 brands: 80 candidates"), std::string::npos) << r.err;
}

TEST_F(ScanWorld, GlobalOptionsWorkAfterTheCommandAndItsArguments) {
  TempDir db;
  const std::string d = db.path.string();
  const auto r = run_process({LOOKALIKE_BINARY, "scan", "--resolvers", world_->resolver(), "--no-probe", "--budget", "10",
                              "--format", "jsonl", "examplebank.com", "--db", d});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(parse_rows(r.out).empty()) << r.out;
  // The same store, named after the command by other commands (nested ones too).
  const auto report = run_process({LOOKALIKE_BINARY, "report", "--all", "--format", "jsonl", "--db=" + d});
  EXPECT_EQ(report.exit_code, 0) << report.err;
  EXPECT_EQ(parse_rows(report.out).size(), 10u);  // --all: every candidate of the budget
  const auto brands = run_process({LOOKALIKE_BINARY, "brand", "list", "--db", d});
  EXPECT_EQ(brands.exit_code, 0) << brands.err;
  EXPECT_NE(brands.out.find("examplebank.com"), std::string::npos) << brands.out;
  const auto stats = run_process({LOOKALIKE_BINARY, "db", "stats", "--db", d});
  EXPECT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_NE(stats.out.find("store " + d), std::string::npos) << stats.out;
  // `generate` runs in the front program, which must not mistake --db's value for a domain.
  const auto gen = run_process({LOOKALIKE_BINARY, "generate", "--fuzzers", "omission", "paypal.com", "--db", d});
  EXPECT_EQ(gen.exit_code, 0) << gen.err;
  EXPECT_EQ(gen.out, "aypal.com\npypal.com\npapal.com\npayal.com\npaypl.com\npaypa.com\n");
  // An option no command knows is still an error.
  const auto bad = run_process({LOOKALIKE_BINARY, "brand", "list", "--no-such-option", "--db", d});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("--no-such-option"), std::string::npos) << bad.err;
}

TEST(Scan, AnOutageStopsTheScanWithExitCode3AndStoresNothing) {
  TempDir db;
  // Nothing listens on 127.0.0.1:9: the only resolver is unreachable.
  const auto r = run_process({LOOKALIKE_BINARY, "--db", db.path.string(), "scan", "--resolvers", "127.0.0.1:9",
                              "--timeout", "200", "--retries", "1", "--no-probe", "--budget", "20", "examplebank.com"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("lookalike: scan: stopped, no live resolver left: 127.0.0.1:9"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  const auto report = run_process({LOOKALIKE_BINARY, "--db", db.path.string(), "report", "--all", "--format", "jsonl"});
  EXPECT_EQ(report.out, "") << "an outage stored candidates";
}

TEST_F(ScanWorld, NeverProbesLoopbackAddressesWithoutAllowPrivate) {
  TempDir db;
  const auto r = scan(db.path.string(), {"--format", "jsonl"}, /*allow_private=*/false);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = parse_rows(r.out);
  ASSERT_EQ(rows.size(), kRanking.size());
  for (const auto& row : rows) {
    for (const auto& f : row.flags) EXPECT_TRUE(f != "MX" && f != "WEB") << row.name << " was probed: " << f;
  }
  EXPECT_NE(r.err.find("0 with live MX, 0 with a live web site"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(" 0 addresses not probed"), std::string::npos) << r.err;
}

TEST_F(ScanWorld, WritesASelfContainedHtmlReport) {
  TempDir db;
  const std::string html = (db.path / "report.html").string();
  const auto r = scan(db.path.string(), {"--format", "html", "--output", html});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(html);
  const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(page.find("exarnplebank.com"), std::string::npos);
  EXPECT_NE(page.find("Content-Security-Policy"), std::string::npos);
  EXPECT_EQ(page.find("http://"), std::string::npos);
}

TEST(Scan, RejectsABadBrandWithOneClearLine) {
  TempDir db;
  const auto r = run_process({LOOKALIKE_BINARY, "--db", db.path.string(), "scan", "--resolvers", "127.0.0.1:9", "paypal..com"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "lookalike: scan: \"paypal..com\": empty label at position 7\n");
  const auto sub = run_process({LOOKALIKE_BINARY, "--db", db.path.string(), "scan", "--resolvers", "127.0.0.1:9", "www.paypal.com"});
  EXPECT_EQ(sub.exit_code, 2);
  EXPECT_NE(sub.err.find("did you mean paypal.com?"), std::string::npos) << sub.err;
}

TEST(Scan, WithoutBrandsOrStoredBrandsSaysWhatToDo) {
  TempDir db;
  const auto r = run_process({LOOKALIKE_BINARY, "--db", db.path.string(), "scan", "--resolvers", "127.0.0.1:9"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no brands to scan"), std::string::npos) << r.err;
}
