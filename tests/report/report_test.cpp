// The ranked-list renderers: exact table and CSV output, JSON lines parsed back field by field,
// attacker-chosen text in every format, and the empty list.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "report/report.hpp"
#include "tests/report/row.hpp"
#include "tests/support/csv.hpp"

namespace lookalike::report {
namespace {

constexpr std::int64_t kNov28 = 1795866600000;  // 2026-11-28T11:50:00Z
constexpr std::int64_t kNov29 = 1795953000000;  // 2026-11-29T11:50:00Z
constexpr std::int64_t kLastYear = 1764330600000;  // 2025-11-28T11:50:00Z

std::vector<ReportRow> three_rows() {
  return {
      row("xn--exmple-4nf.com",
          "ex\xD0\xB0mple.com",  // Cyrillic a
       "example.com",
       97,
       "critical",
       {"MX", "WEB", "SPF", "DMARC", "CT"},
       {"homoglyph of example.com (skeleton match)", "live MX mx1.xn--exmple-4nf.com accepts mail",
        "SPF and DMARC published", "web page 91% similar to example.com"},
       {"homoglyph", "ct"},
       "",
       kNov28,
       kNov29,
       "new"),
      row("examp1e.com",
       "examp1e.com",
       "example.com",
       64,
       "high",
       {"WEB", "PARKED"},
       {"numeral swap of example.com", "parked page"},
       {"replacement", "numeral-swap"},
       "benign",
       kLastYear,
       kNov28,
       "mx appeared"),
      row("acme-shop.net", "acme-shop.net", "acme.net", 12, "info", {}, {"combosquat of acme.net"}, {"combosquat"}, "", 0, 0, ""),
  };
}

// A row made of attacker-chosen text: page titles, banners and names are not ours.
ReportRow hostile_row() {
  return row("xn--evil\x1b[2J.com",
          "<script>alert(1)</script>",
          "\"><img src=x onerror=alert(1)>",
          99,
          "critical",
          {"MX", "\x1b]0;pwned\x07"},
          {"=HYPERLINK(\"http://evil.test\",\"x\")", "\x1b[31mred\x1b[0m banner", "line1\nline2\r\nline3",
           "bidi \xE2\x80\xAE" "gnp.exe", "bad utf8 \xFF\xFE", "c1 \xC2\x9B" "31m", "quote \" and ' and &"},
          {"ct"},
          "=cmd|' /C calc'!A0",
          kNov28,
          kNov28,
          "title \"quoted\"\nsecond line");
}

std::string render(std::span<const ReportRow> rows, ReportFormat format, RenderOptions options = {}) {
  std::ostringstream out;
  render_report(out, rows, format, options);
  return out.str();
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::size_t count(std::string_view hay, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t pos = hay.find(needle); pos != std::string_view::npos; pos = hay.find(needle, pos + needle.size())) ++n;
  return n;
}

TEST(ReportFormat, ParsesTheFourNamesAndListsThemOnError) {
  EXPECT_EQ(parse_report_format("table").value(), ReportFormat::table);
  EXPECT_EQ(parse_report_format("jsonl").value(), ReportFormat::jsonl);
  EXPECT_EQ(parse_report_format("csv").value(), ReportFormat::csv);
  EXPECT_EQ(parse_report_format("html").value(), ReportFormat::html);
  const auto bad = parse_report_format("xml\x1b[2J");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error(), "unknown report format \"xml\\x1b[2J\" (use table, jsonl, csv, html)");
}

TEST(ReportTable, PrintsAlignedColumnsWithoutColourWhenColourIsOff) {
  const auto rows = three_rows();
  const std::string expected =
      "SCORE  LEVEL     NAME                              BRAND        FLAGS                VERDICT  REASONS                                                                           CHANGE\n"
      "   97  critical  ex\xD0\xB0mple.com (xn--exmple-4nf.com)  example.com  MX WEB SPF DMARC CT           homoglyph of example.com (skeleton match); live MX mx1.xn--exmple-4nf.com accep…  new\n"
      "   64  high      examp1e.com                       example.com  WEB PARKED           benign   numeral swap of example.com; parked page                                          mx appeared\n"
      "   12  info      acme-shop.net                     acme.net                                   combosquat of acme.net\n";
  EXPECT_EQ(render(rows, ReportFormat::table), expected);
}

TEST(ReportTable, ShowsOnlyTheFirstMaxReasons) {
  const auto rows = three_rows();
  RenderOptions one;
  one.max_reasons = 1;
  const auto lines = lines_of(render(rows, ReportFormat::table, one));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_NE(lines[1].find("homoglyph of example.com (skeleton match)  "), std::string::npos);
  EXPECT_EQ(lines[1].find("live MX"), std::string::npos);
  EXPECT_EQ(lines[2].find("parked page"), std::string::npos);
}

TEST(ReportTable, ColoursScoreLevelAndNameByLevelWhenColourIsOn) {
  auto rows = three_rows();
  rows[2].level = "medium";
  rows.push_back(rows[2]);
  rows.back().level = "low";
  RenderOptions color;
  color.color = true;
  const auto lines = lines_of(render(rows, ReportFormat::table, color));
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0].rfind("\x1b[1mSCORE\x1b[0m", 0), 0u);
  EXPECT_EQ(lines[1].rfind("   \x1b[1;91m97\x1b[0m  \x1b[1;91mcritical\x1b[0m  \x1b[1;91mex", 0), 0u);
  EXPECT_EQ(lines[2].rfind("   \x1b[31m64\x1b[0m  \x1b[31mhigh\x1b[0m", 0), 0u);
  EXPECT_EQ(lines[3].rfind("   \x1b[33m12\x1b[0m  \x1b[33mmedium\x1b[0m", 0), 0u);
  EXPECT_EQ(lines[4].rfind("   \x1b[36m12\x1b[0m  \x1b[36mlow\x1b[0m", 0), 0u);
  rows[0].level = "info";
  EXPECT_EQ(lines_of(render(rows, ReportFormat::table, color))[1].rfind("   \x1b[2m97\x1b[0m", 0), 0u);
  // Colour changes nothing but the escapes: stripped, it is the plain table.
  std::string stripped = render(rows, ReportFormat::table, color);
  for (std::size_t pos; (pos = stripped.find('\x1b')) != std::string::npos;) stripped.erase(pos, stripped.find('m', pos) - pos + 1);
  EXPECT_EQ(stripped, render(rows, ReportFormat::table));
}

