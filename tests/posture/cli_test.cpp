// `lookalike posture` end to end against the loopback world: exit codes, the JSON lines output,
// history in the store and --diff between two runs.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "alerts/render.hpp"
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
  {
    // The regression is a change-feed event, rendered as a posture-regressed alert.
    lookalike::index::Options o;
    o.read_only = true;
    auto store = lookalike::index::Store::open(db, o);
    ASSERT_TRUE(store);
    auto events = store->read_events("posture-test", 100);
    ASSERT_TRUE(events);
    std::vector<lookalike::index::Event> regressions;
    for (const auto& e : *events)
      if (e.kind == lookalike::index::EventKind::posture_regressed) regressions.push_back(e);
    ASSERT_EQ(regressions.size(), 1u);
    EXPECT_EQ(regressions[0].name, "good.test");
    EXPECT_NE(regressions[0].detail.find("spf: pass -> fail: +all authorises every sender"), std::string::npos)
        << regressions[0].detail;
    auto alert = lookalike::alerts::render_alert(*store, regressions[0], "test");
    ASSERT_TRUE(alert && *alert);
    EXPECT_NE((*alert)->json.find("\"kind\":\"posture-regressed\""), std::string::npos) << (*alert)->json;
  }

  {
    // History travels with `db export` / `db import`: an empty store fed the export has the same
    // runs, so the next --diff compares against the same previous run.
    const std::string db2 = (dir.path / "db2").string();
    const auto exported = run_process({LOOKALIKE_BINARY, "--db", db, "db", "export"});
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    EXPECT_NE(exported.out.find(R"({"type":"posture_run","domain":"good.test")"), std::string::npos);
    const auto imported = run_process({LOOKALIKE_BINARY, "--db", db2, "db", "import"}, exported.out);
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
    auto runs = [](const std::string& path) {
      lookalike::index::Options o;
      o.read_only = true;
      auto store = lookalike::index::Store::open(path, o);
      std::vector<std::pair<lookalike::index::Time, std::string>> out;
      EXPECT_TRUE(store);
      if (!store) return out;
      for (const char* domain : {"good.test", "bad.test", "lax.test"}) {
        EXPECT_TRUE(store->posture_runs(domain, [&](lookalike::index::Time t, std::string_view v) {
          out.emplace_back(t, std::string(v));
          return true;
        }));
      }
      return out;
    };
    const auto before = runs(db);
    EXPECT_EQ(before.size(), 7u);  // good.test 3 runs, bad.test 2, lax.test 2
    EXPECT_EQ(runs(db2), before);
    EXPECT_NE(imported.out.find(std::to_string(before.size()) + " posture runs"), std::string::npos) << imported.out;
    const auto diff_imported = run_process(posture_args(world, db2, {"--diff", "good.test"}));
    const auto diff_original = run_process(posture_args(world, db, {"--diff", "good.test"}));
    auto diff_line = [](const std::string& out) {
      const auto at = out.find("posture diff good.test");
      return at == std::string::npos ? std::string() : out.substr(at, out.find('\n', at) - at);
    };
    EXPECT_NE(diff_line(diff_imported.out).find("(since "), std::string::npos) << diff_imported.out;
    EXPECT_NE(diff_line(diff_imported.out).find("no change"), std::string::npos) << diff_imported.out;
    EXPECT_EQ(diff_line(diff_imported.out), diff_line(diff_original.out));
  }

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
  // `report` shows the brand's latest posture run after its ranked list.
  auto rep = run_process({LOOKALIKE_BINARY, "--db", db, "report"});
  EXPECT_EQ(rep.exit_code, 0) << rep.err;
  EXPECT_NE(rep.out.find("posture good.test: warn"), std::string::npos) << rep.out;
  EXPECT_NE(rep.out.find("  lookalikes  warn  1 registered look-alike(s) at high/critical"), std::string::npos) << rep.out;
}

TEST(PostureCli, ErrorsWhenTheResolverIsUnusable) {
  auto r = run_process({LOOKALIKE_BINARY, "posture", "--resolvers", "not-an-ip", "example.test"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("not-an-ip"), std::string::npos) << r.err;
}
