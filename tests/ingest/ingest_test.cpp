// ingest_file against a real store and matcher: candidates with provenance, events, the
// day-over-day diff across three days (added, removed, re-added), failed files, lists, stats.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "generator/matcher.hpp"
#include "index/index.hpp"
#include "ingest/ingest.hpp"
#include "tests/ingest/support.hpp"
#include "tests/support/temp_store.hpp"

namespace lookalike::ingest {
namespace {

constexpr index::Time kDay1 = 1796083200000;  // 2026-12-01T00:00:00Z

std::string zone_of(const std::vector<std::string>& labels) {
  std::string z = "com. 900 IN SOA a.gtld-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 900\n";
  for (const auto& l : labels) {
    z += l + ".com. 172800 IN NS ns1.example.net.\n" + l + ".com. 172800 IN NS ns2.example.net.\n";
  }
  return z;
}

class Ingest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<generator::BrandSpec> brands{{"paypal.com", {}, {}}};
    auto m = generator::Matcher::build(brands);
    ASSERT_TRUE(m);
    matcher.emplace(std::move(*m));
  }
  std::string path(const std::string& name) const { return (db.dir.path / name).string(); }
  std::expected<IngestReport, ParseError> run(const std::string& file, const std::string& date,
                                              Format f = Format::automatic, const std::string& source = {}) {
    IngestOptions o;
    o.format = f;
    o.date = date;
    o.source = source;
    o.state_dir = path("db/ingest");
    return ingest_file(file, *matcher, *db.store, o, {});
  }
  // "kind name detail" of every event so far.
  std::vector<std::string> events() const {
    std::vector<std::string> out;
    auto e = db.store->read_events_after(0, 100000);
    EXPECT_TRUE(e);
    for (const auto& ev : *e)
      out.push_back(std::string(index::event_kind_name(ev.kind)) + " " + ev.name + " " + ev.detail);
    return out;
  }
  index::Candidate candidate(const std::string& name) const {
    auto c = db.store->get_candidate(name);
    EXPECT_TRUE(c && *c) << name;
    return c && *c ? **c : index::Candidate{};
  }
  std::vector<std::pair<std::string, Change>> changes(const IngestReport& r) const {
    std::vector<std::pair<std::string, Change>> out;
    for (const auto& m : r.matches) out.emplace_back(m.name, m.change);
    return out;
  }

  test_support::TempStore db{"lookalike-ingest"};
  std::optional<generator::Matcher> matcher;
};

TEST_F(Ingest, ThreeDaysOfAZoneGiveAddedRemovedAndReAddedNames) {
  test::write_gzip(path("d1.gz"), zone_of({"example", "paypa1", "paypal-login", "shop"}));
  test::write_gzip(path("d2.gz"), zone_of({"example", "paypal-login", "paypal-secure", "shop", "zebra"}));
  test::write_gzip(path("d3.gz"), zone_of({"example", "paypa1", "paypal-login", "paypal-secure", "shop", "zebra"}));

  auto d1 = run(path("d1.gz"), "2026-12-01");
  ASSERT_TRUE(d1) << d1.error().message();
  EXPECT_EQ(d1->source, "zone:com");
  EXPECT_EQ(d1->names, 4u);
  EXPECT_EQ(d1->previous_date, "");
  using C = Change;
  EXPECT_EQ(changes(*d1), (std::vector<std::pair<std::string, C>>{{"paypa1.com", C::new_candidate},
                                                                  {"paypal-login.com", C::new_candidate}}));
  auto c = candidate("paypa1.com");
  EXPECT_EQ(c.brands, std::vector<std::string>{"paypal.com"});
  EXPECT_EQ(c.fuzzers, std::vector<std::string>{"zone:com@2026-12-01"});
  EXPECT_EQ(c.first_seen, kDay1);
  ASSERT_TRUE(c.state);
  EXPECT_TRUE(c.state->flags & index::state_flag::registered);

  auto d2 = run(path("d2.gz"), "2026-12-02");
  ASSERT_TRUE(d2) << d2.error().message();
  EXPECT_EQ(d2->previous_date, "2026-12-01");
  EXPECT_EQ(d2->added, 2u);    // paypal-secure, zebra
  EXPECT_EQ(d2->removed, 1u);  // paypa1
  EXPECT_EQ(changes(*d2),
            (std::vector<std::pair<std::string, C>>{
                {"paypa1.com", C::deleted}, {"paypal-login.com", C::seen}, {"paypal-secure.com", C::registered}}));
  c = candidate("paypa1.com");
  ASSERT_TRUE(c.state);
  EXPECT_EQ(c.state->dns, index::DnsOutcome::nxdomain);
  EXPECT_EQ(c.state->flags, 0u);
  EXPECT_EQ(c.last_seen, kDay1);  // not seen on day 2
  EXPECT_EQ(candidate("paypal-login.com").last_seen, kDay1 + 86400000);

  auto d3 = run(path("d3.gz"), "2026-12-03");
  ASSERT_TRUE(d3) << d3.error().message();
  EXPECT_EQ(d3->added, 1u);
  EXPECT_EQ(d3->removed, 0u);
  EXPECT_EQ(changes(*d3),
            (std::vector<std::pair<std::string, C>>{
                {"paypa1.com", C::registered}, {"paypal-login.com", C::seen}, {"paypal-secure.com", C::seen}}));
  c = candidate("paypa1.com");
  EXPECT_EQ(c.fuzzers, (std::vector<std::string>{"zone:com@2026-12-01", "zone:com@2026-12-03"}));
  EXPECT_TRUE(c.state && (c.state->flags & index::state_flag::registered));

  EXPECT_EQ(events(), (std::vector<std::string>{
                          "new-candidate paypa1.com paypal.com",
                          "new-candidate paypal-login.com paypal.com",
                          "registered paypal-secure.com zone:com@2026-12-02 paypal.com",
                          "deleted paypa1.com zone:com@2026-12-02 paypal.com",
                          "registered paypa1.com zone:com@2026-12-03 paypal.com",
                      }));
  auto states = source_states(*db.store);
  ASSERT_TRUE(states);
  ASSERT_EQ(states->size(), 1u);
  EXPECT_EQ((*states)[0].source, "zone:com");
  EXPECT_EQ((*states)[0].date, "2026-12-03");
  EXPECT_EQ((*states)[0].names, 6u);
  EXPECT_EQ((*states)[0].matches, 3u);
  EXPECT_EQ((*states)[0].files, 3u);
  // The position records live in the index's meta family: check() accepts them.
  auto check = db.store->check();
  ASSERT_TRUE(check);
  EXPECT_TRUE(check->ok()) << (check->problems.empty() ? "" : check->problems[0]);
  // Only the current generation's file is kept.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(path("db/ingest"))) ++files;
  EXPECT_EQ(files, 1u);
}

