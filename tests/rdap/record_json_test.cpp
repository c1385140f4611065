// Record <-> JSON: exact round trips, and damaged cache payloads are Errors.
#include <gtest/gtest.h>

#include "rdap/rdap.hpp"
#include "tests/rdap/rdap_test_server.hpp"

namespace lookalike::rdap {
namespace {

TEST(RecordJson, RoundTripsAParsedRecordExactly) {
  auto r = parse_domain(testing::fixture("registrar_nested_abuse.json"), "paypa1-login.example");
  ASSERT_TRUE(r.has_value()) << r.error().what;
  r->server = "https://rdap.example/";
  r->fetched = 1764320000123;
  r->warnings.push_back("quote \" backslash \\ newline \n tab \t and \x01 control");
  const std::string json = to_json(*r);
  EXPECT_EQ(json.find('\n'), std::string::npos);  // one line, for --json and the cache
  auto back = from_json(json);
  ASSERT_TRUE(back.has_value()) << back.error().what;
  EXPECT_EQ(*back, *r);
}

TEST(RecordJson, KeepsAbsentFactsAbsent) {
  Record r;
  r.name = "example.com";
  auto back = from_json(to_json(r));
  ASSERT_TRUE(back.has_value()) << back.error().what;
  EXPECT_EQ(*back, r);
  EXPECT_FALSE(back->registrar_iana_id.has_value());
  EXPECT_FALSE(back->expires.has_value());
  EXPECT_NE(to_json(r).find("\"expires\":null"), std::string::npos);
}

TEST(RecordJson, RejectsDamagedPayloads) {
  for (std::string_view bad : {"", "{", "[]", R"({"handle":"x"})", R"({"name":""})", R"({"name":5})",
                               R"({"name":"a.com","registrar_iana_id":-1})", R"({"name":"a.com","expires":"soon"})",
                               R"({"name":"a.com","status":"ok"})", R"({"name":"a.com","status":[1]})"}) {
    auto r = from_json(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_TRUE(r.error().what.starts_with("cached RDAP record")) << r.error().what;
  }
}

}  // namespace
}  // namespace lookalike::rdap
