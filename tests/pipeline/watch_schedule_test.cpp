// The watch scheduler's classes and due selection, and alert rendering, on a real RocksDB store.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "alerts/render.hpp"
#include "pipeline/schedule.hpp"
#include "tests/support/temp_store.hpp"

namespace lookalike::pipeline {
namespace {

namespace fs = std::filesystem;
constexpr index::Time kHour = 3'600'000;
constexpr index::Time kDay = 24 * kHour;

index::Candidate candidate(index::Time first_seen, std::optional<index::Time> checked, index::Time changed, bool registered) {
  index::Candidate c;
  c.name = "examp1ebank.com";
  c.first_seen = first_seen;
  if (checked) {
    c.score = index::Score{40, 2, {}, *checked};
    c.state = index::StateSummary{changed, registered ? index::DnsOutcome::answer : index::DnsOutcome::nxdomain,
                                  registered ? index::state_flag::registered : 0u};
  }
  return c;
}

TEST(WatchSchedule, EachCandidateFallsInTheClassItsHistorySays) {
  const ScheduleConfig s;  // 15m / 1h / 6h / 24h / 7d
  const index::Time now = 1000 * kDay;
  EXPECT_EQ(due_of(candidate(now - kHour, std::nullopt, 0, false), s, now).cls, ScheduleClass::unchecked);
  EXPECT_EQ(due_of(candidate(now - kHour, std::nullopt, 0, false), s, now).at, 0);

  const Due fresh = due_of(candidate(now - kHour, now - 10 * 60'000, now - kHour, true), s, now);
  EXPECT_EQ(fresh.cls, ScheduleClass::fresh);
  EXPECT_EQ(fresh.at, now - 10 * 60'000 + 15 * 60'000);

  const Due changing = due_of(candidate(now - 10 * kDay, now - 2 * kHour, now - 3 * kDay, true), s, now);
  EXPECT_EQ(changing.cls, ScheduleClass::changing);
  EXPECT_EQ(changing.at, now - kHour);  // overdue by an hour

  const Due stable = due_of(candidate(now - 100 * kDay, now - kHour, now - 50 * kDay, true), s, now);
  EXPECT_EQ(stable.cls, ScheduleClass::registered);
  EXPECT_EQ(stable.at, now + 5 * kHour);

  const Due nx = due_of(candidate(now - 100 * kDay, now - kHour, now - 10 * kDay, false), s, now);
  EXPECT_EQ(nx.cls, ScheduleClass::unregistered);
  EXPECT_EQ(nx.at, now + 23 * kHour);

  const Due dead = due_of(candidate(now - 100 * kDay, now - kHour, now - 40 * kDay, false), s, now);
  EXPECT_EQ(dead.cls, ScheduleClass::dead);
  EXPECT_EQ(dead.at, now - kHour + 7 * kDay);
  EXPECT_EQ(schedule_class_name(dead.cls), "dead");
}

struct TempStore : test_support::TempStore {
  TempStore() : test_support::TempStore("lookalike-watch-sched") {}
};

void put(index::Store& store, const std::string& name, index::Time first_seen, std::optional<index::Time> checked,
         bool registered) {
  index::Batch b;
  index::CandidateUpdate u;
  u.name = name;
  u.brands = {"examplebank.com"};
  u.seen = first_seen;
  if (checked) {
    u.state = index::StateSummary{first_seen, registered ? index::DnsOutcome::answer : index::DnsOutcome::nxdomain,
                                  registered ? index::state_flag::registered : 0u};
  }
  ASSERT_TRUE(b.upsert(u).has_value());
  if (checked) {
    ASSERT_TRUE(b.set_score(name, index::Score{10, 1, {}, *checked}).has_value());
  }
  ASSERT_TRUE(store.commit(std::move(b)).has_value());
}

TEST(WatchSchedule, SelectionTakesTheMostOverdueFirstAndReportsTheNextDueTime) {
  TempStore t;
  index::Store& s = *t.store;
  const index::Time now = index::now_ms();
  put(s, "never-checked.com", now - kHour, std::nullopt, false);             // due at 0
  put(s, "stable-overdue.com", now - 100 * kDay, now - 7 * kHour, true);     // due an hour ago
  put(s, "stable-ok.com", now - 100 * kDay, now - kHour, true);              // due in 5 h
  put(s, "nx-overdue.com", now - 20 * kDay, now - 26 * kHour, false);        // due two hours ago
  const ScheduleConfig sc;
  std::optional<index::Time> next;
  auto due = select_due(s, sc, now, 10, &next);
  ASSERT_TRUE(due.has_value()) << due.error().message;
  ASSERT_EQ(due->size(), 3u);
  EXPECT_EQ((*due)[0].name, "never-checked.com");
  EXPECT_EQ((*due)[1].name, "nx-overdue.com");
  EXPECT_EQ((*due)[2].name, "stable-overdue.com");
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(*next, now - kHour + 6 * kHour);

  // A cap keeps the most overdue; what did not fit is due now.
  due = select_due(s, sc, now, 1, &next);
  ASSERT_TRUE(due.has_value());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].name, "never-checked.com");
  EXPECT_EQ(next, now);

  // Skipped names are left out.
  const std::vector<std::string> skip = {"never-checked.com", "nx-overdue.com"};
  due = select_due(s, sc, now, 10, &next, &skip);
  ASSERT_TRUE(due.has_value());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].name, "stable-overdue.com");
}

