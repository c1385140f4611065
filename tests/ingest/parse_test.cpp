// The zone and list parsers and read_names: formats, edge cases, gzip and bad input.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ingest/parse.hpp"
#include "tests/ingest/support.hpp"
#include "tests/support/temp_dir.hpp"

namespace lookalike::ingest {
namespace {

struct Parsed {
  std::vector<std::string> names;
  std::vector<std::string> errors;  // "line: reason"
  bool fatal = false;
  std::string origin;
};

Parsed parse_zone(const std::string& text, const std::string& declared = {}) {
  Parsed p;
  ZoneParser z(declared);
  const NameSink sink = [&](std::string_view n) { p.names.emplace_back(n); };
  std::size_t no = 0, start = 0;
  while (start <= text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    ++no;
    if (auto r = z.line(std::string_view(text).substr(start, nl - start), sink); !r) {
      p.errors.push_back(std::to_string(no) + ": " + r.error().reason);
      p.fatal = p.fatal || r.error().fatal;
    }
    start = nl + 1;
  }
  if (auto r = z.finish(sink); !r) p.errors.push_back("end: " + r.error().reason);
  p.origin = z.origin();
  return p;
}

using Names = std::vector<std::string>;

TEST(ZoneParser, ReadsCzdsLinesWithAbsoluteOwners) {
  const auto p = parse_zone(
      "com.\t900\tin\tsoa\ta.gtld-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 900\n"
      "com.\t172800\tin\tns\ta.gtld-servers.net.\n"
      "example.com.\t172800\tin\tns\tns1.example.net.\n"
      "example.com.\t172800\tin\tns\tns2.example.net.\n"
      "example.com.\t86400\tin\tds\t370 13 2 BE74359954660069D5C63D200C39F5603827D7DD02B56F120EE9F3A86764247C\n"
      "ns1.example.com.\t172800\tin\ta\t192.0.2.1\n"
      "xn--bcher-kva.com.\t172800\tin\tns\tns1.example.net.\n");
  EXPECT_EQ(p.errors, std::vector<std::string>{});
  EXPECT_EQ(p.names, (Names{"example.com", "xn--bcher-kva.com"}));
  EXPECT_EQ(p.origin, "com");
}

TEST(ZoneParser, ReadsDigAndLdnsOutput) {
  const auto p = parse_zone(
      "; <<>> DiG 9.18 <<>> axfr example.\n"
      "$ORIGIN com.\n"
      "$TTL 1h30m\n"
      "@   IN SOA ns.example. host.example. (\n"
      "        2026120201 ; serial\n"
      "        3600 900 604800 86400 )\n"
      "@        NS a.gtld-servers.net.\n"
      "shop     3600 IN NS ns1.shop\n"
      "         IN NS ns2.shop      ; the same owner continues\n"
      "ns1.shop IN A 192.0.2.1\n"
      "Mixed.Case IN 300 NS ns.example.\n"  // relative: mixed.case.com
      "deep.sub.owned NS ns.example.\n"
      "txt IN TXT \"a ; not a comment\" \"b\"\n"
      "$ORIGIN net.com.\n"
      "inner NS ns.example.\n");
  EXPECT_EQ(p.errors, std::vector<std::string>{});
  EXPECT_EQ(p.names, (Names{"shop.com", "case.com", "owned.com", "net.com"}));
}

TEST(ZoneParser, DecodesEscapesAndSkipsOwnersThatAreNotHostNames) {
  const auto p = parse_zone(
      "$ORIGIN com.\n"
      "\\101xample NS ns.example.\n"  // \101 is 'e'
      "a\\.b NS ns.example.\n"        // an escaped dot inside a label
      "_tcp NS ns.example.\n"
      "bad\\999 NS ns.example.\n");
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_NE(p.errors[0].find("over 255"), std::string::npos) << p.errors[0];
  EXPECT_EQ(p.names, (Names{"example.com"}));
}

TEST(ZoneParser, ReducesDeeperSuffixesToTheRegistrableDomain) {
  const auto p = parse_zone(
      "uk. 3600 IN SOA a. b. 1 2 3 4 5\n"
      "co.uk. 3600 IN NS ns.example.\n"  // itself a public suffix: not a registration
      "shop.co.uk. 3600 IN NS ns.example.\n"
      "www.shop.co.uk. 3600 IN NS ns.example.\n"
      "direct.uk. 3600 IN NS ns.example.\n");
  EXPECT_EQ(p.errors, std::vector<std::string>{});
  EXPECT_EQ(p.names, (Names{"shop.co.uk", "direct.uk"}));
}

TEST(ZoneParser, CountsMalformedRecordsAndKeepsGoing) {
  const auto p = parse_zone(
      "$ORIGIN com.\n"
      "a NS\n"                // no data
      "b 3600 IN\n"           // no type
      "c 3600 IN BOGUS x\n"   // unknown type
      "d NS ns.example. )\n"  // unbalanced
      "e TXT \"unterminated\n"
      "f..g NS ns.example.\n"  // empty label
      "$INCLUDE other.zone\n"
      "$GENERATE 1-10 x$ NS ns.\n"
      "example.org. NS ns.example.\n"  // outside the zone
      "ok NS ns.example.\n");
  EXPECT_EQ(p.errors.size(), 9u);
  EXPECT_FALSE(p.fatal);
  EXPECT_EQ(p.names, (Names{"ok.com"}));
}

TEST(ZoneParser, ALabelOver63OctetsIsMalformed) {
  const auto p = parse_zone("$ORIGIN com.\n" + std::string(64, 'a') + " NS ns.example.\n");
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_NE(p.errors[0].find("63"), std::string::npos);
}

TEST(ZoneParser, AnotherOriginThanDeclaredIsFatal) {
  const auto p = parse_zone("net. 900 IN SOA a. b. 1 2 3 4 5\nexample.net. NS ns.example.\n", "com");
  ASSERT_FALSE(p.errors.empty());
  EXPECT_TRUE(p.fatal);
  EXPECT_NE(p.errors[0].find("SOA of net in the zone com"), std::string::npos) << p.errors[0];
  const auto q = parse_zone("$ORIGIN net.\n", "com");
  EXPECT_TRUE(q.fatal);
}

TEST(ZoneParser, RelativeNamesNeedAnOrigin) {
  const auto p = parse_zone("example NS ns.example.\n  NS ns2.example.\nexample.com. NS ns.example.\n");
  EXPECT_EQ(p.errors.size(), 2u);
  EXPECT_EQ(p.names, (Names{"example.com"}));
}

TEST(ZoneParser, OpenParenthesisAtTheEndIsAnError) {
  const auto p = parse_zone("$ORIGIN com.\n@ SOA a. b. ( 1 2 3\n");
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_NE(p.errors[0].find("parentheses"), std::string::npos);
}

TEST(ListParser, ToleratesUrlsTrailingDotsCommentsAndCase) {
  std::vector<std::string> names;
  const NameSink sink = [&](std::string_view n) { names.emplace_back(n); };
  std::vector<std::string> errors;
  for (const char* line :
       {"# NRD 2026-12-02", "example.com", "  Login.PayPal-Secure.COM.  ", "https://user@shop.example.co.uk:8443/x?y",
        "*.wild.example.net", "münchen.de", "", "not a name!", "co.uk", "paypa1.com\t2026-12-02"}) {
    if (auto r = parse_list_line(line, sink); !r) errors.push_back(r.error().reason);
  }
  EXPECT_EQ(names, (Names{"example.com", "paypal-secure.com", "example.co.uk", "example.net", "xn--mnchen-3ya.de",
                          "paypa1.com"}));
  EXPECT_EQ(errors.size(), 2u);
}

class ReadNames : public ::testing::Test {
 protected:
  test_support::TempDir dir{"lookalike-ingest"};
  std::string path(const std::string& name) const { return (dir.path / name).string(); }

