// Unit tests of the value encoding, the candidate merge and the JSON-lines format.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "index/codec.hpp"
#include "index/jsonl.hpp"

namespace lookalike::index {
namespace {

Sha256 sha(std::uint8_t seed) {
  Sha256 s{};
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::uint8_t>(seed + i);
  return s;
}

Candidate full_candidate() {
  Candidate c;
  c.brands = {"example.com", "example.org"};
  c.fuzzers = {"homoglyph", "tld-swap"};
  c.ct = {{"log-a", 42, sha(1)}, {"log-b", 7, sha(2)}};
  c.first_seen = 1'700'000'000'000;
  c.last_seen = 1'700'000'500'000;
  c.state = StateSummary{1'700'000'400'000, DnsOutcome::answer, state_flag::registered | state_flag::has_mx};
  c.score = Score{87, 4, {"homoglyph of example.com", "live MX"}, 1'700'000'450'000};
  codec::normalize(c);
  return c;
}

TEST(CandidateEncoding, RoundTripsEveryField) {
  const Candidate c = full_candidate();
  auto d = codec::decode_candidate(codec::encode_candidate(c));
  ASSERT_TRUE(d) << d.error();
  EXPECT_EQ(*d, c);
}

TEST(CandidateEncoding, RoundTripsAnEmptyRecord) {
  auto d = codec::decode_candidate(codec::encode_candidate(Candidate{}));
  ASSERT_TRUE(d) << d.error();
  EXPECT_EQ(*d, Candidate{});
}

TEST(CandidateEncoding, IsCompactForATypicalGeneratorCandidate) {
  Candidate c;
  c.brands = {"example.com"};
  c.fuzzers = {"homoglyph"};
  c.first_seen = c.last_seen = 1'700'000'000'000;
  EXPECT_LE(codec::encode_candidate(c).size(), 40u);
}

TEST(CandidateEncoding, RejectsEveryTruncation) {
  const std::string v = codec::encode_candidate(full_candidate());
  for (std::size_t n = 0; n < v.size(); ++n) {
    auto d = codec::decode_candidate(std::string_view(v).substr(0, n));
    EXPECT_FALSE(d) << "prefix of " << n << " bytes decoded";
  }
}

TEST(CandidateEncoding, RejectsTrailingBytesWithTheirOffset) {
  std::string v = codec::encode_candidate(full_candidate());
  v += "xy";
  auto d = codec::decode_candidate(v);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().find("2 trailing bytes"), std::string::npos) << d.error();
}

TEST(CandidateEncoding, RefusesAValueFromANewerVersionWithAClearMessage) {
  std::string v = codec::encode_candidate(full_candidate());
  v[0] = static_cast<char>(codec::kValueVersion + 1);
  auto d = codec::decode_candidate(v);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().find("newer lookalike"), std::string::npos) << d.error();
}

TEST(CandidateEncoding, RejectsAHugeLengthWithoutAllocating) {
  std::string v = codec::encode_candidate(Candidate{});
  // version, flags=0, then a brands count of 2^62.
  v = std::string("\x01\x00", 2) + "\xff\xff\xff\xff\xff\xff\xff\xff\x3f";
  auto d = codec::decode_candidate(v);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().find("brands"), std::string::npos) << d.error();
}

TEST(CandidateMerge, UnionsSetsAndKeepsFirstSeenMinAndLastSeenMax) {
  Candidate a;
  a.brands = {"example.com"};
  a.fuzzers = {"homoglyph"};
  a.ct = {{"log-a", 1, sha(1)}};
  a.first_seen = a.last_seen = 2000;
  Candidate b;
  b.brands = {"example.com", "example.net"};
  b.fuzzers = {"addition"};
  b.ct = {{"log-a", 1, sha(1)}, {"log-b", 9, sha(3)}};
  b.first_seen = b.last_seen = 1000;
  Candidate c;
  c.first_seen = c.last_seen = 3000;
  Candidate acc;
  codec::merge_into(acc, a);
  codec::merge_into(acc, b);
  codec::merge_into(acc, c);
  EXPECT_EQ(acc.brands, (std::vector<std::string>{"example.com", "example.net"}));
  EXPECT_EQ(acc.fuzzers, (std::vector<std::string>{"addition", "homoglyph"}));
  EXPECT_EQ(acc.ct.size(), 2u);
  EXPECT_EQ(acc.first_seen, 1000);
  EXPECT_EQ(acc.last_seen, 3000);
}