TEST_F(Ingest, ANameStillDelegatedKeepsWhatTheResolverFound) {
  test::write_gzip(path("d1.gz"), zone_of({"example", "paypa1"}));
  test::write_gzip(path("d2.gz"), zone_of({"example", "paypa1", "zebra"}));
  ASSERT_TRUE(run(path("d1.gz"), "2026-12-01"));
  const index::StateSummary resolved{kDay1 + 10 * 3600000, index::DnsOutcome::answer,
                                     index::state_flag::registered | index::state_flag::has_a};
  index::CandidateUpdate u;
  u.name = "paypa1.com";
  u.seen = kDay1 + 10 * 3600000;
  u.state = resolved;
  ASSERT_TRUE(db.store->upsert_candidates(std::span(&u, 1)));
  ASSERT_TRUE(run(path("d2.gz"), "2026-12-02"));
  EXPECT_EQ(candidate("paypa1.com").state, resolved);
}

TEST_F(Ingest, AFailedFileCommitsNothing) {
  test::write_gzip(path("d1.gz"), zone_of({"example", "paypa1"}));
  ASSERT_TRUE(run(path("d1.gz"), "2026-12-01"));
  const auto before_events = events();
  const auto before_states = source_states(*db.store);
  std::vector<std::string> labels{"paypal-login"};
  for (int i = 0; i < 30000; ++i) labels.push_back("name" + std::to_string(i));
  test::write_gzip(path("full.gz"), zone_of(labels));
  const std::string gz = test::read_file(path("full.gz"));
  test::write_file(path("cut.gz"), gz.substr(0, gz.size() * 3 / 4));
  auto r = run(path("cut.gz"), "2026-12-02");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().reason.find("truncated"), std::string::npos);
  EXPECT_EQ(events(), before_events);
  auto after_states = source_states(*db.store);
  ASSERT_TRUE(before_states && after_states);
  EXPECT_EQ((*after_states)[0].date, (*before_states)[0].date);
  EXPECT_FALSE(db.store->get_candidate("paypal-login.com").value());
  // The next good file still diffs against day 1.
  test::write_gzip(path("d2.gz"), zone_of({"example", "paypa1", "paypal-login"}));
  auto d2 = run(path("d2.gz"), "2026-12-02");
  ASSERT_TRUE(d2) << d2.error().message();
  EXPECT_EQ(d2->added, 1u);
  EXPECT_EQ(d2->removed, 0u);
}

TEST_F(Ingest, FilesOfASourceGoInDateOrderAndTheSameDataTwiceIsANoOp) {
  test::write_gzip(path("d2.gz"), zone_of({"example", "paypa1"}));
  ASSERT_TRUE(run(path("d2.gz"), "2026-12-02"));
  const auto e = events();
  auto again = run(path("d2.gz"), "2026-12-02");
  ASSERT_TRUE(again);
  EXPECT_EQ(events(), e);
  EXPECT_EQ((*source_states(*db.store))[0].files, 1u);
  auto older = run(path("d2.gz"), "2026-12-01");
  ASSERT_FALSE(older);
  EXPECT_NE(older.error().reason.find("date order"), std::string::npos);
}