  std::expected<ReadStats, ParseError> read(const std::string& file, ReadOptions o = {}) {
    names.clear();
    malformed.clear();
    return read_names(
        file, o, [&](std::string_view n) { names.emplace_back(n); },
        [&](const ParseError& e) { malformed.push_back(e.message()); });
  }
  std::vector<std::string> names;
  std::vector<std::string> malformed;
};

const std::string kZone =
    "com. 900 IN SOA a. b. 1 2 3 4 5\n"
    "alpha.com. 172800 IN NS ns1.example.net.\n"
    "beta.com. 172800 IN NS ns1.example.net.\n";

TEST_F(ReadNames, GzipAndPlainGiveTheSameNames) {
  test::write_file(path("com.zone"), kZone);
  test::write_gzip(path("com.txt.gz"), kZone);
  auto plain = read(path("com.zone"));
  ASSERT_TRUE(plain) << plain.error().message();
  const auto first = names;
  auto gz = read(path("com.txt.gz"));
  ASSERT_TRUE(gz) << gz.error().message();
  EXPECT_EQ(names, first);
  EXPECT_EQ(names, (Names{"alpha.com", "beta.com"}));
  EXPECT_EQ(gz->format, Format::zone);
  EXPECT_EQ(gz->origin, "com");
  EXPECT_EQ(gz->lines, 3u);
}

TEST_F(ReadNames, ConcatenatedGzipMembersAreOneStream) {
  test::write_gzip(path("a.gz"), kZone);
  test::write_gzip(path("b.gz"), "gamma.com. 172800 IN NS ns1.example.net.\n");
  test::write_file(path("ab.gz"), test::read_file(path("a.gz")) + test::read_file(path("b.gz")));
  ASSERT_TRUE(read(path("ab.gz")));
  EXPECT_EQ(names, (Names{"alpha.com", "beta.com", "gamma.com"}));
}

TEST_F(ReadNames, DetectsListsAndReadsALastLineWithoutNewline) {
  test::write_gzip(path("nrd.gz"), "# newly registered\nexample.com\r\nhttp://shop.example.org/\nlast.example.net");
  auto r = read(path("nrd.gz"));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->format, Format::list);
  EXPECT_EQ(names, (Names{"example.com", "example.org", "example.net"}));
}

TEST_F(ReadNames, TruncatedGzipIsAnErrorNamingFileAndLine) {
  std::string big = "com. 900 IN SOA a. b. 1 2 3 4 5\n";
  for (int i = 0; i < 20000; ++i) big += "n" + std::to_string(i * 7919) + ".com. 172800 IN NS ns1.example.net.\n";
  test::write_gzip(path("full.gz"), big);
  const std::string gz = test::read_file(path("full.gz"));
  test::write_file(path("cut.gz"), gz.substr(0, gz.size() / 2));
  auto r = read(path("cut.gz"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().file, path("cut.gz"));
  EXPECT_GT(r.error().line, 1u);
  EXPECT_NE(r.error().reason.find("truncated"), std::string::npos) << r.error().message();
}

TEST_F(ReadNames, CorruptGzipIsAnError) {
  test::write_gzip(path("ok.gz"), kZone);
  std::string gz = test::read_file(path("ok.gz"));
  for (std::size_t i = 12; i < gz.size() - 8; ++i) gz[i] = static_cast<char>(gz[i] ^ 0x5a);
  test::write_file(path("bad.gz"), gz);
  auto r = read(path("bad.gz"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().reason.find("gzip"), std::string::npos) << r.error().message();
}

TEST_F(ReadNames, EmptyFilesAndFilesWithoutNamesAreErrors) {
  test::write_file(path("empty"), "");
  auto r = read(path("empty"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), path("empty") + ": empty file");
  test::write_gzip(path("empty.gz"), "");
  EXPECT_FALSE(read(path("empty.gz")));
  test::write_file(path("soa-only"), "com. 900 IN SOA a. b. 1 2 3 4 5\n");
  r = read(path("soa-only"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().reason.find("no delegated names"), std::string::npos);
  EXPECT_FALSE(read(path("missing")));
}

TEST_F(ReadNames, ALineOver64KiBIsSkippedOrFatalWhenStrict) {
  const std::string text = kZone + std::string(70000, 'x') + "\ngamma.com. 1 IN NS ns.example.\n";
  test::write_gzip(path("long.gz"), text);
  auto r = read(path("long.gz"));
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(malformed.size(), 1u);
  EXPECT_EQ(malformed[0], path("long.gz") + ":4: line over 64 KiB");
  EXPECT_EQ(names, (Names{"alpha.com", "beta.com", "gamma.com"}));
  EXPECT_EQ(r->lines, 5u);
  ReadOptions strict;
  strict.strict = true;
  r = read(path("long.gz"), strict);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().line, 4u);
}

TEST_F(ReadNames, StrictFailsAtTheFirstMalformedLine) {
  test::write_file(path("z"), kZone + "broken.com. IN BOGUS x\ngamma.com. 1 IN NS ns.example.\n");
  auto r = read(path("z"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->malformed, 1u);
  ReadOptions strict;
  strict.strict = true;
  r = read(path("z"), strict);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), path("z") + ":4: unknown record type \"BOGUS\"");
}

TEST_F(ReadNames, DeclaredOriginMismatchIsFatal) {
  test::write_file(path("net.zone"), "net. 900 IN SOA a. b. 1 2 3 4 5\nexample.net. 1 IN NS ns.example.\n");
  ReadOptions o;
  o.origin = "com";
  auto r = read(path("net.zone"), o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().line, 1u);
}

}  // namespace
}  // namespace lookalike::ingest