TEST(ReportTable, CutsVeryLongCellsWithAnEllipsis) {
  auto rows = three_rows();
  rows[0].brand = std::string(100, 'b') + ".com";
  rows[0].unicode = rows[0].name;
  rows[0].name = std::string(63, 'n') + ".com";
  rows[0].unicode = rows[0].name;
  const auto lines = lines_of(render(rows, ReportFormat::table));
  EXPECT_NE(lines[1].find(std::string(63, 'n') + "…  "), std::string::npos);
  EXPECT_NE(lines[1].find(std::string(31, 'b') + "…  "), std::string::npos);
}

TEST(ReportTable, SaysNothingIsAboveTheThresholdForAnEmptyList) {
  EXPECT_EQ(render({}, ReportFormat::table),
            "SCORE  LEVEL  NAME  BRAND  FLAGS  VERDICT  REASONS  CHANGE\nno look-alikes at or above the threshold\n");
}

TEST(ReportCsv, PrintsAHeaderAndOneRecordPerRowWithListsJoinedByBars) {
  const auto rows = three_rows();
  const std::string expected =
      "name,unicode,brand,score,level,flags,reasons,fuzzers,verdict,first_seen,last_seen,change\n"
      "xn--exmple-4nf.com,ex\xD0\xB0mple.com,example.com,97,critical,MX|WEB|SPF|DMARC|CT,homoglyph of example.com (skeleton "
      "match)|live MX mx1.xn--exmple-4nf.com accepts mail|SPF and DMARC published|web page 91% similar to "
      "example.com,homoglyph|ct,,2026-11-28T11:50:00Z,2026-11-29T11:50:00Z,new\n"
      "examp1e.com,examp1e.com,example.com,64,high,WEB|PARKED,numeral swap of example.com|parked "
      "page,replacement|numeral-swap,benign,2025-11-28T11:50:00Z,2026-11-28T11:50:00Z,mx appeared\n"
      "acme-shop.net,acme-shop.net,acme.net,12,info,,combosquat of acme.net,combosquat,,,,\n";
  EXPECT_EQ(render(rows, ReportFormat::csv), expected);
}

TEST(ReportCsv, PrintsOnlyTheHeaderForAnEmptyList) {
  EXPECT_EQ(render({}, ReportFormat::csv), "name,unicode,brand,score,level,flags,reasons,fuzzers,verdict,first_seen,last_seen,change\n");
}

