// `lookalike rdap` end to end: the real binary, a bootstrap file pointing at a loopback RDAP
// server, a real store (second run answered from the cache), --json, errors, --update-bootstrap.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <simdjson.h>

#include "tests/rdap/rdap_test_server.hpp"
#include "tests/support/process.hpp"

namespace lookalike::rdap {
namespace {

namespace fs = std::filesystem;
using test_support::run_process;
using testing::bootstrap_json;
using testing::fixture;
using testing::RdapTestServer;
using testing::reply;
using testing::Reply;

struct CliWorld {
  fs::path dir = fs::temp_directory_path() / ("rdap-cli-" + std::to_string(::getpid()) + "-" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  RdapTestServer server{[this](const std::string& target) -> Reply {
    if (target == "/domain/google.com") return reply(200, fixture("verisign_google_com.json"));
    if (target == "/domain/paypa1-login.com") return reply(200, fixture("registrar_nested_abuse.json"));
    if (target == "/domain/broken.com") return reply(200, "{\"objectClassName\":\"domain\",\"status\":7}");
    if (target == "/dns.json") return reply(200, bootstrap_json({"com", "net"}, server.url() + "v2/"));
    return reply(404, fixture("error_404.json"));
  }};
  std::string bootstrap;
  CliWorld() {
    fs::create_directories(dir);
    bootstrap = (dir / "dns.json").string();
    std::ofstream(bootstrap) << bootstrap_json({"com"}, server.url());
  }
  ~CliWorld() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::vector<std::string> args(std::initializer_list<std::string> extra) const {
    std::vector<std::string> a{LOOKALIKE_BINARY, "--db", (dir / "db").string(), "rdap"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

TEST(RdapCli, PrintsTheRecordAndAnswersTheSecondRunFromTheCache) {
  CliWorld w;
  auto r = run_process(w.args({"www.google.com", "--bootstrap", w.bootstrap}), {}, std::chrono::seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("google.com\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("registrar     MarkMonitor Inc. (IANA ID 292)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("abuse e-mail  abusecomplaints@markmonitor.com"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("expires       2028-09-14T04:00:00Z"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("(cached)"), std::string::npos) << r.out;
  EXPECT_EQ(w.server.requests("/domain/"), 1u);

  auto again = run_process(w.args({"google.com", "--bootstrap", w.bootstrap}), {}, std::chrono::seconds(60));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("(cached)"), std::string::npos) << again.out;
  EXPECT_EQ(w.server.requests("/domain/"), 1u);  // no second request

  auto fresh = run_process(w.args({"google.com", "--refresh", "--bootstrap", w.bootstrap}), {}, std::chrono::seconds(60));
  ASSERT_EQ(fresh.exit_code, 0) << fresh.err;
  EXPECT_EQ(w.server.requests("/domain/"), 2u);
}

TEST(RdapCli, JsonGivesOneParseableLinePerNameAndFailuresDoNotStopTheOthers) {
  CliWorld w;
  auto r = run_process(w.args({"paypa1-login.com", "nx.com", "broken.com", "google.com", "--json", "--no-cache",
                               "--interval", "0", "--bootstrap", w.bootstrap}),
                       {}, std::chrono::seconds(60));
  EXPECT_EQ(r.exit_code, 1) << r.err;  // some names failed
  std::vector<std::string> lines;
  std::string line;
  std::istringstream in(r.out);
  while (std::getline(in, line)) lines.push_back(line);
  ASSERT_EQ(lines.size(), 4u) << r.out;
  simdjson::dom::parser p;
  std::vector<std::string> names;
  for (const auto& l : lines) {
    simdjson::dom::element e;
    ASSERT_EQ(p.parse(l).get(e), simdjson::SUCCESS) << l;
    names.emplace_back(std::string_view(e["name"]));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"paypa1-login.com", "nx.com", "broken.com", "google.com"}));
  EXPECT_NE(lines[0].find("\"abuse_email\":\"abuse@registrar.example\""), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("\"http_status\":404"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("/status is not an array"), std::string::npos) << lines[2];
  EXPECT_NE(lines[3].find("\"registrar_iana_id\":292"), std::string::npos) << lines[3];
  EXPECT_FALSE(fs::exists(w.dir / "db"));  // --no-cache
}

TEST(RdapCli, ServerAsksTheGivenRdapServiceDirectly) {
  CliWorld w;
  // No --bootstrap: the embedded one would send .com to Verisign; --server overrides it.
  auto r = run_process(w.args({"paypa1-login.com", "--server", w.server.url(), "--no-cache"}), {},
                       std::chrono::seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("abuse phone   +1.5555550123"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("source        " + w.server.url()), std::string::npos) << r.out;
  // The fixture's ldhName is another name: reported, not hidden.
  EXPECT_NE(r.out.find("warning       ldhName \"paypa1-login.example\" is not the queried name"), std::string::npos)
      << r.out;
  EXPECT_EQ(w.server.requests("/domain/paypa1-login.com"), 1u);
}

TEST(RdapCli, UpdateBootstrapWritesTheFileLaterLookupsUse) {
  CliWorld w;
  const std::string out = (w.dir / "fresh" / "dns.json").string();
  auto r = run_process({LOOKALIKE_BINARY, "rdap", "--update-bootstrap", "--from", w.server.url() + "dns.json",
                        "--output", out},
                       {}, std::chrono::seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("bootstrap updated: " + out + " (publication 2026-11-28T00:00:00Z, 2 TLDs)"), std::string::npos)
      << r.out;
  ASSERT_TRUE(fs::exists(out));

  // Without --output it goes to $XDG_DATA_HOME/lookalike-data/rdap/dns.json, which lookups prefer.
  const std::string xdg = (w.dir / "xdg").string();
  auto env = run_process({"/usr/bin/env", "XDG_DATA_HOME=" + xdg, LOOKALIKE_BINARY, "rdap", "--update-bootstrap",
                          "--from", w.server.url() + "dns.json"},
                         {}, std::chrono::seconds(60));
  ASSERT_EQ(env.exit_code, 0) << env.err;
  EXPECT_TRUE(fs::exists(xdg + "/lookalike-data/rdap/dns.json"));
  auto refused = run_process({"/usr/bin/env", "XDG_DATA_HOME=" + xdg, LOOKALIKE_BINARY, "--db",
                              (w.dir / "db").string(), "rdap", "google.com"},
                             {}, std::chrono::seconds(60));
  // The refreshed file sends .com to this loopback server's /v2/: the lookup names that server
  // (proof the file was used) and refuses it, since only a --bootstrap file may point at loopback.
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find(w.server.url() + "v2/: refusing a loopback RDAP server"), std::string::npos)
      << refused.err;
  EXPECT_EQ(w.server.requests("/v2/"), 0u);

  auto bad = run_process({LOOKALIKE_BINARY, "rdap"}, {}, std::chrono::seconds(60));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("give one or more names"), std::string::npos) << bad.err;
  auto zero = run_process({LOOKALIKE_BINARY, "rdap", "google.com", "--timeout", "0"}, {}, std::chrono::seconds(60));
  EXPECT_EQ(zero.exit_code, 2);
  EXPECT_NE(zero.err.find("--timeout must be in (0, 3600] seconds"), std::string::npos) << zero.err;
}

}  // namespace
}  // namespace lookalike::rdap
