// The watch configuration: the shipped example loads, and every kind of mistake is reported with
// the key and its line:column (a typo must never fall back to a default silently).
#include <gtest/gtest.h>

#include <string>

#include "pipeline/watch_config.hpp"

namespace lookalike::pipeline {
namespace {

using std::chrono::milliseconds;

std::string error_of(std::string_view toml) {
  auto c = parse_watch_config(toml, "watch.toml");
  EXPECT_FALSE(c.has_value()) << toml;
  return c ? std::string() : c.error();
}

TEST(WatchConfig, TheShippedExampleLoadsWithItsDocumentedValues) {
  auto c = load_watch_config(LOOKALIKE_SOURCE_DIR "/contrib/watch.example.toml");
  ASSERT_TRUE(c.has_value()) << c.error();
  EXPECT_EQ(c->db, "/var/lib/lookalike/db");
  EXPECT_EQ(c->retention_days, 365);
  ASSERT_EQ(c->brands.size(), 2u);
  EXPECT_EQ(c->brands[0].domain, "examplebank.com");
  EXPECT_EQ(c->brands[0].keywords, (std::vector<std::string>{"login", "secure"}));
  EXPECT_EQ(c->brands[0].owned, (std::vector<std::string>{"examplebank.net"}));
  EXPECT_EQ(c->brands[1].domain, "examplepay.net");
  EXPECT_TRUE(c->ct.all);
  EXPECT_FALSE(c->ct.from_start);
  ASSERT_EQ(c->dns.servers.size(), 1u);
  EXPECT_EQ(c->dns.servers[0].address, "127.0.0.53");
  EXPECT_EQ(c->dns.timeout, milliseconds(1500));
  EXPECT_EQ(c->schedule.fresh, std::chrono::minutes(15));
  EXPECT_EQ(c->schedule.dead, std::chrono::hours(24 * 7));
  EXPECT_EQ(c->schedule.dead_after, std::chrono::hours(24 * 30));
  ASSERT_EQ(c->sinks.size(), 3u);
  EXPECT_EQ(c->sinks[0].type, "jsonl");
  EXPECT_EQ(c->sinks[1].type, "webhook");
  EXPECT_EQ(c->sinks[1].headers.at("X-Team"), "soc");
  EXPECT_EQ(c->sinks[1].initial_backoff, milliseconds(500));
  EXPECT_EQ(c->sinks[1].kinds.size(), 7u);
  EXPECT_EQ(c->sinks[2].argv.size(), 3u);
  EXPECT_TRUE(c->metrics.enabled);
  EXPECT_EQ(c->metrics.port, 9464);
  EXPECT_EQ(c->log.level, "info");
  EXPECT_FALSE(c->log.json);
}

TEST(WatchConfig, AnEmptyFileMeansEveryDefault) {
  auto c = parse_watch_config("", "empty.toml");
  ASSERT_TRUE(c.has_value()) << c.error();
  EXPECT_TRUE(c->brands.empty());
  EXPECT_TRUE(c->sinks.empty());
  EXPECT_FALSE(c->metrics.enabled);
  EXPECT_EQ(c->schedule.registered, std::chrono::hours(6));
  EXPECT_FALSE(c->retention_days.has_value());  // the global --retention decides
}

TEST(WatchConfig, RetentionDaysIsReadAndValidated) {
  auto c = parse_watch_config("retention_days = 30\n", "watch.toml");
  ASSERT_TRUE(c.has_value()) << c.error();
  EXPECT_EQ(c->retention_days, 30);
  auto forever = parse_watch_config("retention_days = 0\n", "watch.toml");
  ASSERT_TRUE(forever.has_value()) << forever.error();
  EXPECT_EQ(forever->retention_days, 0);
  EXPECT_EQ(error_of("retention_days = -1\n"), "watch.toml:1:18: retention_days: must be between 0 and 36500");
  EXPECT_EQ(error_of("retention_days = 100000\n"), "watch.toml:1:18: retention_days: must be between 0 and 36500");
  EXPECT_EQ(error_of("retention_days = \"1y\"\n"), "watch.toml:1:18: retention_days: expected an integer");
}

TEST(WatchConfig, AnUnknownKeyIsNamedWithItsLineAndColumn) {
  EXPECT_EQ(error_of("[dns]\nqps = 10\n  tiemout = \"1s\"\n"), "watch.toml:3:3: dns.tiemout: unknown key");
  EXPECT_EQ(error_of("colour = true\n"), "watch.toml:1:1: colour: unknown key");
  EXPECT_EQ(error_of("[[brands]]\ndomain = \"examplebank.com\"\nkeyword = [\"x\"]\n"),
            "watch.toml:3:1: brands[0].keyword: unknown key");
  EXPECT_EQ(error_of("[schedul]\nnew = \"1m\"\n"), "watch.toml:1:2: schedul: unknown key");
}

TEST(WatchConfig, AWrongTypeIsNamedWithItsLineAndColumn) {
  EXPECT_EQ(error_of("[dns]\nqps = \"fast\"\n"), "watch.toml:2:7: dns.qps: expected a number");
  EXPECT_EQ(error_of("[probe]\nenabled = 1\n"), "watch.toml:2:11: probe.enabled: expected true or false");
  EXPECT_EQ(error_of("[ct]\nparallel = 0\n"), "watch.toml:2:12: ct.parallel: must be between 1 and 64");
  EXPECT_EQ(error_of("dns = 3\n"), "watch.toml:1:7: dns: expected a table");
  EXPECT_EQ(error_of("[ct]\nlogs = 5\n"), "watch.toml:2:8: ct.logs: expected \"all\" or an array of log names");
}

TEST(WatchConfig, BadDurationsAreNamedWithTheirKey) {
  EXPECT_EQ(error_of("[schedule]\nnew = \"15\"\n"),
            "watch.toml:2:7: schedule.new: bad duration \"15\": every number needs a unit (ms, s, m, h, d, w)");
  EXPECT_EQ(error_of("[schedule]\n\ndead = \"soon\"\n"),
            "watch.toml:3:8: schedule.dead: bad duration \"soon\" (expected e.g. \"15m\", \"6h\", \"7d\", \"1h30m\")");
  EXPECT_EQ(error_of("[schedule]\nchanging = 60\n"),
            "watch.toml:2:12: schedule.changing: expected a duration string such as \"15m\"");
  EXPECT_EQ(error_of("[schedule]\nnew = \"0s\"\n"), "watch.toml:2:7: schedule.new: must be longer than 0");
}

TEST(WatchConfig, BadAddressesAreNamedWithTheirKey) {
  const std::string dns = error_of("[dns]\nservers = [\"127.0.0.2:53\", \"300.1.1.1\"]\n");
  EXPECT_EQ(dns.rfind("watch.toml:2:28: dns.servers: ", 0), 0u) << dns;
  EXPECT_EQ(error_of("[metrics]\naddress = \"0.0.0.0\"\n"),
            "watch.toml:2:11: metrics.address: must be a loopback address (127.0.0.0/8 or ::1), got \"0.0.0.0\"");
  EXPECT_EQ(error_of("[metrics]\naddress = \"127.0.0\"\n"), "watch.toml:2:11: metrics.address: \"127.0.0\" is not an IPv4 address");
  EXPECT_EQ(error_of("[metrics]\nport = 70000\n"), "watch.toml:2:8: metrics.port: must be between 0 and 65535");
}

TEST(WatchConfig, BrandsAndSinksAreValidatedWhereTheyAreWritten) {
  EXPECT_EQ(error_of("[[brands]]\ndomain = \"www.examplebank.com\"\n"),
            "watch.toml:2:10: brands[0].domain: \"www.examplebank.com\" is not a registrable domain (did you mean "
            "examplebank.com?)");
  EXPECT_EQ(error_of("[[brands]]\nkeywords = []\n"), "watch.toml:1:1: brands[0].domain: missing (every brand needs a domain)");
  // Keywords follow `brand add`'s rules (they become DNS labels).
  EXPECT_EQ(error_of("[[brands]]\ndomain = \"a.com\"\nkeywords = [\"log in\"]\n"),
            "watch.toml:3:12: brands[0].keywords: \"log in\" has ' ' at position 3 (only a-z, 0-9 and '-')");
  EXPECT_EQ(error_of("[[brands]]\ndomain = \"a.com\"\n[[brands]]\ndomain = \"A.com\"\n"),
            "watch.toml:3:1: brands: brand a.com is listed twice");
  EXPECT_EQ(error_of("[[sinks]]\ntype = \"email\"\n"), "watch.toml:2:8: sinks[0].type: expected \"jsonl\", \"webhook\" or \"exec\"");
  EXPECT_EQ(error_of("[[sinks]]\ntype = \"exec\"\nargv = [\"sh\", \"-c\", \"x\"]\n"),
            "watch.toml:3:8: sinks[0].argv: the program must be an absolute path (no shell, no PATH search)");
  EXPECT_EQ(error_of("[[sinks]]\ntype = \"jsonl\"\n"), "watch.toml:2:8: sinks[0].path: a jsonl sink needs a path (\"-\" for stdout)");
  const std::string kinds = error_of("[[sinks]]\ntype = \"jsonl\"\npath = \"-\"\nkinds = [\"registered\", \"exploded\"]\n");
  EXPECT_EQ(kinds.rfind("watch.toml:4:24: sinks[0].kinds: ", 0), 0u) << kinds;
  EXPECT_EQ(error_of("[log]\nlevel = \"loud\"\n"), "watch.toml:2:9: log.level: expected trace, debug, info, warn, error or off");
}

TEST(WatchConfig, FeedsAndBudgetsAreReadAndValidated) {
  auto c = parse_watch_config("[[brands]]\ndomain = \"a.com\"\nbudget = 250\n[[feeds]]\ndir = \"/srv/nrd\"\n"
                              "format = \"list\"\nsource = \"nrd\"\nstrict = true\npoll = \"30s\"\n",
                              "watch.toml");
  ASSERT_TRUE(c.has_value()) << c.error();
  EXPECT_EQ(c->brands.at(0).budget, 250u);
  ASSERT_EQ(c->feeds.size(), 1u);
  EXPECT_EQ(c->feeds[0].dir, "/srv/nrd");
  EXPECT_EQ(c->feeds[0].format, "list");
  EXPECT_EQ(c->feeds[0].source, "nrd");
  EXPECT_TRUE(c->feeds[0].strict);
  EXPECT_EQ(c->feeds[0].poll, std::chrono::seconds(30));
  EXPECT_EQ(error_of("[[feeds]]\nformat = \"list\"\n"), "watch.toml:1:1: feeds[0].dir: missing (every feed needs a dir)");
  EXPECT_EQ(error_of("[[feeds]]\ndir = \"/x\"\ncolour = 1\n"), "watch.toml:3:1: feeds[0].colour: unknown key");
  EXPECT_EQ(error_of("[[brands]]\ndomain = \"a.com\"\nbudget = -1\n").rfind("watch.toml:3:10: brands[0].budget: ", 0), 0u);
  EXPECT_EQ(error_of("[[feeds]]\ndir = \"/x\"\nformat = \"csv\"\n").rfind("watch.toml:3:10: feeds[0].format: ", 0), 0u);
}

TEST(WatchConfig, TomlSyntaxErrorsCarryTheirPosition) {
  const std::string e = error_of("[dns]\nqps = = 3\n");
  EXPECT_EQ(e.rfind("watch.toml:2:", 0), 0u) << e;
}

TEST(WatchConfig, DurationsAcceptUnitsAndSums) {
  EXPECT_EQ(parse_duration("500ms"), milliseconds(500));
  EXPECT_EQ(parse_duration("30s"), std::chrono::seconds(30));
  EXPECT_EQ(parse_duration("15m"), std::chrono::minutes(15));
  EXPECT_EQ(parse_duration("1h30m"), std::chrono::minutes(90));
  EXPECT_EQ(parse_duration("7d"), std::chrono::hours(168));
  EXPECT_EQ(parse_duration("2w"), std::chrono::hours(336));
  EXPECT_FALSE(parse_duration("").has_value());
  EXPECT_FALSE(parse_duration("m").has_value());
  EXPECT_FALSE(parse_duration("5x").has_value());
  EXPECT_FALSE(parse_duration("-5m").has_value());
  EXPECT_FALSE(parse_duration("99999999999999999999d").has_value());
}

}  // namespace
}  // namespace lookalike::pipeline