TEST(ReportJsonl, EveryLineParsesBackWithEveryField) {
  const auto rows = three_rows();
  const auto lines = lines_of(render(rows, ReportFormat::jsonl));
  ASSERT_EQ(lines.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto j = nlohmann::json::parse(lines[i]);
    ASSERT_TRUE(j.is_object());
    EXPECT_EQ(j.size(), 13u) << lines[i];
    EXPECT_EQ(j.at("name"), rows[i].name);
    EXPECT_EQ(j.at("unicode"), rows[i].unicode);
    EXPECT_EQ(j.at("brand"), rows[i].brand);
    EXPECT_EQ(j.at("score"), *rows[i].score);
    EXPECT_TRUE(j.at("score").is_number_integer());
    EXPECT_EQ(j.at("brands").get<std::vector<std::string>>(), rows[i].brands);
    EXPECT_EQ(j.at("level"), rows[i].level);
    EXPECT_EQ(j.at("flags").get<std::vector<std::string>>(), rows[i].flags);
    EXPECT_EQ(j.at("reasons").get<std::vector<std::string>>(), rows[i].reasons);
    EXPECT_EQ(j.at("fuzzers").get<std::vector<std::string>>(), rows[i].fuzzers);
  }
  const auto a = nlohmann::json::parse(lines[0]);
  const auto b = nlohmann::json::parse(lines[1]);
  const auto c = nlohmann::json::parse(lines[2]);
  EXPECT_TRUE(a.at("verdict").is_null());
  EXPECT_EQ(b.at("verdict"), nlohmann::json::parse(R"({"decision":"benign","note":"","time":null})"));
  EXPECT_EQ(a.at("first_seen"), "2026-11-28T11:50:00Z");
  EXPECT_EQ(a.at("last_seen"), "2026-11-29T11:50:00Z");
  EXPECT_EQ(b.at("first_seen"), "2025-11-28T11:50:00Z");
  EXPECT_TRUE(c.at("first_seen").is_null());
  EXPECT_TRUE(c.at("last_seen").is_null());
  EXPECT_EQ(a.at("change"), "new");
  EXPECT_EQ(b.at("change"), "mx appeared");
  EXPECT_TRUE(c.at("change").is_null());
  EXPECT_TRUE(c.at("flags").is_array());
  EXPECT_TRUE(c.at("flags").empty());
  // The keys come in the documented order: the candidate's, then the row's.
  EXPECT_EQ(lines[2],
            "{\"name\":\"acme-shop.net\",\"unicode\":\"acme-shop.net\",\"brands\":[\"acme.net\"],\"score\":12,"
            "\"level\":\"info\",\"reasons\":[\"combosquat of acme.net\"],\"fuzzers\":[\"combosquat\"],\"verdict\":null,"
            "\"first_seen\":null,\"last_seen\":null,\"brand\":\"acme.net\",\"flags\":[],\"change\":null}");
}

TEST(ReportJsonl, AnUnscoredRowHasNullScoreAndLevelButTheTableSaysUnscored) {
  const std::vector<ReportRow> rows{row("new.example", "new.example", "example.com", 0, "unscored", {}, {}, {"ct:homoglyph"}, "", 0, 0, "")};
  const auto j = nlohmann::json::parse(render(rows, ReportFormat::jsonl));
  EXPECT_TRUE(j.at("score").is_null());
  EXPECT_TRUE(j.at("level").is_null());
  EXPECT_EQ(j.at("reasons"), nlohmann::json::array());
  const auto table = lines_of(render(rows, ReportFormat::table));
  ASSERT_EQ(table.size(), 2u);
  EXPECT_EQ(table[1].rfind("    0  unscored  new.example", 0), 0u) << table[1];
  EXPECT_EQ(lines_of(render(rows, ReportFormat::csv))[1], "new.example,new.example,example.com,0,unscored,,,ct:homoglyph,,,,");
}

TEST(ReportJsonl, TimesBeforeTheEpochAndAtLeapDaysAreWrittenInUtc) {
  auto rows = three_rows();
  rows[0].first_seen = 951782400000;  // 2000-02-29T00:00:00Z
  rows[0].last_seen = -1;             // one millisecond before the epoch
  const auto j = nlohmann::json::parse(lines_of(render(rows, ReportFormat::jsonl))[0]);
  EXPECT_EQ(j.at("first_seen"), "2000-02-29T00:00:00Z");
  EXPECT_EQ(j.at("last_seen"), "1969-12-31T23:59:59Z");
}

