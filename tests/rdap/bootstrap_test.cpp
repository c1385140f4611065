// The IANA bootstrap: the embedded real snapshot, longest-match lookup, https first, bad files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "rdap/rdap.hpp"

namespace lookalike::rdap {
namespace {

TEST(Bootstrap, EmbeddedSnapshotIsIanasFileAndMatchesTheSourceTreeCopy) {
  std::ifstream in(bundled_bootstrap_path(), std::ios::binary);
  ASSERT_TRUE(in) << bundled_bootstrap_path();
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(file, bundled_bootstrap_json());
  auto b = Bootstrap::parse(bundled_bootstrap_json());
  ASSERT_TRUE(b.has_value()) << b.error().what;
  EXPECT_EQ(b->publication(), "2026-06-26T18:00:02Z");
  EXPECT_EQ(b->size(), 1199u);
  EXPECT_EQ(b->servers_for("google.com"), (std::vector<std::string>{"https://rdap.verisign.com/com/v1/"}));
  EXPECT_EQ(b->servers_for("WWW.Example.NET."), (std::vector<std::string>{"https://rdap.verisign.com/net/v1/"}));
  EXPECT_EQ(b->servers_for("bbc.co.uk"), (std::vector<std::string>{"https://rdap.nominet.uk/uk/"}));
  EXPECT_EQ(b->servers_for("paypal.app"), (std::vector<std::string>{"https://pubapi.registry.google/rdap/"}));
  EXPECT_EQ(b->servers_for("example.org"),
            (std::vector<std::string>{"https://rdap.publicinterestregistry.org/rdap/"}));
  EXPECT_TRUE(b->servers_for("example.de").empty());  // .de has no RDAP service in IANA's file
  EXPECT_TRUE(b->servers_for("").empty());
}

TEST(Bootstrap, LoadPrefersARefreshedUserCopyAndFallsBackWhenItIsDamaged) {
  const auto dir = std::filesystem::temp_directory_path() / ("rdap-boot-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "lookalike-data" / "rdap");
  const char* old = std::getenv("XDG_DATA_HOME");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("XDG_DATA_HOME", dir.c_str(), 1);
  EXPECT_EQ(user_bootstrap_path(), (dir / "lookalike-data" / "rdap" / "dns.json").string());
  {
    std::ofstream(user_bootstrap_path()) << R"({"publication":"2027-01-01T00:00:00Z","services":[[["com"],["https://new.example/"]]]})";
  }
  auto fresh = Bootstrap::load();
  ASSERT_TRUE(fresh.has_value()) << fresh.error().what;
  EXPECT_EQ(fresh->publication(), "2027-01-01T00:00:00Z");
  EXPECT_EQ(fresh->source(), user_bootstrap_path());
  { std::ofstream(user_bootstrap_path()) << "{garbage"; }
  auto fallback = Bootstrap::load();
  ASSERT_TRUE(fallback.has_value()) << fallback.error().what;
  EXPECT_EQ(fallback->publication(), "2026-06-26T18:00:02Z");
  EXPECT_EQ(fallback->source(), "embedded snapshot");
  if (old != nullptr) {
    ::setenv("XDG_DATA_HOME", saved.c_str(), 1);
  } else {
    ::unsetenv("XDG_DATA_HOME");
  }
  std::filesystem::remove_all(dir);
}

TEST(Bootstrap, UsesTheLongestMatchAndPutsHttpsFirst) {
  auto b = Bootstrap::parse(R"({"publication":"x","services":[
      [["com"],["http://plain.example/v1","https://secure.example/v1/"]],
      [["co.com","COM."],["https://deeper.example/"]],
      [["org"],["ftp://nope.example/"]]]})");
  ASSERT_TRUE(b.has_value()) << b.error().what;
  // "com" is listed twice: every URL kept, https first, '/' appended.
  EXPECT_EQ(b->servers_for("a.com"), (std::vector<std::string>{"https://secure.example/v1/", "https://deeper.example/",
                                                               "http://plain.example/v1/"}));
  EXPECT_EQ(b->servers_for("x.co.com"), (std::vector<std::string>{"https://deeper.example/"}));
  EXPECT_TRUE(b->servers_for("a.org").empty());  // no usable URL
  EXPECT_TRUE(b->servers_for("com.evil").empty());
}

TEST(Bootstrap, RejectsMalformedFilesNamingThePlace) {
  struct Case {
    const char* json;
    const char* where;
  };
  for (const Case& c : {Case{"", "not JSON"}, Case{"[]", "/ is not an object"}, Case{"{}", "no /services array"},
                        Case{R"({"services":[["com"]]})", "/services/0 is not [[entries], [urls]]"},
                        Case{R"({"services":[[["com"],"x"]]})", "/services/0/1 is not an array"},
                        Case{R"({"services":[[[1],["https://a/"]]]})", "/services/0/0 has an item"},
                        Case{R"({"services":[]})", "no service"},
                        Case{R"({"publication":5,"services":[]})", "/publication is not a string"}}) {
    auto b = Bootstrap::parse(c.json);
    ASSERT_FALSE(b.has_value()) << c.json;
    EXPECT_NE(b.error().what.find(c.where), std::string::npos) << b.error().what;
  }
  auto missing = Bootstrap::load("/nonexistent/dns.json");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().what.find("/nonexistent/dns.json"), std::string::npos);
}

}  // namespace
}  // namespace lookalike::rdap