TEST(CandidateMerge, ARecordWithoutSightingDoesNotResetTheTimes) {
  Candidate acc;
  acc.first_seen = acc.last_seen = 5000;
  Candidate score_only;
  score_only.score = Score{50, 2, {}, 6000};
  codec::merge_into(acc, score_only);
  EXPECT_EQ(acc.first_seen, 5000);
  EXPECT_EQ(acc.last_seen, 5000);
  ASSERT_TRUE(acc.score);
  EXPECT_EQ(acc.score->value, 50);
}

TEST(CandidateMerge, KeepsTheLatestStateAndScoreByTime) {
  Candidate older, newer;
  older.state = StateSummary{100, DnsOutcome::answer, state_flag::has_mx};
  older.score = Score{90, 4, {"old"}, 100};
  newer.state = StateSummary{200, DnsOutcome::nxdomain, 0};
  newer.score = Score{10, 0, {"new"}, 200};
  Candidate x, y;
  codec::merge_into(x, older);
  codec::merge_into(x, newer);
  codec::merge_into(y, newer);
  codec::merge_into(y, older);
  EXPECT_EQ(x, y);
  EXPECT_EQ(x.state->dns, DnsOutcome::nxdomain);
  EXPECT_EQ(x.score->value, 10);
}

TEST(CandidateMerge, CapsSightingsKeepingTheHighestIndexes) {
  Candidate acc;
  for (std::uint64_t i = 0; i < kMaxSightings * 3; ++i) {
    Candidate op;
    op.ct = {{"log", i, sha(static_cast<std::uint8_t>(i))}};
    codec::merge_into(acc, op);
  }
  ASSERT_EQ(acc.ct.size(), kMaxSightings);
  EXPECT_EQ(acc.ct.front().index, kMaxSightings * 3 - 1);
  EXPECT_EQ(acc.ct.back().index, kMaxSightings * 2);
}

TEST(CandidateMerge, GivesTheSameResultInAnyOrderAndGrouping) {
  std::mt19937 rng(7);
  std::vector<Candidate> ops;
  for (int i = 0; i < 40; ++i) {
    Candidate c;
    c.brands = {"b" + std::to_string(rng() % 5) + ".com"};
    c.fuzzers = {"f" + std::to_string(rng() % 7)};
    c.ct = {{"log" + std::to_string(rng() % 3), rng() % 200, sha(static_cast<std::uint8_t>(rng()))}};
    c.first_seen = c.last_seen = 1000 + static_cast<Time>(rng() % 1000);
    if (rng() % 3 == 0) c.state = StateSummary{static_cast<Time>(rng() % 50), DnsOutcome::answer, static_cast<std::uint32_t>(rng() % 16)};
    if (rng() % 3 == 0) c.score = Score{static_cast<std::uint8_t>(rng() % 101), 1, {"r"}, static_cast<Time>(rng() % 50)};
    ops.push_back(c);
  }
  Candidate reference;
  for (const auto& op : ops) codec::merge_into(reference, op);
  for (int round = 0; round < 20; ++round) {
    std::shuffle(ops.begin(), ops.end(), rng);
    // Partial merges of random groups, then a full merge of the partial results (as RocksDB does).
    Candidate acc;
    std::size_t i = 0;
    while (i < ops.size()) {
      const std::size_t n = 1 + rng() % 6;
      Candidate part;
      for (std::size_t j = i; j < std::min(ops.size(), i + n); ++j) codec::merge_into(part, ops[j]);
      auto rt = codec::decode_candidate(codec::encode_candidate(part));
      ASSERT_TRUE(rt);
      codec::merge_into(acc, *rt);
      i += n;
    }
    EXPECT_EQ(acc, reference) << "round " << round;
  }
}

TEST(OtherValues, RoundTripBrandCtStateVerdictEventAndObservation) {
  Brand b{"example.com", {"login"}, {"example.net"}, "common", 123};
  auto db = codec::decode_brand("example.com", codec::encode_brand(b));
  ASSERT_TRUE(db);
  EXPECT_EQ(*db, b);
  CtState s{1000, 999, std::string(32, '\x07'), "{\"tree_size\":999}", 55};
  auto ds = codec::decode_ct_state(codec::encode_ct_state(s));
  ASSERT_TRUE(ds);
  EXPECT_EQ(*ds, s);
  Verdict v{Decision::parked, "parking page, watch for changes", 77};
  auto dv = codec::decode_verdict(codec::encode_verdict(v));
  ASSERT_TRUE(dv);
  EXPECT_EQ(*dv, v);
  Event e{0, 88, EventKind::custom, "examp1e.com", "hello"};
  auto de = codec::decode_event(codec::encode_event(e));
  ASSERT_TRUE(de);
  EXPECT_EQ(*de, e);
  const std::string pv = codec::encode_observation_value(77, std::string("\0\x01payload", 9));
  auto dp = codec::decode_observation_value(pv);
  ASSERT_TRUE(dp);
  EXPECT_EQ(dp->payload, std::string("\0\x01payload", 9));
  EXPECT_EQ(dp->recorded, 77);
  auto du = codec::decode_u64(codec::encode_u64(0x0102030405060708ull));
  ASSERT_TRUE(du);
  EXPECT_EQ(*du, 0x0102030405060708ull);
}