TEST(ReportJsonl, PrintsNothingForAnEmptyList) { EXPECT_EQ(render({}, ReportFormat::jsonl), ""); }

TEST(ReportHostileText, NeverReachesTheTerminalRawInTheTable) {
  const std::vector<ReportRow> rows{hostile_row()};
  const std::string plain = render(rows, ReportFormat::table);
  EXPECT_EQ(plain.find('\x1b'), std::string::npos);
  EXPECT_EQ(plain.find('\x07'), std::string::npos);
  EXPECT_EQ(plain.find('\r'), std::string::npos);
  EXPECT_EQ(plain.find("\xE2\x80\xAE"), std::string::npos);  // right-to-left override
  EXPECT_EQ(plain.find("\xC2\x9B"), std::string::npos);      // C1 CSI
  EXPECT_EQ(plain.find('\xFF'), std::string::npos);
  EXPECT_EQ(count(plain, "\n"), 2u);  // header and one row: the reason's newlines are escaped
  EXPECT_NE(plain.find("\\x1b[31mred"), std::string::npos);
  EXPECT_NE(plain.find("title \"quoted\"\\x0asecon…"), std::string::npos);  // cut at 24 columns

  RenderOptions color;
  color.color = true;
  color.max_reasons = 10;
  const std::string colored = render(rows, ReportFormat::table, color);
  // Every escape in the coloured table is one of ours.
  const std::vector<std::string_view> ours{"\x1b[0m", "\x1b[1m", "\x1b[1;91m"};
  for (std::size_t pos = colored.find('\x1b'); pos != std::string::npos; pos = colored.find('\x1b', pos + 1)) {
    const std::string_view at = std::string_view(colored).substr(pos);
    EXPECT_TRUE(std::any_of(ours.begin(), ours.end(), [&](std::string_view e) { return at.starts_with(e); }))
        << "stray escape at " << pos;
  }
  EXPECT_EQ(count(colored, "\n"), 2u);
  EXPECT_EQ(colored.find("\xE2\x80\xAE"), std::string::npos);
}

TEST(ReportHostileText, KeepsItsExactTextButOnlyAsEscapesInJsonLines) {
  const std::vector<ReportRow> rows{hostile_row()};
  const std::string out = render(rows, ReportFormat::jsonl);
  EXPECT_EQ(count(out, "\n"), 1u);
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_EQ(out.find('\r'), std::string::npos);
  EXPECT_EQ(out.find("\xC2\x9B"), std::string::npos);
  EXPECT_EQ(out.find('\xFF'), std::string::npos);
  const auto j = nlohmann::json::parse(out);
  const ReportRow& r = rows[0];
  EXPECT_EQ(j.at("name"), r.name);
  EXPECT_EQ(j.at("unicode"), "<script>alert(1)</script>");
  EXPECT_EQ(j.at("brand"), r.brand);
  EXPECT_EQ(j.at("flags").get<std::vector<std::string>>(), r.flags);
  auto reasons = r.reasons;
  reasons[4] = "bad utf8 \xEF\xBF\xBD\xEF\xBF\xBD";  // ill-formed bytes become U+FFFD
  EXPECT_EQ(j.at("reasons").get<std::vector<std::string>>(), reasons);
  EXPECT_EQ(j.at("verdict").at("decision"), r.verdict->decision);
  EXPECT_EQ(j.at("change"), r.change);
}

TEST(ReportHostileText, IsDefusedInCsv) {
  const std::vector<ReportRow> rows{hostile_row()};
  const std::string out = render(rows, ReportFormat::csv);
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_EQ(out.find('\r'), std::string::npos);
  EXPECT_EQ(out.find("\xC2\x9B"), std::string::npos);
  EXPECT_EQ(count(out, "\n"), 2u);
  const auto records = lookalike::test_support::csv_records(out);
  ASSERT_EQ(records.size(), 2u);
  ASSERT_EQ(records[1].size(), 12u);
  EXPECT_EQ(records[1][1], "<script>alert(1)</script>");
  EXPECT_EQ(records[1][2], "\"><img src=x onerror=alert(1)>");
  // Formulas start with a quote so a spreadsheet shows them as text.
  EXPECT_EQ(records[1][6].rfind("'=HYPERLINK(", 0), 0u);
  EXPECT_EQ(records[1][8], "'=cmd|' /C calc'!A0");
  EXPECT_NE(records[1][6].find("|\\x1b[31mred\\x1b[0m banner|line1\\x0aline2\\x0d\\x0aline3|bidi \\u202egnp.exe|"),
            std::string::npos);
  EXPECT_EQ(records[1][11], "title \"quoted\"\\x0asecond line");
}