TEST(WatchAlerts, EventsRenderAsJsonWithEvidenceAndOwnedOrBenignNamesAreSilent) {
  TempStore t;
  index::Store& s = *t.store;
  const index::Time now = index::now_ms();
  put(s, "examp1ebank.com", now - kHour, now, true);
  ASSERT_TRUE(s.record_observation({"examp1ebank.com", now, index::ObservationKind::dns,
                                    "{\"name\":\"examp1ebank.com\",\"types\":{\"MX\":{\"records\":[\"10 mail.examp1ebank.com\"]}}}"})
                  .has_value());
  auto seq = s.append_event(index::EventKind::mx_appeared, "examp1ebank.com", "MX 10 mail.examp1ebank.com");
  ASSERT_TRUE(seq.has_value());
  auto events = s.read_events_after(*seq - 1);
  ASSERT_TRUE(events.has_value());
  ASSERT_EQ(events->size(), 1u);
  auto a = alerts::render_alert(s, events->front(), "abcd");
  ASSERT_TRUE(a.has_value()) << a.error().message;
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->kind, alerts::AlertKind::mx_appeared);
  EXPECT_EQ((*a)->seq, *seq);
  const auto j = nlohmann::json::parse((*a)->json);
  EXPECT_EQ(j.at("kind"), "mx-appeared");
  EXPECT_EQ(j.at("id"), "abcd-" + std::to_string(*seq));
  EXPECT_EQ(j.at("name"), "examp1ebank.com");
  EXPECT_EQ(j.at("brands"), nlohmann::json::array({"examplebank.com"}));
  EXPECT_EQ(j.at("score"), 10);
  EXPECT_EQ(j.at("evidence").at("dns").at("data").at("types").at("MX").at("records")[0], "10 mail.examp1ebank.com");
  EXPECT_TRUE(j.at("verdict").is_null());

  // A first score is not a level crossing; verdict events are not alerts.
  auto first = s.append_event(index::EventKind::level_changed, "examp1ebank.com", "level 1 (was none), score 10");
  auto verdict = s.append_event(index::EventKind::verdict, "examp1ebank.com", "owned");
  ASSERT_TRUE(first && verdict);
  for (auto q : {*first, *verdict}) {
    auto e = s.read_events_after(q - 1, 1);
    ASSERT_TRUE(e.has_value());
    auto r = alerts::render_alert(s, e->front(), "abcd");
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->has_value()) << e->front().detail;
  }

  ASSERT_TRUE(s.put_verdict("examp1ebank.com", {index::Decision::owned, "ours", 0}).has_value());
  a = alerts::render_alert(s, events->front(), "abcd");
  ASSERT_TRUE(a.has_value());
  EXPECT_FALSE(a->has_value());
}

}  // namespace
}  // namespace lookalike::pipeline