TEST(OtherValues, RejectUnknownEnumValues) {
  std::string v = codec::encode_verdict(Verdict{Decision::malicious, "", 1});
  v[1] = 9;
  EXPECT_FALSE(codec::decode_verdict(v));
  v[1] = 0;
  EXPECT_FALSE(codec::decode_verdict(v));
  std::string e = codec::encode_event(Event{0, 1, EventKind::custom, "", ""});
  e[2] = 0;  // kind follows version and a one-byte zigzag time
  EXPECT_FALSE(codec::decode_event(e));
}

TEST(OtherValues, RetiredDecisionsStillDecodeAsTheirSuccessors) {
  // Stores written before the rename hold 1 threat, 3 watch, 4 takedown-requested, 5 taken-down.
  std::string v = codec::encode_verdict(Verdict{Decision::malicious, "old", 1});
  for (int old : {1, 4, 5}) {
    v[1] = static_cast<char>(old);
    auto d = codec::decode_verdict(v);
    ASSERT_TRUE(d) << old;
    EXPECT_EQ(d->decision, Decision::malicious) << old;
  }
  v[1] = 3;
  ASSERT_TRUE(codec::decode_verdict(v));
  EXPECT_EQ(codec::decode_verdict(v)->decision, Decision::suspicious);
  EXPECT_EQ(parse_decision("takedown-requested").value(), Decision::malicious);
  EXPECT_EQ(parse_decision("watch").value(), Decision::suspicious);
}

TEST(OtherValues, EveryDecisionAndEventKindNameRoundTrips) {
  for (auto d : kDecisions) {
    auto back = parse_decision(decision_name(d));
    ASSERT_TRUE(back) << decision_name(d);
    EXPECT_EQ(*back, d);
    auto dv = codec::decode_verdict(codec::encode_verdict(Verdict{d, "n", 5}));
    ASSERT_TRUE(dv);
    EXPECT_EQ(dv->decision, d);
  }
  auto bad = parse_decision("threatening");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("malicious, suspicious, benign, parked, owned"), std::string::npos);
  std::set<std::string_view> names;
  for (auto k : kEventKinds) {
    names.insert(event_kind_name(k));
    auto de = codec::decode_event(codec::encode_event(Event{0, 3, k, "a.com", "d"}));
    ASSERT_TRUE(de) << event_kind_name(k);
    EXPECT_EQ(de->kind, k);
  }
  EXPECT_EQ(names.size(), kEventKinds.size());
  EXPECT_TRUE(names.contains("mx-appeared"));
  EXPECT_TRUE(names.contains("web-live"));
  EXPECT_FALSE(names.contains("unknown"));
}

TEST(ByBrandKeys, SortHighestScoreFirstAndUnscoredLast) {
  std::vector<std::string> keys = {
      codec::by_brand_key("example.com", std::nullopt, "a.com"),
      codec::by_brand_key("example.com", 10, "b.com"),
      codec::by_brand_key("example.com", 100, "c.com"),
      codec::by_brand_key("example.com", 55, "d.com"),
      codec::by_brand_key("example.co", 0, "e.com"),
      codec::by_brand_key("example.comx", 99, "f.com"),
  };
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> names;
  for (const auto& k : keys) {
    auto p = codec::parse_by_brand_key(k);
    ASSERT_TRUE(p) << p.error();
    names.emplace_back(p->name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"e.com", "c.com", "d.com", "b.com", "a.com", "f.com"}));
}

TEST(ObservationKeys, RoundTripAndSortByTimeWithinAName) {
  const auto k1 = codec::observation_key("a.com", 2000, ObservationKind::dns, 9);
  const auto k2 = codec::observation_key("a.com", 10000, ObservationKind::probe, 3);
  EXPECT_LT(k1, k2);
  auto p = codec::parse_observation_key(k2);
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->name, "a.com");
  EXPECT_EQ(p->time, 10000);
  EXPECT_EQ(p->kind, ObservationKind::probe);
  EXPECT_EQ(p->seq, 3u);
  EXPECT_FALSE(codec::parse_observation_key("a.com"));
}

