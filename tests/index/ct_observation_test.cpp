// The stored CT sighting (index/ct_observation.hpp): what the writer spells, the reader reads back,
// hostile certificate text stays valid JSON, and older or damaged payloads read as far as they go.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "index/ct_observation.hpp"

namespace lookalike::index {
namespace {

CtObservation sample() {
  return CtObservation{"Test Log", "bG9nLWlk", 41, 1'700'000'000'000, std::string(64, 'a'),
                       "CN=Evil \"CA\",O=X\\, Inc.,C=US", {"examp1e.com", "*.examp1e.com", std::string("bad\xff\x01", 5)},
                       1'699'000'000'000, 1'707'000'000'000, true, "homoglyph", "example.com"};
}

TEST(CtObservation, WritesTheDocumentedMembersInOrder) {
  const std::string j = to_json(sample());
  EXPECT_EQ(j.rfind("{\"log\":\"Test Log\",\"log_id\":\"bG9nLWlk\",\"index\":41,\"timestamp\":1700000000000,\"cert_sha256\":\"", 0), 0u) << j;
  const auto parsed = nlohmann::ordered_json::parse(j);  // parses: the issuer and the bad SAN were escaped
  std::vector<std::string> keys;
  for (const auto& [k, v] : parsed.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"log", "log_id", "index", "timestamp", "cert_sha256", "issuer", "sans",
                                            "not_before", "not_after", "precert", "rule", "brand"}));
}

TEST(CtObservation, ReadsBackWhatItWrote) {
  const CtObservation o = sample();
  const auto back = parse_ct_observation(to_json(o));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->log, o.log);
  EXPECT_EQ(back->log_id, o.log_id);
  EXPECT_EQ(back->index, o.index);
  EXPECT_EQ(back->timestamp, o.timestamp);
  EXPECT_EQ(back->cert_sha256, o.cert_sha256);
  EXPECT_EQ(back->issuer, o.issuer);
  ASSERT_EQ(back->sans.size(), 3u);
  EXPECT_EQ(back->sans[1], "*.examp1e.com");
  EXPECT_EQ(back->not_before, o.not_before);
  EXPECT_EQ(back->not_after, o.not_after);
  EXPECT_TRUE(back->precert);
  EXPECT_EQ(back->rule, o.rule);
  EXPECT_EQ(back->brand, o.brand);
  EXPECT_EQ(to_json(*back), to_json(parse_ct_observation(to_json(*back)).value()));  // stable
}

TEST(CtObservation, ReadsOlderAndDamagedPayloadsAsFarAsTheyGo) {
  const auto old = parse_ct_observation(R"({"log":"test","index":7,"sans":["a.com",3,null],"precert":"yes"})");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->log, "test");
  EXPECT_EQ(old->index, 7u);
  EXPECT_EQ(old->sans, std::vector<std::string>{"a.com"});
  EXPECT_FALSE(old->precert);
  EXPECT_TRUE(old->issuer.empty());
  EXPECT_EQ(old->timestamp, 0u);
  EXPECT_FALSE(parse_ct_observation("not json"));
  EXPECT_FALSE(parse_ct_observation("[1,2]"));
  EXPECT_FALSE(parse_ct_observation(""));
}

}  // namespace
}  // namespace lookalike::index