TEST(ReportHostileText, IsEscapedEverywhereInHtml) {
  RenderOptions options;
  options.title = "<b>report</b>";
  const std::vector<ReportRow> rows{hostile_row()};
  const std::string out = render(rows, ReportFormat::html, options);
  EXPECT_EQ(count(out, "<script"), 1u);  // ours only
  EXPECT_EQ(count(out, "</script"), 1u);
  EXPECT_EQ(out.find("<img"), std::string::npos);
  EXPECT_EQ(out.find("<b>"), std::string::npos);
  EXPECT_EQ(out.find("onerror=alert(1)>"), std::string::npos);
  EXPECT_NE(out.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(out.find("data-brand=\"&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\""), std::string::npos);
  EXPECT_NE(out.find("quote &quot; and &#39; and &amp;"), std::string::npos);
  EXPECT_NE(out.find("<title>&lt;b&gt;report&lt;/b&gt;</title>"), std::string::npos);
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_EQ(out.find('\x07'), std::string::npos);
  EXPECT_EQ(out.find('\r'), std::string::npos);
  EXPECT_EQ(out.find("\xE2\x80\xAE"), std::string::npos);
  EXPECT_EQ(out.find("\xC2\x9B"), std::string::npos);
  EXPECT_EQ(out.find('\xFF'), std::string::npos);
  // The unknown flag stays text in a checkbox value, never an attribute of its own.
  EXPECT_NE(out.find("value=\"\\x1b]0;pwned\\x07\""), std::string::npos);
}

TEST(ReportHtml, IsOneSelfContainedPageUnderAStrictContentSecurityPolicy) {
  const auto rows = three_rows();
  RenderOptions options;
  options.generated_at = kNov29;
  const std::string out = render(rows, ReportFormat::html, options);
  EXPECT_EQ(out.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(out.find("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
                     "'unsafe-inline'; script-src 'unsafe-inline'\">"),
            std::string::npos);
  for (std::string_view external : {"http:", "https:", "src=", "href=", "url(", "@import", "//fonts", "<link", "<img", "<iframe"}) {
    EXPECT_EQ(out.find(external), std::string::npos) << external;
  }
  EXPECT_EQ(count(out, "<tr data-level="), 3u);
  EXPECT_NE(out.find("<tr data-level=\"critical\" data-brand=\"example.com\" data-score=\"97\" data-flags=\"MX WEB SPF DMARC CT\">"),
            std::string::npos);
  EXPECT_NE(out.find("<strong>3</strong> look-alikes:"), std::string::npos);
  EXPECT_NE(out.find("data-level-count=\"critical\">1 critical</span>"), std::string::npos);
  EXPECT_NE(out.find("data-level-count=\"medium\">0 medium</span>"), std::string::npos);
  EXPECT_NE(out.find("generated <time datetime=\"2026-11-29T11:50:00Z\">"), std::string::npos);
  EXPECT_EQ(count(out, "<rect class=\"seg\""), 3u);  // example.com critical+high, acme.net info
  EXPECT_NE(out.find("<option value=\"acme.net\">acme.net</option><option value=\"example.com\">"), std::string::npos);
}

TEST(ReportHtml, SaysNothingIsAboveTheThresholdForAnEmptyList) {
  const std::string out = render({}, ReportFormat::html);
  EXPECT_EQ(count(out, "<tr data-level="), 0u);
  EXPECT_NE(out.find("<p id=\"empty\">no look-alikes at or above the threshold</p>"), std::string::npos);
  EXPECT_NE(out.find("<strong>0</strong> look-alikes:"), std::string::npos);
  EXPECT_NE(out.find("nothing to chart"), std::string::npos);
}

TEST(ReportTable, AlignsWideAndCombiningCharactersByDisplayColumns) {
  std::vector<ReportRow> rows(2);
  rows[0] = row("xn--r8jz45g.jp", "\xE4\xBE\x8B\xE3\x81\x88.jp", "example.jp", 50, "medium", {}, {"wide"}, {}, "", 0, 0, "x");
  rows[1] = row("xn--exmple-qta.com", "exa\xCC\x81mple.com", "example.com", 40, "medium", {}, {"combining"}, {}, "", 0, 0, "y");
  const auto lines = lines_of(render(rows, ReportFormat::table));
  ASSERT_EQ(lines.size(), 3u);
  // "例え.jp" takes 7 columns, "exámple.com" (a + combining acute) 11: BRAND starts in the same column.
  const std::string name0 = "\xE4\xBE\x8B\xE3\x81\x88.jp (xn--r8jz45g.jp)";  // 24 columns
  const std::string name1 = "exa\xCC\x81mple.com (xn--exmple-qta.com)";          // 32 columns
  EXPECT_NE(lines[1].find(name0 + std::string(8, ' ') + "  example.jp"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find(name1 + "  example.com"), std::string::npos) << lines[2];
}

TEST(ReportHtml, DrawsTheBusiestBrandsAndCountsTheRest) {
  std::vector<ReportRow> rows;
  for (int b = 0; b < 30; ++b) {
    for (int n = 0; n <= b; ++n) {
      rows.push_back(row("n" + std::to_string(n) + ".b" + std::to_string(b) + ".com", "", "b" + std::to_string(b) + ".com", 50,
                         "medium", {}, {}, {}, "", 0, 0, ""));
    }
  }
  const std::string out = render(rows, ReportFormat::html);
  EXPECT_EQ(count(out, "<rect class=\"seg\""), 25u);
  EXPECT_NE(out.find("<rect class=\"seg\" data-brand=\"b29.com\" data-level=\"medium\" data-count=\"30\""), std::string::npos);
  EXPECT_EQ(out.find("data-brand=\"b4.com\" data-level=\"medium\" data-count"), std::string::npos);
  EXPECT_NE(out.find("<p>5 more brands not drawn</p>"), std::string::npos);
}

// Random bytes in every text field: each format keeps its shape and lets nothing raw through.
TEST(ReportHostileText, RandomBytesNeverBreakAnyFormat) {
  std::mt19937 rng(20261128);
  const auto random_text = [&] {
    std::string s(rng() % 24, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 4 == 0 ? "<>&\"'\n\r\x1b=|,;\\"[rng() % 14] : rng() % 256);
    return s;
  };
  const auto random_list = [&] {
    std::vector<std::string> v(rng() % 4);
    for (auto& s : v) s = random_text();
    return v;
  };
  for (int i = 0; i < 300; ++i) {
    std::vector<ReportRow> rows(1 + rng() % 3);
    for (auto& r : rows) {
      r = row(random_text(), random_text(), random_text(), static_cast<int>(rng() % 101), random_text(), random_list(),
              random_list(), random_list(), random_text(), static_cast<std::int64_t>(rng()) * 1000, 0, random_text());
    }
    RenderOptions options;
    options.title = random_text();
    const std::string table = render(rows, ReportFormat::table, options);
    ASSERT_EQ(table.find('\x1b'), std::string::npos);
    ASSERT_EQ(table.find('\r'), std::string::npos);
    ASSERT_EQ(count(table, "\n"), rows.size() + 1);
    const std::string jsonl = render(rows, ReportFormat::jsonl);
    const auto jl = lines_of(jsonl);
    ASSERT_EQ(jl.size(), rows.size());
    for (std::size_t k = 0; k < jl.size(); ++k) {
      const auto j = nlohmann::json::parse(jl[k]);  // throws (fails) on invalid JSON or UTF-8
      ASSERT_EQ(j.at("score"), *rows[k].score);
    }
    const std::string csv = render(rows, ReportFormat::csv);
    ASSERT_EQ(csv.find('\x1b'), std::string::npos);
    const auto records = lookalike::test_support::csv_records(csv);
    ASSERT_EQ(records.size(), rows.size() + 1);
    for (const auto& rec : records) {
      ASSERT_EQ(rec.size(), 12u);
      for (const auto& f : rec) ASSERT_TRUE(f.empty() || std::string_view("=+-@").find(f.front()) == std::string_view::npos) << f;
    }
    const std::string html = render(rows, ReportFormat::html, options);
    ASSERT_EQ(count(html, "<script"), 1u);
    ASSERT_EQ(count(html, "<tr data-level="), rows.size());
    ASSERT_EQ(html.find('\x1b'), std::string::npos);
    ASSERT_EQ(html.find('\r'), std::string::npos);
  }
}

}  // namespace
}  // namespace lookalike::report
