// Feed directories: pending files in date order, downloads in progress skipped, the ledger, and
// `lookalike ingest --dir` end to end (each file once, in date order, registrations reported).
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ingest/ingest.hpp"
#include "tests/ingest/support.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace lookalike::ingest {
namespace {

std::string zone_of(const std::vector<std::string>& labels) {
  std::string z = "com. 900 IN SOA a.gtld-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 900\n";
  for (const auto& l : labels) z += l + ".com. 172800 IN NS ns1.example.net.\n";
  return z;
}

class Feeds : public ::testing::Test {
 protected:
  test_support::TempDir dir{"lookalike-ingest-feeds"};
  std::string feed() const { return (dir.path / "feed").string(); }
  std::string in_feed(const std::string& name) const { return (dir.path / "feed" / name).string(); }
  std::string ledger() const { return (dir.path / "state" / "feeds" / "x.done").string(); }
  void SetUp() override { std::filesystem::create_directories(feed()); }
  std::vector<std::string> pending_names() {
    auto p = pending_feed_files(feed(), ledger());
    EXPECT_TRUE(p) << p.error();
    std::vector<std::string> out;
    for (const auto& f : *p) out.push_back(std::filesystem::path(f.path).filename().string() + "@" + f.date);
    return out;
  }
};

TEST_F(Feeds, PendingFilesComeInDateOrderAndDownloadsInProgressWait) {
  test::write_file(in_feed("com-2026-12-03.txt.gz"), "x");
  test::write_file(in_feed("com.20261201.zone"), "x");
  test::write_file(in_feed("2026-12-02_com.txt.gz"), "x");
  test::write_file(in_feed("com-2026-12-04.txt.gz.part"), "x");
  test::write_file(in_feed(".com-2026-12-04.txt.gz"), "x");
  test::write_file(in_feed("com.txt.gz"), "x");                          // no date in the name: its modification day
  timespec times[2] = {{1796083200 + 3600, 0}, {1796083200 + 3600, 0}};  // 2026-12-01T01:00Z
  ASSERT_EQ(utimensat(AT_FDCWD, in_feed("com.txt.gz").c_str(), times, 0), 0);
  EXPECT_EQ(pending_names(),
            (std::vector<std::string>{"com.20261201.zone@2026-12-01", "com.txt.gz@2026-12-01",
                                      "2026-12-02_com.txt.gz@2026-12-02", "com-2026-12-03.txt.gz@2026-12-03"}));
}

TEST_F(Feeds, TheLedgerKeepsFilesFromComingBackUntilTheyAreRewritten) {
  test::write_file(in_feed("com-2026-12-01.txt.gz"), "x");
  test::write_file(in_feed("com-2026-12-02.txt.gz"), "x");
  auto p = pending_feed_files(feed(), ledger());
  ASSERT_TRUE(p && p->size() == 2);
  ASSERT_TRUE(mark_feed_file(ledger(), (*p)[0], true));
  ASSERT_TRUE(mark_feed_file(ledger(), (*p)[1], false));
  EXPECT_EQ(pending_names(), std::vector<std::string>{});
  test::write_file(in_feed("com-2026-12-02.txt.gz"), "a complete download");
  EXPECT_EQ(pending_names(), std::vector<std::string>{"com-2026-12-02.txt.gz@2026-12-02"});
  EXPECT_FALSE(pending_feed_files((dir.path / "missing").string(), ledger()));
}

TEST_F(Feeds, LookalikeIngestDirTakesEachFileOnceInDateOrder) {
  const std::string db = (dir.path / "db").string();
  auto lookalike = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {LOOKALIKE_BINARY, "--db", db});
    return test_support::run_process(args);
  };
  ASSERT_EQ(lookalike({"brand", "add", "paypal.com"}).exit_code, 0);
  test::write_gzip(in_feed("com-2026-12-02.txt.gz"), zone_of({"example", "paypal-login", "paypa1"}));
  test::write_gzip(in_feed("com-2026-12-01.txt.gz"), zone_of({"example", "paypal-login"}));
  auto r = lookalike({"ingest", "--dir", feed()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "new\tpaypal-login.com\tpaypal.com\tcombosquat\t0\tzone:com@2026-12-01\n"
            "registered\tpaypa1.com\tpaypal.com\thomoglyph\t1\tzone:com@2026-12-02\n");
  r = lookalike({"ingest", "--dir", feed()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("no new files"), std::string::npos) << r.err;
  // A broken file is reported and not retried; the next day diffs against the last good one.
  test::write_file(in_feed("com-2026-12-03.txt.gz"), "\x1f\x8b broken");
  test::write_gzip(in_feed("com-2026-12-04.txt.gz"), zone_of({"example", "paypa1"}));
  r = lookalike({"ingest", "--dir", feed()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("com-2026-12-03.txt.gz"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "deleted\tpaypal-login.com\tpaypal.com\t-\t0\tzone:com@2026-12-04\n");
  r = lookalike({"ingest", "--dir", feed()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(lookalike({"ingest", "--dir", feed(), "--date", "2026-12-05"}).exit_code, 2);
}

}  // namespace
}  // namespace lookalike::ingest
