// parse_domain on real and realistic RFC 9083 responses, and on hostile ones.
#include <gtest/gtest.h>

#include <string>

#include "rdap/json_util.hpp"
#include "rdap/rdap.hpp"
#include "tests/rdap/rdap_test_server.hpp"
#include "util/time.hpp"

namespace lookalike::rdap {
namespace {

using testing::fixture;

bool has_warning(const Record& r, std::string_view part) {
  for (const auto& w : r.warnings) {
    if (w.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST(ParseDomain, ReadsVerisignsAnswerForGoogleCom) {
  auto r = parse_domain(fixture("verisign_google_com.json"), "google.com");
  ASSERT_TRUE(r.has_value()) << r.error().what;
  EXPECT_EQ(r->name, "google.com");
  EXPECT_EQ(r->handle, "2138514_DOMAIN_COM-VRSN");
  EXPECT_EQ(r->registrar, "MarkMonitor Inc.");
  EXPECT_EQ(r->registrar_iana_id, 292u);
  EXPECT_EQ(r->abuse_email, "abusecomplaints@markmonitor.com");
  EXPECT_EQ(r->abuse_phone, "+1.2083895740");
  EXPECT_EQ(r->registered, util::parse_rfc3339("1997-09-15T04:00:00Z"));
  EXPECT_EQ(r->registered, 874296000000);
  EXPECT_EQ(r->expires, 1852516800000);
  EXPECT_FALSE(r->last_changed.has_value());  // Verisign only gives "last update of RDAP database"
  EXPECT_EQ(r->status.size(), 6u);
  EXPECT_EQ(r->status.front(), "client delete prohibited");
  EXPECT_EQ(r->nameservers, (std::vector<std::string>{"ns1.google.com", "ns2.google.com", "ns3.google.com",
                                                      "ns4.google.com"}));
  EXPECT_TRUE(r->warnings.empty()) << r->warnings.front();
}

TEST(ParseDomain, FindsTheAbuseContactNestedInTheRegistrarAndPrefersVoiceOverFax) {
  auto r = parse_domain(fixture("registrar_nested_abuse.json"), "PAYPA1-LOGIN.example.");
  ASSERT_TRUE(r.has_value()) << r.error().what;
  EXPECT_EQ(r->name, "paypa1-login.example");
  EXPECT_EQ(r->registrar, "Example Registrar, Inc.");
  EXPECT_EQ(r->registrar_iana_id, 9999u);
  EXPECT_EQ(r->abuse_email, "abuse@registrar.example");
  EXPECT_EQ(r->abuse_phone, "+1.5555550123");
  // Fractions and offsets: 2026-11-20T08:14:03.512Z, 2027-11-20T08:14:03+00:00, 10:02:44+01:00.
  EXPECT_EQ(r->registered, util::parse_rfc3339("2026-11-20T08:14:03.512Z"));
  EXPECT_EQ(*r->registered % 1000, 512);
  EXPECT_EQ(r->expires, util::parse_rfc3339("2027-11-20T08:14:03Z"));
  EXPECT_EQ(r->last_changed, util::parse_rfc3339("2026-11-21T09:02:44Z"));
  // Trailing dots and case folded, the duplicate dropped.
  EXPECT_EQ(r->nameservers, (std::vector<std::string>{"ns1.parking-host.example", "ns2.parking-host.example"}));
  EXPECT_TRUE(r->warnings.empty()) << r->warnings.front();
}

TEST(ParseDomain, ReportsMissingFactsAsWarningsNotErrors) {
  auto r = parse_domain(R"({"objectClassName":"domain","ldhName":"other.com"})", "example.com");
  ASSERT_TRUE(r.has_value()) << r.error().what;
  EXPECT_TRUE(has_warning(*r, "no registrar entity"));
  EXPECT_TRUE(has_warning(*r, "no abuse e-mail"));
  EXPECT_TRUE(has_warning(*r, "no expiration date"));
  EXPECT_TRUE(has_warning(*r, "is not the queried name"));
  EXPECT_EQ(r->name, "example.com");
}

TEST(ParseDomain, WarnsAboutAnUnparseableDateAndAMissingIanaId) {
  auto r = parse_domain(R"({"objectClassName":"domain","ldhName":"example.com",
    "events":[{"eventAction":"expiration","eventDate":"next tuesday"}],
    "entities":[{"objectClassName":"entity","roles":["registrar"],
                 "publicIds":[{"type":"IANA Registrar ID","identifier":"12a"}],
                 "vcardArray":["vcard",[["fn",{},"text","R"]]]}]})",
                        "example.com");
  ASSERT_TRUE(r.has_value()) << r.error().what;
  EXPECT_FALSE(r->expires.has_value());
  EXPECT_TRUE(has_warning(*r, "\"next tuesday\" is not RFC 3339"));
  EXPECT_TRUE(has_warning(*r, "is not a number"));
  EXPECT_EQ(r->registrar, "R");
}

TEST(ParseDomain, TurnsAnRdapErrorObjectIntoAnErrorWithItsCode) {
  auto r = parse_domain(fixture("error_404.json"), "nx.com");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().http_status, 404u);
  EXPECT_NE(r.error().what.find("RDAP error 404: Not Found"), std::string::npos) << r.error().what;
}

TEST(ParseDomain, RejectsAnotherObjectClass) {
  auto r = parse_domain(R"({"objectClassName":"entity","handle":"X"})", "example.com");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().what.find("objectClassName is \"entity\""), std::string::npos) << r.error().what;
  auto none = parse_domain(R"({"ldhName":"example.com"})", "example.com");
  ASSERT_FALSE(none.has_value());
  EXPECT_NE(none.error().what.find("no objectClassName"), std::string::npos);
}

TEST(ParseDomain, RejectsTextThatIsNotJson) {
  for (std::string_view bad : {"", "<html>502 Bad Gateway</html>", "{\"objectClassName\":\"domain\"", "[1,2", "null"}) {
    auto r = parse_domain(bad, "example.com");
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_TRUE(r.error().what.starts_with("response: ")) << r.error().what;
  }
}

TEST(ParseDomain, RejectsHugeNestingWithoutRecursingIntoIt) {
  std::string deep = R"({"objectClassName":"domain","x":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  auto r = parse_domain(deep, "example.com");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().what.find("not JSON"), std::string::npos) << r.error().what;
  // Entities nested deeper than we follow (but within the JSON depth limit) are a warning.
  std::string ents = R"({"objectClassName":"domain")";
  for (int i = 0; i < 12; ++i) ents += R"(,"entities":[{"roles":["technical"])";
  for (int i = 0; i < 12; ++i) ents += "}]";
  ents += "}";
  auto w = parse_domain(ents, "example.com");
  ASSERT_TRUE(w.has_value()) << w.error().what;
  EXPECT_TRUE(has_warning(*w, "nested deeper than"));
}

TEST(ParseDomain, NamesThePathOfAMemberOfTheWrongType) {
  struct Case {
    const char* json;
    const char* path;
  };
  for (const Case& c : {
           Case{R"({"objectClassName":"domain","status":"active"})", "/status is not an array"},
           Case{R"({"objectClassName":"domain","status":[1]})", "/status/0 is not a string"},
           Case{R"({"objectClassName":"domain","events":[{"eventAction":3,"eventDate":"x"}]})",
                "/events/0/eventAction is not a string"},
           Case{R"({"objectClassName":"domain","entities":{"roles":["registrar"]}})", "/entities is not an array"},
           Case{R"({"objectClassName":"domain","entities":[{"roles":"registrar"}]})", "/entities/0/roles is not an array"},
           Case{R"({"objectClassName":"domain","entities":[{"roles":["registrar"],"vcardArray":{}}]})",
                "/entities/0/vcardArray is not an array"},
           Case{R"({"objectClassName":"domain","nameservers":["ns1.example.com"]})", "/nameservers/0 is not an object"},
           Case{R"({"objectClassName":7})", "/objectClassName is not a string"},
           Case{R"(["objectClassName","domain"])", "/ is not an object"},
       }) {
    auto r = parse_domain(c.json, "example.com");
    ASSERT_FALSE(r.has_value()) << c.json;
    EXPECT_NE(r.error().what.find(c.path), std::string::npos) << r.error().what;
  }
}

TEST(ParseDomain, SkipsMalformedVcardPropertiesWithAWarning) {
  auto r = parse_domain(R"({"objectClassName":"domain","entities":[{"roles":["registrar"],
      "vcardArray":["vcard",[["fn"],["fn",{},"text",["a","b"]],["fn",{},"text","Good Registrar"]]]}]})",
                        "example.com");
  ASSERT_TRUE(r.has_value()) << r.error().what;
  EXPECT_EQ(r->registrar, "Good Registrar");
  EXPECT_TRUE(has_warning(*r, "is not [name, parameters, type, value]"));
  EXPECT_TRUE(has_warning(*r, "is not text"));
}

}  // namespace
}  // namespace lookalike::rdap
