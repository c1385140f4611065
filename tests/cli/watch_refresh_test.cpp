// refresh_names, the step `scan` and `watch` share, against a real nsd on loopback and a real
// store: transitions become alert events in the same commit, a DNS outage keeps the last known
// state (no "registered" again when it comes back), and owned names raise nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "cli/scan.hpp"
#include "tests/support/nsd_server.hpp"

namespace lookalike::cli {
namespace {

namespace fs = std::filesystem;
using test_support::NsdServer;
using test_support::Zone;

struct TempStore {
  fs::path path;
  std::optional<index::Store> store;
  TempStore() {
    std::string t = (fs::temp_directory_path() / "lookalike-watch-refresh-XXXXXX").string();
    path = mkdtemp(t.data());
    auto s = index::Store::open((path / "db").string());
    if (!s) throw std::runtime_error(s.error().message);
    store.emplace(std::move(*s));
  }
  ~TempStore() {
    store.reset();
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string zone(bool mx) {
  std::string z = "@ 3600 IN SOA ns.refresh.invalid. hostmaster.refresh.invalid. 1 3600 600 86400 60\n"
                  "@ NS ns.refresh.invalid.\n"
                  "examp1ebank A 127.0.0.1\n"
                  "examplebank-login A 127.0.0.1\n";
  if (mx) z += "examp1ebank MX 10 mail.examp1ebank.com.\nexamplebank-login MX 10 mail.examp1ebank.com.\n";
  return z;
}

resolver::Config dns_for(const std::string& address) {
  resolver::Config c;
  c.upstreams = resolver::parse_upstreams(address).value();
  c.timeout = std::chrono::milliseconds(300);
  c.retries = 1;
  return c;
}

// Refreshes `names` (as watch does: from their stored records) and returns the outcomes.
std::vector<RefreshOutcome> refresh(index::Store& store, resolver::Resolver& res, const std::vector<std::string>& names) {
  index::Brand brand;
  brand.domain = "examplebank.com";
  std::vector<RefreshItem> items;
  for (const auto& n : names) {
    RefreshItem it;
    it.name = n;
    it.fuzzers = {"ct:homoglyph"};
    it.kind = scoring::SimilarityKind::homoglyph;
    it.prev = store.get_candidate(n).value();
    items.push_back(std::move(it));
  }
  BrandPage page;
  ScanSummary summary;
  RefreshOptions o;
  o.alert_events = true;
  return refresh_names(store, res, nullptr, brand, items, o, page, summary, nullptr);
}

std::vector<std::pair<index::EventKind, std::string>> events_after(index::Store& s, std::uint64_t after) {
  std::vector<std::pair<index::EventKind, std::string>> out;
  const auto events = s.read_events_after(after).value();
  for (const auto& e : events) {
    if (e.kind != index::EventKind::level_changed) out.emplace_back(e.kind, e.name);
  }
  return out;
}

TEST(WatchRefresh, TransitionsAreEventsAnOutageKeepsTheStateAndOwnedNamesStaySilent) {
  TempStore t;
  index::Store& s = *t.store;
  const std::vector<std::string> names = {"examp1ebank.com", "examplebank-login.com"};
  std::uint64_t seq = 0;
  {
    NsdServer nsd({Zone{"com", zone(false)}});
    resolver::Resolver res(dns_for(nsd.address()));
    const auto first = refresh(s, res, names);
    ASSERT_EQ(first.size(), 2u);
    EXPECT_TRUE(first[0].registered);
    EXPECT_EQ(first[0].events, std::vector<index::EventKind>{index::EventKind::registered});
    EXPECT_EQ(events_after(s, 0), (std::vector<std::pair<index::EventKind, std::string>>{
                                      {index::EventKind::registered, "examp1ebank.com"},
                                      {index::EventKind::registered, "examplebank-login.com"}}));
    seq = s.stats().value().last_event_seq;
  }
  const auto before = s.get_candidate("examp1ebank.com").value().value();

  // The server is gone: nothing answers. The names stay registered; only the check time moves.
  {
    resolver::Resolver res(dns_for("127.0.0.1:" + std::to_string(test_support::free_loopback_port())));
    const auto outage = refresh(s, res, names);
    EXPECT_TRUE(outage[0].state_kept);
    EXPECT_TRUE(outage[0].events.empty());
    const auto after = s.get_candidate("examp1ebank.com").value().value();
    EXPECT_EQ(after.state, before.state);
    EXPECT_EQ(after.score->value, before.score->value);
    EXPECT_GE(after.score->time, before.score->time);
    EXPECT_TRUE(events_after(s, seq).empty());
  }

  // Back with MX records: one mx-appeared for the look-alike, none for the name we own.
  ASSERT_TRUE(s.put_verdict("examplebank-login.com", {index::Decision::owned, "ours", 0}).has_value());
  seq = s.stats().value().last_event_seq;
  NsdServer nsd({Zone{"com", zone(true)}});
  resolver::Resolver res(dns_for(nsd.address()));
  const auto back = refresh(s, res, names);
  EXPECT_FALSE(back[0].state_kept);
  EXPECT_EQ(back[0].change, "mx appeared");
  EXPECT_EQ(events_after(s, seq), (std::vector<std::pair<index::EventKind, std::string>>{
                                      {index::EventKind::mx_appeared, "examp1ebank.com"}}));
  EXPECT_TRUE(back[1].events.empty());
  // Nothing changed since: no new events, and the state's time still says when it last changed.
  seq = s.stats().value().last_event_seq;
  const auto changed_at = s.get_candidate("examp1ebank.com").value().value().state->time;
  (void)refresh(s, res, names);
  EXPECT_TRUE(events_after(s, seq).empty());
  EXPECT_EQ(s.get_candidate("examp1ebank.com").value().value().state->time, changed_at);
}

TEST(WatchRefresh, StoredProvenanceGivesTheStrongestSimilarity) {
  using K = scoring::SimilarityKind;
  EXPECT_EQ(similarity_of_stored({"ct:homoglyph"}).kind, K::homoglyph);
  EXPECT_EQ(similarity_of_stored({"ct:combosquat", "ct:edit"}).kind, K::one_edit);
  EXPECT_EQ(similarity_of_stored({"ct:edit"}).edit_distance, 1);
  EXPECT_EQ(similarity_of_stored({"tld-swap"}).kind, K::tld_swap);
  EXPECT_EQ(similarity_of_stored({"combosquat", "homoglyph"}).kind, K::homoglyph);
  EXPECT_EQ(similarity_of_stored({}).kind, K::other);
  EXPECT_EQ(similarity_of_stored({"ct:unknown-rule"}).kind, K::other);
}

}  // namespace
}  // namespace lookalike::cli