TEST(ObservationKeys, TwoSequencesOfOneMillisecondAreTwoKeysAndTheOlderFormStillParses) {
  const auto a = codec::observation_key("a.com", 2000, ObservationKind::ct, 1);
  const auto b = codec::observation_key("a.com", 2000, ObservationKind::ct, 2);
  EXPECT_LT(a, b);
  const auto legacy = codec::observation_key("a.com", 2000, ObservationKind::ct, 0);
  EXPECT_EQ(legacy.size(), std::string("a.com").size() + 10);
  auto p = codec::parse_observation_key(legacy);
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->seq, 0u);
  EXPECT_EQ(p->time, 2000);
  EXPECT_FALSE(codec::parse_observation_key(legacy + std::string(8, '\0')));  // sequence 0 is never written
}

TEST(ObservationValues, CarryTheRecordedTimeAndStillReadTheOlderForm) {
  const std::string v = codec::encode_observation_value(1234, std::string("\0pay", 4));
  auto d = codec::decode_observation_value(v);
  ASSERT_TRUE(d) << d.error();
  EXPECT_EQ(d->recorded, 1234);
  EXPECT_EQ(d->payload, std::string("\0pay", 4));
  const std::string old_bytes("\x01payload");  // the decoded payload is a view into these bytes
  auto old = codec::decode_observation_value(old_bytes);
  ASSERT_TRUE(old) << old.error();
  EXPECT_EQ(old->recorded, 0);
  EXPECT_EQ(old->payload, "payload");
  EXPECT_FALSE(codec::decode_observation_value(std::string("\x02\0\0", 3)));
  EXPECT_FALSE(codec::decode_observation_value(std::string("\x03x")));
  EXPECT_FALSE(codec::decode_observation_value(""));
}

TEST(KeyNames, RefuseSeparatorsUpperCaseAndOverlongNames) {
  EXPECT_TRUE(codec::validate_key_name("xn--exmple-cua.com"));
  EXPECT_FALSE(codec::validate_key_name(std::string("a\0b", 3)));
  EXPECT_FALSE(codec::validate_key_name("Example.com"));
  EXPECT_FALSE(codec::validate_key_name("a b"));
  EXPECT_FALSE(codec::validate_key_name(""));
  EXPECT_FALSE(codec::validate_key_name(std::string(254, 'a')));
}

TEST(JsonLines, RoundTripEveryRecordType) {
  std::vector<jsonl::Record> records = {
      jsonl::Meta{kSchemaVersion},
      Brand{"example.com", {"login"}, {"example.net"}, "common", 5},
      [] {
        Candidate c = full_candidate();
        c.name = "examp1e.com";
        return c;
      }(),
      jsonl::ObservationRecord{Observation{"examp1e.com", 1234, ObservationKind::probe, std::string("\x00\xff", 2)}, 5, 0},
      jsonl::ObservationRecord{Observation{"examp1e.com", 1235, ObservationKind::ct, R"({"log":"test","index":7})"}, 6, 42},
      jsonl::CtStateRecord{"log\x01id", CtState{10, 9, std::string(32, 'r'), "sth", 3}},
      jsonl::VerdictRecord{"examp1e.com", Verdict{Decision::malicious, "phishing kit", 4}},
      Event{17, 99, EventKind::level_changed, "examp1e.com", "level 4 (was 2), score 87"},
      Event{18, 100, EventKind::mx_appeared, "examp1e.com", "mx.examp1e.com"},
      jsonl::AckRecord{"alerts", 17},
  };
  for (const auto& r : records) {
    const std::string line = jsonl::to_line(r);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    EXPECT_EQ(line.rfind("{\"type\":", 0), 0u) << line;
    auto back = jsonl::parse_line(line);
    ASSERT_TRUE(back) << back.error() << " in " << line;
    EXPECT_EQ(*back, r) << line;
  }
}

TEST(JsonLines, NameTheFieldAtFault) {
  auto bad = jsonl::parse_line(R"({"type":"candidate","name":"Bad Name.com"})");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("\"name\""), std::string::npos) << bad.error();
  auto score = jsonl::parse_line(R"({"type":"candidate","name":"a.com","score":{"value":101,"level":1,"time":1}})");
  ASSERT_FALSE(score);
  EXPECT_NE(score.error().find("value"), std::string::npos) << score.error();
  EXPECT_FALSE(jsonl::parse_line("{not json"));
  EXPECT_FALSE(jsonl::parse_line(R"({"type":"spaceship"})"));
  EXPECT_FALSE(jsonl::parse_line(R"({"type":"event","seq":0,"time":1,"kind":"custom","name":"","detail":""})"));
  EXPECT_FALSE(jsonl::parse_line(R"({"type":"ct_state","log":"zz","next_index":1})"));
}

}  // namespace
}  // namespace lookalike::index
