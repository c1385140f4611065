// `lookalike posture` end to end against the loopback world: exit codes, the JSON lines output,
// history in the store and --diff between two runs.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "index/index.hpp"
#include "tests/posture/world.hpp"
#include "tests/support/process.hpp"

using lookalike::test_support::PostureWorld;
using lookalike::test_support::run_process;

namespace {

std::vector<std::string> posture_args(const PostureWorld& w, const std::string& db, std::vector<std::string> extra) {
  std::vector<std::string> args = {LOOKALIKE_BINARY, "--db", db, "posture", "--resolvers", w.nsd->address(),
                                   "--https-port", std::to_string(w.https->port()), "--ca-file", w.ca_file.string(),
                                   "--allow-private", "--dkim-selector", "sel1"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

}  // namespace

TEST(PostureCli, GradesDomainsStoresHistoryAndShowsTheDiff) {
  PostureWorld world;
  lookalike::test_support::TempDir dir;
  const std::string db = (dir.path / "db").string();
  {
    lookalike::index::Options o;
    o.create_if_missing = true;
    ASSERT_TRUE(lookalike::index::Store::open(db, o));
  }
  auto good = run_process(posture_args(world, db, {"good.test"}));
  std::cout << good.out << good.err;
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_NE(good.out.find("mta-sts"), std::string::npos);

  auto bad = run_process(posture_args(world, db, {"--format", "jsonl", "bad.test", "lax.test"}));
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  std::istringstream lines(bad.out);
  std::string line;
  std::vector<nlohmann::json> docs;
  while (std::getline(lines, line)) docs.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0]["domain"], "bad.test");
  EXPECT_EQ(docs[0]["status"], "fail");
  EXPECT_EQ(docs[1]["status"], "warn");
  bool spf = false;
  for (const auto& f : docs[0]["findings"])
    if (f["id"] == "spf") {
      spf = true;
      EXPECT_EQ(f["status"], "fail");
      EXPECT_EQ(f["policy_point"], 8);
      EXPECT_FALSE(f["evidence"].empty());
    }
  EXPECT_TRUE(spf);

  // The README shows this table for a badly configured domain.
  auto bad_table = run_process(posture_args(world, db, {"bad.test"}));
  std::cout << bad_table.out;
  EXPECT_EQ(bad_table.exit_code, 2);

  auto lax = run_process(posture_args(world, db, {"lax.test"}));
  EXPECT_EQ(lax.exit_code, 1) << lax.err;

  // The second run of good.test after its SPF broke: --diff names the regression.
  const auto first = run_process(posture_args(world, db, {"--diff", "good.test"}));
  EXPECT_NE(first.out.find("posture diff good.test"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("no change"), std::string::npos) << first.out;
  // good.test's SPF breaks: the next --diff names the regression.
  std::string broken = world.zone_text["good.test"];
  broken.replace(broken.find("v=spf1 ip4:192.0.2.0/24"), 23, "v=spf1 +all ip4:192.0.2.0/24");
  world.replace("good.test", broken);
  const auto second = run_process(posture_args(world, db, {"--diff", "good.test"}));
  EXPECT_EQ(second.exit_code, 2);
  EXPECT_NE(second.out.find("spf: pass -> fail (regressed)"), std::string::npos) << second.out;

  auto html = run_process(posture_args(world, db, {"--format", "html", "bad.test"}));
  EXPECT_NE(html.out.find("<table>"), std::string::npos);
  EXPECT_EQ(html.out.find("<script"), std::string::npos);
}

TEST(PostureCli, LookalikesOfTheBrandWithLiveMailAtHighLevelAreAWarning) {
  PostureWorld world;
  lookalike::test_support::TempDir dir;
  const std::string db = (dir.path / "db").string();
  {
    lookalike::index::Options o;
    o.create_if_missing = true;
    auto store = lookalike::index::Store::open(db, o);
    ASSERT_TRUE(store);
    lookalike::index::Brand brand;
    brand.domain = "good.test";
    ASSERT_TRUE(store->add_brand(brand));
    lookalike::index::CandidateUpdate u;
    u.name = "g00d.test";
    u.brands = {"good.test"};
    u.state = lookalike::index::StateSummary{1, lookalike::index::DnsOutcome::unknown,
                                             lookalike::index::state_flag::registered | lookalike::index::state_flag::has_mx};
    ASSERT_TRUE(store->upsert_candidates(std::span(&u, 1)));
    lookalike::index::Score score;
    score.value = 85;
    score.level = 4;
    ASSERT_TRUE(store->set_score("g00d.test", score));
  }
  auto r = run_process(posture_args(world, db, {"--format", "jsonl", "good.test"}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  bool seen = false;
  for (const auto& f : doc["findings"])
    if (f["id"] == "lookalikes") {
      seen = true;
      EXPECT_EQ(f["status"], "warn") << f.dump();
      EXPECT_NE(f["evidence"].dump().find("g00d.test score 85 critical mx"), std::string::npos) << f.dump();
    }
  EXPECT_TRUE(seen);
}

TEST(PostureCli, ErrorsWhenTheResolverIsUnusable) {
  auto r = run_process({LOOKALIKE_BINARY, "posture", "--resolvers", "not-an-ip", "example.test"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("not-an-ip"), std::string::npos) << r.err;
}
