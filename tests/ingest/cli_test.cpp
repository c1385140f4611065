// `lookalike ingest` end to end (the real program, a generated gzip zone): every planted
// look-alike found, day-over-day registrations and deletions printed, --stats, bad input.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bench/zone_generator.hpp"
#include "tests/ingest/support.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace lookalike::ingest {
namespace {

using test_support::run_process;

std::vector<std::string> detection_brands() {
  std::vector<std::string> out;
  std::ifstream in(std::string(LOOKALIKE_SHARED_DIR) + "/detection/brands.txt");
  EXPECT_TRUE(in) << "missing " << LOOKALIKE_SHARED_DIR << "/detection/brands.txt";
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// Column `col` (0-based) of rows whose first column is `change`.
std::set<std::string> column(const std::string& tsv, const std::string& change, int col) {
  std::set<std::string> out;
  std::istringstream in(tsv);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> f;
    std::istringstream fields(line);
    for (std::string x; std::getline(fields, x, '\t');) f.push_back(x);
    if (f.size() == 6 && f[0] == change) out.insert(f[static_cast<std::size_t>(col)]);
  }
  return out;
}

class IngestCli : public ::testing::Test {
 protected:
  test_support::TempDir dir{"lookalike-ingest-cli"};
  std::string db() const { return (dir.path / "db").string(); }
  std::string path(const std::string& f) const { return (dir.path / f).string(); }
  test_support::ProcessResult lookalike(std::vector<std::string> args, const std::string& input = {}) {
    args.insert(args.begin(), {LOOKALIKE_BINARY, "--db", db()});
    return run_process(args, input);
  }
  std::vector<bench::Planted> zone(const std::string& file, unsigned day, std::size_t names) {
    bench::ZoneSpec spec;
    spec.names = names;
    spec.brands = brands;
    spec.day = day;
    std::string text;
    auto planted = bench::write_zone(spec, [&](std::string_view c) { text += c; });
    test::write_gzip(path(file), text);
    return planted;
  }
  std::vector<std::string> brands = bench::brand_domains(100, detection_brands());
};

TEST_F(IngestCli, FindsEveryPlantedLookAlikeAndReportsRegistrationsDayOverDay) {
  std::string jsonl;
  for (const auto& b : brands)
    jsonl +=
        "{\"type\":\"brand\",\"domain\":\"" + b + "\",\"keywords\":[],\"owned\":[],\"tlds\":\"common\",\"added\":0}\n";
  ASSERT_EQ(lookalike({"db", "import", "-"}, jsonl).exit_code, 0);

  const auto day1 = zone("com-1.txt.gz", 1, 20000);
  ASSERT_GT(day1.size(), 200u) << "planted look-alikes on day 1";
  auto r = lookalike({"ingest", path("com-1.txt.gz"), "--date", "2026-12-01"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto found = column(r.out, "new", 1);
  for (const auto& p : day1)
    EXPECT_TRUE(found.contains(p.name)) << p.kind << " " << p.name << " of " << p.brand << " not found";
  EXPECT_NE(r.err.find("zone:com@2026-12-01"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(first file of this source)"), std::string::npos) << r.err;

  // Day 2: the same zone a day later: look-alikes registered since are reported, deleted ones too.
  const auto day2 = zone("com-2.txt.gz", 2, 20000);
  r = lookalike({"ingest", path("com-2.txt.gz"), "--date", "2026-12-02"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> before, after;
  for (const auto& p : day1) before.insert(p.name);
  for (const auto& p : day2) after.insert(p.name);
  const auto registered = column(r.out, "registered", 1);
  const auto deleted = column(r.out, "deleted", 1);
  EXPECT_FALSE(registered.empty());
  EXPECT_FALSE(deleted.empty());
  for (const auto& n : after) {
    if (!before.contains(n)) {
      EXPECT_TRUE(registered.contains(n)) << n << " not reported registered";
    }
  }
  for (const auto& n : before) {
    if (!after.contains(n)) {
      EXPECT_TRUE(deleted.contains(n)) << n << " not reported deleted";
    }
  }
  EXPECT_NE(r.err.find("since 2026-12-01"), std::string::npos) << r.err;
  for (const auto& n : registered) EXPECT_FALSE(before.contains(n)) << n << " was there the day before";
  for (const auto& n : deleted) EXPECT_FALSE(after.contains(n)) << n << " is still there";

  r = lookalike({"ingest", "--stats"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("zone:com\t2026-12-02\t"), std::string::npos) << r.out;
}

TEST_F(IngestCli, BadInputNamesTheFileAndCommitsNothing) {
  ASSERT_EQ(lookalike({"brand", "add", "paypal.com"}).exit_code, 0);
  test::write_file(path("empty.txt"), "");
  auto r = lookalike({"ingest", path("empty.txt")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(path("empty.txt") + ": empty file"), std::string::npos) << r.err;
  test::write_file(path("z.zone"), "$ORIGIN com.\npaypa1 NS ns.example.\nbroken IN BOGUS x\n");
  r = lookalike({"ingest", "--strict", path("z.zone")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(path("z.zone") + ":3: unknown record type"), std::string::npos) << r.err;
  r = lookalike({"ingest", "--stats"});
  EXPECT_EQ(r.out, "source\tlast_date\tnames\tlookalikes\tadded\tremoved\tfiles\n");
  // Without --strict the bad line is counted and skipped; stdin works with --source.
  r = lookalike({"ingest", "-", "--format", "list", "--source", "nrd", "--date", "2026-12-02"},
                "paypa1.com\nnot a name\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "new\tpaypa1.com\tpaypal.com\thomoglyph\t1\tfeed:nrd@2026-12-02\n");
  EXPECT_NE(r.err.find("-:2: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 malformed lines skipped"), std::string::npos) << r.err;
  r = lookalike({"ingest", path("z.zone"), "--date", "12/02/2026"});
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace lookalike::ingest
