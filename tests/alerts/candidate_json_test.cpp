// One JSON spelling of a candidate: the watch alert, the takedown export's JSON lines and the
// ranked report's JSON lines render the same stored candidate with the same members and values
// (report/candidate.hpp), whatever each adds around it.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "alerts/render.hpp"
#include "index/index.hpp"
#include "report/candidate.hpp"
#include "report/evidence.hpp"
#include "report/export.hpp"
#include "report/report.hpp"
#include "tests/support/temp_dir.hpp"

namespace lookalike {
namespace {

using json = nlohmann::ordered_json;  // keeps the members in the order they were written

constexpr index::Time kFirst = 1795866600123;  // 2026-11-28T11:50:00.123Z
constexpr index::Time kLast = 1795953000000;   // 2026-11-29T11:50:00Z
constexpr index::Time kVerdictTime = 1795960000500;

// The members every rendering shares, in the documented order.
const std::vector<std::string> kShared = {"name",    "unicode", "brands",     "score",    "level",
                                          "reasons", "fuzzers", "verdict", "first_seen", "last_seen"};

struct World {
  test_support::TempDir dir{"lookalike-candidate-json"};
  index::Store store = std::move(*index::Store::open(dir.path.string()));

  // A registered, scored IDN look-alike of two brands with a verdict carrying attacker-chosen text.
  void add(std::string_view name, bool scored, bool verdict) {
    for (const char* b : {"examplebank.com", "examplepay.net"}) {
      ASSERT_TRUE(store.add_brand(index::Brand{b, {}, {}, "common", kFirst}));
    }
    index::CandidateUpdate u;
    u.name = std::string(name);
    u.brands = {"examplebank.com", "examplepay.net"};
    u.fuzzers = {"ct:homoglyph", "homoglyph"};
    u.seen = kFirst;
    u.state = index::StateSummary{kLast, index::DnsOutcome::answer, index::state_flag::registered | index::state_flag::has_mx};
    ASSERT_TRUE(store.upsert_candidates(std::span(&u, 1)));
    u.seen = kLast;
    u.state.reset();
    ASSERT_TRUE(store.upsert_candidates(std::span(&u, 1)));
    if (scored) {
      ASSERT_TRUE(store.set_score(name, index::Score{91, 4, {"visually identical \"brand\"", "live MX\n\x1b[31m"}, kLast}));
    }
    if (verdict) {
      ASSERT_TRUE(store.put_verdict(name, index::Verdict{index::Decision::malicious, "kit \"v2\"\tline", kVerdictTime}));
    }
  }

  json alert(std::string_view name) {
    auto a = alerts::render_alert(store, index::Event{7, kLast, index::EventKind::registered, std::string(name), "A 192.0.2.1"},
                                  "store");
    EXPECT_TRUE(a && *a);
    return json::parse((*a)->json);
  }

  json exported(std::string_view name) {
    auto e = report::gather_evidence(store, name);
    EXPECT_TRUE(e && *e);
    return json::parse(report::threat_json(report::Threat{std::move(**e), std::nullopt, {}}));
  }

  json reported(std::string_view name) {
    report::RowQuery q;
    q.all = true;
    q.brands = {"examplebank.com"};
    auto rows = report::stored_rows(store, q);
    EXPECT_TRUE(rows);
    std::ostringstream out;
    report::render_report(out, *rows, report::ReportFormat::jsonl);
    std::istringstream lines(out.str());
    for (std::string line; std::getline(lines, line);) {
      const json j = json::parse(line);
      if (j.at("name") == name) return j;
    }
    ADD_FAILURE() << "no report row for " << name << " in " << out.str();
    return {};
  }
};

// The shared members of `j`, in the order they appear in it.
std::vector<std::pair<std::string, json>> shared_part(const json& j) {
  std::vector<std::pair<std::string, json>> out;
  for (const auto& key : kShared) {
    EXPECT_TRUE(j.contains(key)) << key << " missing in " << j.dump();
    if (j.contains(key)) out.emplace_back(key, j.at(key));
  }
  return out;
}

TEST(CandidateJson, AlertExportAndReportRenderTheSameCandidateIdentically) {
  World w;
  const std::string name = "xn--exmplebank-0qi.com";  // exаmplebank.com with a Cyrillic a
  w.add(name, true, true);
  const json a = w.alert(name), e = w.exported(name), r = w.reported(name);
  EXPECT_EQ(shared_part(a), shared_part(e));
  EXPECT_EQ(shared_part(e), shared_part(r));
  // The values are the documented ones.
  EXPECT_EQ(a.at("name"), name);
  EXPECT_EQ(a.at("unicode"), "ex\xD0\xB0mplebank.com");
  EXPECT_EQ(a.at("brands"), json::array({"examplebank.com", "examplepay.net"}));
  EXPECT_EQ(a.at("score"), 91);
  EXPECT_EQ(a.at("level"), "critical");
  EXPECT_EQ(a.at("reasons"), json::array({"visually identical \"brand\"", "live MX\n\x1b[31m"}));
  EXPECT_EQ(a.at("fuzzers"), json::array({"ct:homoglyph", "homoglyph"}));
  EXPECT_EQ(a.at("verdict"), json({{"decision", "malicious"}, {"note", "kit \"v2\"\tline"}, {"time", "2026-11-29T13:46:40Z"}}));
  EXPECT_EQ(a.at("first_seen"), "2026-11-28T11:50:00Z");
  EXPECT_EQ(a.at("last_seen"), "2026-11-29T11:50:00Z");
  // Each starts the candidate at "name" and keeps the members together, in order.
  for (const json* j : {&a, &e, &r}) {
    std::vector<std::string> keys;
    for (const auto& [k, v] : j->items()) keys.push_back(k);
    const auto at = std::find(keys.begin(), keys.end(), "name");
    ASSERT_NE(at, keys.end());
    EXPECT_EQ(std::vector<std::string>(at, at + static_cast<std::ptrdiff_t>(kShared.size())), kShared) << j->dump();
  }
}

TEST(CandidateJson, AnUnscoredNameWithoutVerdictIsNullEverywhere) {
  World w;
  w.add("examplebank-login.com", false, false);
  const json a = w.alert("examplebank-login.com"), e = w.exported("examplebank-login.com"),
             r = w.reported("examplebank-login.com");
  EXPECT_EQ(shared_part(a), shared_part(e));
  EXPECT_EQ(shared_part(e), shared_part(r));
  EXPECT_TRUE(a.at("score").is_null());
  EXPECT_TRUE(a.at("level").is_null());
  EXPECT_EQ(a.at("reasons"), json::array());
  EXPECT_TRUE(a.at("verdict").is_null());
  EXPECT_EQ(a.at("unicode"), "examplebank-login.com");  // always present, the name itself when ASCII
}

}  // namespace
}  // namespace lookalike
