// `lookalike brand ...` and `lookalike db ...` as a user runs them: the real binary, --db in a
// temporary folder.
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "index/index.hpp"
#include "tests/index/support.hpp"

namespace lookalike::index {
namespace {

namespace fs = std::filesystem;

test::RunResult lk(const std::string& db, std::vector<std::string> args, const std::string& input = {}) {
  std::vector<std::string> argv = {LOOKALIKE_BINARY, "--db", db};
  argv.insert(argv.end(), args.begin(), args.end());
  return test::run(argv, input);
}

std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

TEST(BrandCommand, AddsListsAndRemovesBrands) {
  test::TempDir dir;
  const std::string db = dir.sub("db");
  auto add = lk(db, {"brand", "add", "Example.COM", "--keywords", "login, Secure", "--owned", "example.net", "--tlds", "com,co.uk"});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_EQ(add.out, "added brand example.com (keywords: login,secure; owned: example.net; tlds: com,co.uk)\n");
  auto idn = lk(db, {"brand", "add", "münchen.de"});
  ASSERT_EQ(idn.exit_code, 0) << idn.err;
  EXPECT_NE(idn.out.find("xn--mnchen-3ya.de"), std::string::npos);
  auto again = lk(db, {"brand", "add", "example.com", "--tlds", "abused"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out.rfind("updated brand example.com", 0), 0u) << again.out;

  auto list = lk(db, {"brand", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(lines(list.out), 3u) << list.out;
  EXPECT_EQ(list.out.rfind("DOMAIN", 0), 0u);
  EXPECT_NE(list.out.find("example.com"), std::string::npos);
  EXPECT_NE(list.out.find("abused"), std::string::npos);
  EXPECT_NE(list.out.find("xn--mnchen-3ya.de"), std::string::npos);

  auto rm = lk(db, {"brand", "remove", "xn--mnchen-3ya.de"});
  ASSERT_EQ(rm.exit_code, 0) << rm.err;
  auto rm2 = lk(db, {"brand", "remove", "münchen.de"});
  EXPECT_EQ(rm2.exit_code, 1);
  EXPECT_EQ(rm2.err, "lookalike: no brand xn--mnchen-3ya.de (see `lookalike brand list`)\n");
  EXPECT_EQ(lines(lk(db, {"brand", "list"}).out), 2u);
}

TEST(BrandCommand, RefusesBadInputWithOneClearLine) {
  test::TempDir dir;
  const std::string db = dir.sub("db");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"brand", "add", "exa mple.com"},
           {"brand", "add", "www.example.com"},
           {"brand", "add", "com"},
           {"brand", "add", "example.com", "--keywords", "log in"},
           {"brand", "add", "example.com", "--owned", "not..valid"},
           {"brand", "add", "example.com", "--tlds", "notatld"},
       }) {
    auto r = lk(db, args);
    EXPECT_EQ(r.exit_code, 2) << args[2] << ": " << r.err;
    EXPECT_EQ(lines(r.err), 1u) << r.err;
    EXPECT_EQ(r.err.rfind("lookalike: ", 0), 0u) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
  EXPECT_FALSE(fs::exists(db)) << "a refused command must not create the store";
  auto list = lk(db, {"brand", "list"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("no brands"), std::string::npos);
}

TEST(DbCommand, StatsCheckExportImportRoundTrip) {
  test::TempDir dir;
  const std::string db = dir.sub("db");
  {
    ASSERT_EQ(lk(db, {"brand", "add", "example.com", "--keywords", "login"}).exit_code, 0);
    auto s = Store::open(db);
    ASSERT_TRUE(s) << s.error().message;
    std::vector<CandidateUpdate> us;
    for (int i = 0; i < 50; ++i) {
      CandidateUpdate u;
      u.name = "cand" + std::to_string(i) + ".com";
      u.brands = {"example.com"};
      u.fuzzers = {"addition"};
      u.ct = {{"log", static_cast<std::uint64_t>(i), Sha256{}}};
      us.push_back(u);
    }
    ASSERT_TRUE(s->upsert_candidates(us));
    ASSERT_TRUE(s->set_score("cand7.com", Score{88, 4, {"live MX"}, 0}));
    ASSERT_TRUE(s->put_ct_state("log", CtState{50, 50, std::string(32, 'r'), "sth", 0}));
  }
  auto stats = lk(db, {"db", "stats"});
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_NE(stats.out.find("candidates"), std::string::npos);
  EXPECT_NE(stats.out.find(" 50 "), std::string::npos) << stats.out;
  EXPECT_NE(stats.out.find("on disk:"), std::string::npos);

  auto check = lk(db, {"db", "check"});
  ASSERT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(check.out.rfind("ok: ", 0), 0u) << check.out;

  auto compact = lk(db, {"db", "compact"});
  ASSERT_EQ(compact.exit_code, 0) << compact.err;

  auto exported = lk(db, {"db", "export", "--format", "jsonl"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(exported.out.rfind("{\"type\":\"meta\"", 0), 0u);
  const std::string db2 = dir.sub("copy");
  auto imported = lk(db2, {"db", "import"}, exported.out);
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.out.find("50 candidates"), std::string::npos) << imported.out;
  EXPECT_EQ(lk(db2, {"db", "export"}).out, exported.out);
  EXPECT_EQ(lk(db2, {"db", "check"}).exit_code, 0);

  const std::string file = dir.sub("dump.jsonl");
  ASSERT_EQ(lk(db, {"db", "export", "-o", file}).exit_code, 0);
  EXPECT_EQ(test::read_file(file), exported.out);
  auto bad_format = lk(db, {"db", "export", "--format", "csv"});
  EXPECT_NE(bad_format.exit_code, 0);
}

TEST(DbCommand, ImportReportsTheBadLine) {
  test::TempDir dir;
  auto r = lk(dir.sub("db"), {"db", "import"}, "{\"type\":\"brand\",\"domain\":\"example.com\"}\nnot json\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "lookalike: import line 2: not valid JSON (lines before it were imported; import is idempotent)\n");
}

TEST(DbCommand, HostileStoresGiveOneErrorLineAndANonZeroExit) {
  test::TempDir dir;
  // Missing store.
  auto missing = lk(dir.sub("none"), {"db", "stats"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(lines(missing.err), 1u);
  EXPECT_NE(missing.err.find("no lookalike store"), std::string::npos) << missing.err;

  // Locked by another process.
  const std::string db = dir.sub("db");
  ASSERT_EQ(lk(db, {"brand", "add", "example.com"}).exit_code, 0);
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  test::Child holder = test::spawn({INDEX_CRASH_CHILD, "hold", db}, -1, fds[1], -1);
  close(fds[1]);
  char buf[6] = {};
  ASSERT_EQ(read(fds[0], buf, 6), 6);
  close(fds[0]);
  auto locked = lk(db, {"brand", "add", "example.org"});
  EXPECT_EQ(locked.exit_code, 1);
  EXPECT_EQ(lines(locked.err), 1u) << locked.err;
  EXPECT_NE(locked.err.find("in use by another process"), std::string::npos) << locked.err;
  auto compact = lk(db, {"db", "compact"});
  EXPECT_EQ(compact.exit_code, 1);
  holder.kill9();
  holder.wait();

  // Corrupted: flipped bytes in every table file.
  {
    auto s = Store::open(db);
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->compact());
  }
  for (const auto& e : fs::directory_iterator(db)) {
    if (e.path().extension() != ".sst") continue;
    std::string data = test::read_file(e.path().string());
    for (std::size_t i = 0; i + 8 < data.size(); i += 16) data[i] = static_cast<char>(data[i] ^ 0xff);
    test::write_file(e.path().string(), data);
  }
  auto check = lk(db, {"db", "check"});
  EXPECT_EQ(check.exit_code, 1) << check.out;
  EXPECT_EQ(lines(check.err), 1u) << check.err;
  EXPECT_EQ(check.err.rfind("lookalike: store ", 0), 0u) << check.err;

  // Not a store at all.
  test::write_file(dir.sub("plain/file.txt"), "");
  fs::create_directories(dir.sub("plain"));
  test::write_file(dir.sub("plain/file.txt"), "x");
  auto foreign = lk(dir.sub("plain"), {"brand", "add", "example.com"});
  EXPECT_EQ(foreign.exit_code, 1);
  EXPECT_NE(foreign.err.find("not a lookalike store"), std::string::npos) << foreign.err;
}

}  // namespace
}  // namespace lookalike::index
