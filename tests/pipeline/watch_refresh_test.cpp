// refresh_names, the step `scan` and `watch` share, against a real nsd on loopback and a real
// store: transitions become alert events in the same commit, a DNS outage (no resolver left)
// stores nothing at all (no "registered" again when it comes back), and owned names raise nothing.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>

#include "pipeline/scan.hpp"
#include "posture/records.hpp"
#include "tests/support/dkim_key.hpp"
#include "tests/support/nsd_server.hpp"
#include "tests/support/temp_store.hpp"

namespace lookalike::pipeline {
namespace {

namespace fs = std::filesystem;
using test_support::NsdServer;
using test_support::Zone;

struct TempStore : test_support::TempStore {
  TempStore() : test_support::TempStore("lookalike-watch-refresh") {}
};

// A minimal web server on 127.0.0.1 (ephemeral port): every connection gets one 200 page.
class WebServer {
 public:
  WebServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd_, 16) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) continue;
        const int c = accept(fd_, nullptr, nullptr);
        if (c < 0) continue;
        char buf[4096];
        (void)read(c, buf, sizeof buf);
        static constexpr char kReply[] =
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 44\r\nConnection: close\r\n\r\n"
            "<html><title>Sign in</title>examplebank</html>";
        (void)write(c, kReply, sizeof kReply - 1);
        close(c);
      }
    });
  }
  ~WebServer() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
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
std::vector<RefreshOutcome> refresh(index::Store& store, resolver::Resolver& res, const std::vector<std::string>& names,
                                    scoring::Prober* prober = nullptr, ScanSummary* out_summary = nullptr) {
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
  auto outcomes = refresh_names(store, res, prober, brand, items, o, page, summary, nullptr);
  if (out_summary) *out_summary = summary;
  return outcomes;
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

  // The server is gone: no resolver is left (an outage). Nothing is stored: no outcome, the
  // names keep their state, score and check time, and no event is raised.
  {
    resolver::Resolver res(dns_for("127.0.0.1:" + std::to_string(test_support::free_loopback_port())));
    ScanSummary summary;
    const auto outage = refresh(s, res, names, nullptr, &summary);
    EXPECT_TRUE(outage.empty());
    ASSERT_TRUE(summary.outage.has_value());
    EXPECT_NE(summary.outage->find("no live resolver left"), std::string::npos) << *summary.outage;
    const auto after = s.get_candidate("examp1ebank.com").value().value();
    EXPECT_EQ(after.state, before.state);
    EXPECT_EQ(after.score->value, before.score->value);
    EXPECT_EQ(after.score->time, before.score->time);
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

  // A web server starts answering on the look-alike's address: web-live (probes of loopback
  // only because this test allows private addresses).
  WebServer web;
  scoring::ProbeOptions po;
  po.allow_private = true;
  po.mail = false;
  po.http_port = web.port();
  po.https_port = test_support::free_loopback_port();  // nothing listens: HTTPS fails, HTTP answers
  po.step_timeout = std::chrono::milliseconds(2000);
  scoring::Prober prober(po);
  seq = s.stats().value().last_event_seq;
  const auto live = refresh(s, res, names, &prober);
  EXPECT_TRUE(live[0].flags & index::state_flag::web_live);
  EXPECT_EQ(events_after(s, seq), (std::vector<std::pair<index::EventKind, std::string>>{
                                      {index::EventKind::web_live, "examp1ebank.com"}}));
  const auto web_events = s.read_events_after(seq).value();
  for (const auto& e : web_events) {
    if (e.kind == index::EventKind::web_live) {
      EXPECT_EQ(e.detail, "http 200 \"Sign in\"");
    }
  }
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

// The score's DNS-only mail readiness, from the answers the refresh already asks for (MX, TXT,
// _dmarc TXT): of three look-alikes equal in every other way, the one whose SPF ends in +all
// outranks the one with -all, and the defensively parked one (null MX, -all, p=reject) scores low.
TEST(WatchRefresh, MailReadinessFromDnsRanksPlusAllAboveMinusAllAndParkedLow) {
  TempStore t;
  const std::string z = "@ 3600 IN SOA ns.refresh.invalid. hostmaster.refresh.invalid. 1 3600 600 86400 60\n"
                        "@ NS ns.refresh.invalid.\n"
                        "examp1ebank MX 10 mail.examp1ebank.com.\nmail.examp1ebank A 127.0.0.1\n"
                        "examp1ebank TXT \"v=spf1 mx +all\"\n"
                        "examplebamk MX 10 mail.examp1ebank.com.\n"
                        "examplebamk TXT \"v=spf1 mx -all\"\n"
                        "exarnplebank MX 0 .\n"
                        "exarnplebank TXT \"v=spf1 -all\"\n"
                        "_dmarc.exarnplebank TXT \"v=DMARC1; p=reject\"\n";
  NsdServer nsd({Zone{"com", z}});
  resolver::Resolver res(dns_for(nsd.address()));
  const auto out = refresh(*t.store, res, {"examp1ebank.com", "examplebamk.com", "exarnplebank.com"});
  ASSERT_EQ(out.size(), 3u);
  auto codes = [](const RefreshOutcome& o) {
    std::vector<std::string> c;
    for (const auto& r : o.score.reasons) c.push_back(r.code + " " + std::to_string(r.points) + " " + r.text);
    return c;
  };
  const scoring::Weights& w = scoring::default_weights();
  const auto& plus_all = out[0].score;
  const auto& minus_all = out[1].score;
  const auto& parked = out[2].score;
  EXPECT_GT(plus_all.value, minus_all.value) << testing::PrintToString(codes(out[0]));
  EXPECT_EQ(plus_all.value - minus_all.value, w.spf_all_pass) << testing::PrintToString(codes(out[1]));
  const std::string mx = "mail.mx_record " + std::to_string(w.mx_record) + " accepts mail (MX)";
  const std::string no_dmarc = "mail.dmarc_missing " + std::to_string(w.dmarc_missing) + " no DMARC";
  const std::string plus = "mail.spf_all_pass " + std::to_string(w.spf_all_pass) + " SPF +all: anyone may send as it";
  auto has = [](const std::vector<std::string>& v, const std::string& x) { return std::ranges::find(v, x) != v.end(); };
  const auto first = codes(out[0]);
  const auto second = codes(out[1]);
  for (const auto& want : {mx, no_dmarc, plus}) EXPECT_TRUE(has(first, want)) << want;
  for (const auto& want : {mx, no_dmarc}) EXPECT_TRUE(has(second, want)) << want;
  EXPECT_FALSE(has(second, plus));
  const std::string defensive = "discount.defensively_parked -" + std::to_string(w.defensively_parked) +
                                " defensively parked: null MX, -all, p=reject";
  // Strongest reasons first (as stored): nothing but the similarity, the registration and the discount.
  EXPECT_EQ(codes(out[2]), (std::vector<std::string>{
                               "similarity.homoglyph " + std::to_string(w.similarity[0]) +
                                   " visually identical to the brand (homoglyph / confusable skeleton)",
                               defensive, "registered " + std::to_string(w.registered) + " registered (resolves in DNS)"}));
  EXPECT_LE(parked.level, scoring::Level::low);
  EXPECT_LT(parked.value, minus_all.value);
}

// DKIM keys of look-alikes: a name publishing a signing key under one of posture's guessed
// selectors gets the mail.dkim_key reason; no key, a t=y key, a revoked key or an RSA 512 key do not.
TEST(WatchRefresh, ALookAlikeWithASigningDkimKeyGetsTheReasonOthersDoNot) {
  using test_support::dkim_public_key;
  using test_support::txt;
  TempStore t;
  const std::string rsa2048 = dkim_public_key(2048), rsa1024 = dkim_public_key(1024), rsa512 = dkim_public_key(512);
  const std::string z = "@ 3600 IN SOA ns.refresh.invalid. hostmaster.refresh.invalid. 1 3600 600 86400 60\n"
                        "@ NS ns.refresh.invalid.\n"
                        "examp1ebank MX 10 mail.examp1ebank.com.\nmail.examp1ebank A 127.0.0.1\n"
                        "s1._domainkey.examp1ebank TXT " + txt("v=DKIM1; k=rsa; p=" + rsa2048) + "\n"
                        "examplebamk MX 10 mail.examp1ebank.com.\n"
                        "exarnplebank MX 10 mail.examp1ebank.com.\n"
                        "k1._domainkey.exarnplebank TXT " + txt("v=DKIM1; k=rsa; t=y; p=" + rsa1024) + "\n"
                        "examplebahk MX 10 mail.examp1ebank.com.\n"
                        "default._domainkey.examplebahk TXT \"v=DKIM1; p=\"\n"
                        "mail._domainkey.examplebahk TXT " + txt("v=DKIM1; p=" + rsa512) + "\n";
  NsdServer nsd({Zone{"com", z}});
  resolver::Resolver res(dns_for(nsd.address()));
  const auto out =
      refresh(*t.store, res, {"examp1ebank.com", "examplebamk.com", "exarnplebank.com", "examplebahk.com", "examp1e-bank.com"});
  ASSERT_EQ(out.size(), 5u);
  const scoring::Weights& w = scoring::default_weights();
  auto dkim_reason = [](const RefreshOutcome& o) -> const scoring::Reason* {
    for (const auto& r : o.score.reasons)
      if (r.code == "mail.dkim_key") return &r;
    return nullptr;
  };
  const scoring::Reason* with_key = dkim_reason(out[0]);
  ASSERT_NE(with_key, nullptr);
  EXPECT_EQ(with_key->points, w.dkim_key);
  EXPECT_EQ(with_key->text, "publishes a DKIM key (selector s1): can sign mail in its name");
  EXPECT_EQ(out[0].score.value - out[1].score.value, w.dkim_key);
  for (std::size_t i = 1; i < out.size(); ++i) EXPECT_EQ(dkim_reason(out[i]), nullptr) << i;
  // The stored score carries the reason too (what report and alerts read).
  const auto stored = t.store->get_candidate("examp1ebank.com").value();
  ASSERT_TRUE(stored && stored->score);
  EXPECT_NE(std::ranges::find(stored->score->reasons, with_key->text), stored->score->reasons.end());
}

// The lookups stay bounded: nothing for names that do not exist, one question for a name without
// `_domainkey`, and the guess list only below an existing `_domainkey`.
TEST(WatchRefresh, DkimLookupsAskOnlyAboutNamesThatExist) {
  const std::string z = "@ 3600 IN SOA ns.refresh.invalid. hostmaster.refresh.invalid. 1 3600 600 86400 60\n"
                        "@ NS ns.refresh.invalid.\n"
                        "examplebamk A 127.0.0.1\n"
                        "examp1ebank A 127.0.0.1\n"
                        "s2._domainkey.examp1ebank TXT " + test_support::txt("v=DKIM1; k=ed25519; p=" + test_support::dkim_public_key(0)) + "\n";
  NsdServer nsd({Zone{"com", z}});
  resolver::Resolver res(dns_for(nsd.address()));
  const auto gone = res.resolve_all({"nothere-examplebank.com"});
  ASSERT_TRUE(gone[0].nxdomain());
  const DkimLookup none = lookup_dkim(res, gone);
  EXPECT_EQ(none.queries, 0u);
  ASSERT_EQ(none.found.size(), 1u);
  EXPECT_FALSE(none.found[0].signs);
  const auto bare = res.resolve_all({"examplebamk.com"});
  const DkimLookup one = lookup_dkim(res, bare);
  EXPECT_GE(one.queries, 1u);
  EXPECT_LE(one.queries, 1u + res.config().retries);
  EXPECT_FALSE(one.found[0].signs);
  const auto keyed = res.resolve_all({"examp1ebank.com"});
  const DkimLookup some = lookup_dkim(res, keyed);
  const std::uint64_t guesses = std::size(posture::kGuessedDkimSelectors);
  EXPECT_GE(some.queries, 1u + guesses);
  EXPECT_LE(some.queries, (1u + guesses) * (1u + res.config().retries));
  EXPECT_TRUE(some.found[0].signs);
  EXPECT_EQ(some.found[0].selector, "s2");
}

}  // namespace
}  // namespace lookalike::pipeline