TEST_F(Ingest, ListsAreFeedsNamedAfterTheirFileAndRecordNoDeletions) {
  test::write_file(path("nrd.txt"), "paypa1.com\nhttps://login.paypal-verify.net/x\nexample.org\n");
  auto d1 = run(path("nrd.txt"), "2026-12-01");
  ASSERT_TRUE(d1) << d1.error().message();
  EXPECT_EQ(d1->source, "feed:nrd");
  EXPECT_EQ(d1->matches.size(), 2u);
  EXPECT_EQ(candidate("paypal-verify.net").fuzzers, std::vector<std::string>{"feed:nrd@2026-12-01"});
  EXPECT_FALSE(candidate("paypa1.com").state);  // a list says nothing about delegation
  test::write_file(path("nrd2.txt"), "paypal-shop.com\n");
  auto d2 = run(path("nrd2.txt"), "2026-12-02", Format::list, "nrd");
  ASSERT_TRUE(d2) << d2.error().message();
  EXPECT_EQ(d2->removed, 3u);
  EXPECT_EQ(changes(*d2), (std::vector<std::pair<std::string, Change>>{{"paypal-shop.com", Change::registered}}));
}

TEST_F(Ingest, AZoneWithoutAnOriginNeedsASource) {
  test::write_file(path("frag"), "paypa1.com. 1 IN NS ns.example.\n");
  auto r = run(path("frag"), "2026-12-01", Format::zone);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().reason.find("--source"), std::string::npos);
  r = run(path("frag"), "2026-12-01", Format::zone, "com");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->source, "zone:com");
}

// `db export` carries each source's position (its day-over-day state: date, counts); a store
// restored from it has the positions but not the hash files beside the old store, so the next file
// is compared with nothing (a note says so) instead of failing or calling everything registered.
TEST_F(Ingest, ExportCarriesTheSourcePositionsAndARestoredStoreGoesOn) {
  test::write_gzip(path("d1.gz"), zone_of({"example", "paypa1", "paypal-login", "shop"}));
  test::write_gzip(path("d2.gz"), zone_of({"example", "paypal-login", "paypal-secure", "shop"}));
  ASSERT_TRUE(run(path("d1.gz"), "2026-12-01"));
  std::ostringstream out;
  ASSERT_TRUE(db.store->export_jsonl(out));
  const std::string dump = out.str();
  EXPECT_NE(dump.find(R"({"type":"feed_state","source":"zone:com","value":"1 1 2026-12-01 4 2 0 0 1"})"),
            std::string::npos)
      << dump;

  test_support::TempStore restored{"lookalike-ingest-restored"};
  std::istringstream in(dump);
  auto imported = restored.store->import_jsonl(in);
  ASSERT_TRUE(imported) << imported.error().message;
  EXPECT_EQ(imported->feed_states, 1u);
  auto before = source_states(*db.store), after = source_states(*restored.store);
  ASSERT_TRUE(before && after);
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].date, "2026-12-01");
  EXPECT_EQ((*after)[0].names, (*before)[0].names);
  EXPECT_EQ((*after)[0].generation, (*before)[0].generation);

  IngestOptions o;
  o.date = "2026-12-02";
  o.state_dir = (restored.dir.path / "db" / "ingest").string();
  auto d2 = ingest_file(path("d2.gz"), *matcher, *restored.store, o, {});
  ASSERT_TRUE(d2) << d2.error().message();
  EXPECT_NE(d2->note.find("missing"), std::string::npos) << d2->note;
  EXPECT_EQ(d2->previous_date, "2026-12-01");
  EXPECT_EQ(changes(*d2), (std::vector<std::pair<std::string, Change>>{{"paypal-login.com", Change::seen},
                                                                       {"paypal-secure.com", Change::new_candidate}}));
  auto states = source_states(*restored.store);
  ASSERT_TRUE(states);
  EXPECT_EQ((*states)[0].files, 2u);
  EXPECT_EQ((*states)[0].date, "2026-12-02");
}

TEST(NameHash, IsStable) {
  // On disk in every state file: a change here would turn every name into an addition.
  EXPECT_EQ(name_hash("example.com"), name_hash(std::string("example.") + "com"));
  EXPECT_NE(name_hash("example.com"), name_hash("example.net"));
  EXPECT_NE(name_hash(""), name_hash("a"));
}

TEST(Dates, AreCheckedAsCalendarDates) {
  EXPECT_TRUE(valid_date("2026-12-02"));
  EXPECT_TRUE(valid_date("2024-02-29"));
  EXPECT_FALSE(valid_date("2026-02-29"));
  EXPECT_FALSE(valid_date("2026-13-01"));
  EXPECT_FALSE(valid_date("2026-1-01"));
  EXPECT_TRUE(valid_date(today_utc()));
}

}  // namespace
}  // namespace lookalike::ingest
