// `lookalike resolve`'s input lines and --stats line (resolver/result_output.hpp).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "resolver/result_output.hpp"

namespace lookalike::resolver {
namespace {

TEST(InputName, SkipsBlankLinesAndCommentsAndLowerCasesAscii) {
  std::string why;
  EXPECT_FALSE(input_name("", why));
  EXPECT_FALSE(input_name("  \t\r", why));
  EXPECT_FALSE(input_name("# a comment", why));
  EXPECT_EQ(input_name("  Example.COM\r", why), "example.com");
  EXPECT_EQ(input_name("_dmarc.Example.com", why), "_dmarc.example.com");  // ASCII is only lower-cased
  EXPECT_TRUE(why.empty());
}

TEST(InputName, GivesIdnsTheirALabelAndKeepsWhatIsNoDomainForTheResolverToReport) {
  std::string why;
  EXPECT_EQ(input_name("b\xC3\xBC" "cher.de", why), "xn--bcher-kva.de");
  EXPECT_TRUE(why.empty());
  EXPECT_EQ(input_name("\xFF\xFE.com", why), "\xFF\xFE.com");
  EXPECT_EQ(why, "not a valid domain name");
}

TEST(StatsJson, IsOneObjectWithTheCountersAndNonZeroTypeOutcomes) {
  Stats s;
  s.names = 3;
  s.queries = 20;
  s.retries = 2;
  s.type_queries[static_cast<int>(RecordType::a)][static_cast<int>(Outcome::nxdomain)] = 2;
  s.type_queries[static_cast<int>(RecordType::mx)][static_cast<int>(Outcome::answer)] = 1;
  const auto j = nlohmann::ordered_json::parse(stats_json(s, 2.0));
  EXPECT_EQ(j.begin().key(), "names");
  EXPECT_EQ(j.at("names"), 3);
  EXPECT_EQ(j.at("queries"), 20);
  EXPECT_EQ(j.at("retries"), 2);
  EXPECT_EQ(j.at("seconds"), 2);
  EXPECT_EQ(j.at("queries_per_second"), 10);
  EXPECT_EQ(j.at("type_queries"), nlohmann::ordered_json::parse(R"({"A":{"nxdomain":2},"MX":{"answer":1}})"));
  EXPECT_EQ(nlohmann::json::parse(stats_json(Stats{}, 0)).at("queries_per_second"), 0);
  EXPECT_EQ(nlohmann::json::parse(stats_json(Stats{}, 0)).at("type_queries"), nlohmann::json::object());
}

}  // namespace
}  // namespace lookalike::resolver
