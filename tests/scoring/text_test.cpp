// Parsers of untrusted bytes: sanitising, HTML titles, the page hash, parking markers, SMTP
// replies and HTTP responses.
#include <gtest/gtest.h>

#include "scoring/probe.hpp"

namespace lookalike::scoring {
namespace {

TEST(Sanitize, StripsEscapeSequencesAndControls) {
  EXPECT_EQ(sanitize_text("\x1b[31mred\x1b[0m text"), "red text");
  EXPECT_EQ(sanitize_text("title\x1b]0;pwned\x07 ok"), "title ok");
  EXPECT_EQ(sanitize_text("a\x01\x02\x7f" "b"), "ab");
  EXPECT_EQ(sanitize_text("line1\r\nline2\tend"), "line1 line2 end");
  EXPECT_EQ(sanitize_text("  spaced   out  "), "spaced out");
  // C1 control U+009B (a one-byte CSI on some terminals) and a bidi override.
  EXPECT_EQ(sanitize_text("x\xc2\x9b" "y \xe2\x80\xae" "evil"), "xy evil");
}

TEST(Sanitize, ReplacesInvalidUtf8AndKeepsValidText) {
  EXPECT_EQ(sanitize_text("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(sanitize_text("bad\xff" "byte"), "bad\xef\xbf\xbd" "byte");
  EXPECT_EQ(sanitize_text("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");  // overlong '/'
  EXPECT_EQ(sanitize_text("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
}

TEST(Sanitize, CapsLengthOnACharacterBoundary) {
  const std::string s = sanitize_text(std::string(1000, 'a'), 10);
  EXPECT_EQ(s, std::string(10, 'a'));
  const std::string u = sanitize_text("\xc3\xa9\xc3\xa9\xc3\xa9", 5);  // three 2-byte chars
  EXPECT_EQ(u, "\xc3\xa9\xc3\xa9");
}

TEST(HtmlTitle, ExtractsAndDecodesTheFirstTitle) {
  EXPECT_EQ(extract_title("<html><head><TITLE>PayPal: Log in</TITLE></head>"), "PayPal: Log in");
  EXPECT_EQ(extract_title("<title lang=en>\n  Sign in &amp; verify &#8211; &#x41;\n</title>"),
            "Sign in & verify \xe2\x80\x93 A");
  EXPECT_EQ(extract_title("<titlex>no</titlex><title>yes</title>"), "yes");
  EXPECT_EQ(extract_title("<title>\x1b[2Jclear</title>"), "clear");
  EXPECT_EQ(extract_title("no title here"), "");
  EXPECT_EQ(extract_title("<title>unterminated"), "unterminated");
  EXPECT_EQ(extract_title("<title"), "");
  EXPECT_EQ(extract_title("<title>&#0;&#xD800;&#99999999;</title>"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

TEST(PageHash, IdenticalTextSameHashDespiteMarkup) {
  const std::string a = "<html><body><h1>Welcome to Example Bank</h1><p>Sign in to your account</p></body></html>";
  const std::string b = "<HTML><BODY><div class=x>Welcome to   Example Bank</div>\n<!-- c -->"
                        "<script>var x=1;</script><p>Sign in to your account</p></BODY></HTML>";
  EXPECT_EQ(normalise_page(a), "welcome to example bank sign in to your account");
  EXPECT_EQ(normalise_page(a), normalise_page(b));
  EXPECT_EQ(page_hash(a), page_hash(b));
  EXPECT_DOUBLE_EQ(page_similarity(page_hash(a), page_hash(b)), 1.0);
}

TEST(PageHash, SimilarPagesAreCloserThanUnrelatedOnes) {
  std::string brand = "<p>";
  std::string clone = "<p>";
  for (int i = 0; i < 60; ++i) {
    const std::string w = "word" + std::to_string(i) + " ";
    brand += w;
    clone += (i == 30 ? std::string("changed ") : w);
  }
  std::string other = "<p>";
  for (int i = 0; i < 60; ++i) other += "other" + std::to_string(i * 7) + " ";
  const double near = page_similarity(page_hash(brand), page_hash(clone));
  const double far = page_similarity(page_hash(brand), page_hash(other));
  EXPECT_GT(near, 0.8);
  EXPECT_LT(far, 0.75);
  EXPECT_GT(near, far);
  EXPECT_EQ(page_hash(""), 0u);
  EXPECT_EQ(page_hash("<html></html>"), 0u);
}

TEST(Parking, DetectsMarkersAndParkingNameServers) {
  EXPECT_TRUE(looks_parked("<h1>This Domain Is For Sale!</h1>"));
  EXPECT_TRUE(looks_parked("<script src=\"//img.sedoparking.com/js/x.js\"></script>"));
  EXPECT_FALSE(looks_parked("<h1>Welcome to Example Bank</h1>"));
  EXPECT_TRUE(is_parking_ns("ns1.sedoparking.com"));
  EXPECT_TRUE(is_parking_ns("NS2.PARKINGCREW.NET."));
  EXPECT_FALSE(is_parking_ns("ns1.example.com"));
  EXPECT_FALSE(is_parking_ns("notsedoparking.com"));
}

TEST(HostWithin, MatchesTheDomainAndItsSubdomainsOnly) {
  EXPECT_TRUE(host_within("brand.test", "brand.test"));
  EXPECT_TRUE(host_within("WWW.Brand.Test.", "brand.test"));
  EXPECT_FALSE(host_within("evilbrand.test", "brand.test"));
  EXPECT_FALSE(host_within("brand.test.evil.net", "brand.test"));
  EXPECT_FALSE(host_within("x", ""));
}

TEST(SmtpReply, ParsesMultiLineReplies) {
  SmtpReply r;
  std::size_t used = 0;
  const std::string data = "220-mx.example ESMTP\r\n220-second line\r\n220 last\r\nEXTRA";
  ASSERT_EQ(parse_smtp_reply(data, r, used), SmtpParse::complete);
  EXPECT_EQ(r.code, 220);
  EXPECT_EQ(r.lines, (std::vector<std::string>{"mx.example ESMTP", "second line", "last"}));
  EXPECT_EQ(data.substr(used), "EXTRA");
  EXPECT_EQ(parse_smtp_reply("250\n", r, used), SmtpParse::complete);
  EXPECT_EQ(r.code, 250);
}

TEST(SmtpReply, ReportsIncompleteAndMalformedInput) {
  SmtpReply r;
  std::size_t used = 0;
  EXPECT_EQ(parse_smtp_reply("220-first\r\n220 sec", r, used), SmtpParse::incomplete);
  EXPECT_EQ(parse_smtp_reply("", r, used), SmtpParse::incomplete);
  EXPECT_EQ(parse_smtp_reply("HTTP/1.1 400 Bad\r\n", r, used), SmtpParse::malformed);
  EXPECT_EQ(parse_smtp_reply("220-a\r\n250 b\r\n", r, used), SmtpParse::malformed);
  EXPECT_EQ(parse_smtp_reply("220xfoo\r\n", r, used), SmtpParse::malformed);
  EXPECT_EQ(parse_smtp_reply("999 no\r\n", r, used), SmtpParse::malformed);
  EXPECT_EQ(parse_smtp_reply(std::string(5000, '2'), r, used), SmtpParse::malformed);
}

TEST(SmtpReply, FindsStarttlsInEhlo) {
  SmtpReply r;
  std::size_t used = 0;
  ASSERT_EQ(parse_smtp_reply("250-mx\r\n250-PIPELINING\r\n250-starttls\r\n250 8BITMIME\r\n", r, used),
            SmtpParse::complete);
  EXPECT_TRUE(ehlo_offers_starttls(r));
  ASSERT_EQ(parse_smtp_reply("250-STARTTLS.example greets you\r\n250 SIZE\r\n", r, used), SmtpParse::complete);
  EXPECT_FALSE(ehlo_offers_starttls(r));  // the greeting line is not an extension
}

TEST(HttpResponse, ParsesContentLengthBodies) {
  HttpResponse r;
  const std::string data = "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 5\r\nX-Y: a\r\n b\r\n\r\nhelloEXTRA";
  ASSERT_EQ(parse_http_response(data, false, 4096, r), HttpParse::complete);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.reason, "OK");
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(r.header("server"), "nginx");
  EXPECT_EQ(r.header("x-y"), "a b");
  EXPECT_EQ(parse_http_response(data.substr(0, data.size() - 8), false, 4096, r), HttpParse::incomplete);
  ASSERT_EQ(parse_http_response(data.substr(0, data.size() - 8), true, 4096, r), HttpParse::complete);
  EXPECT_TRUE(r.body_truncated);
}

TEST(HttpResponse, DechunksAndReadsToCloseWithoutLength) {
  HttpResponse r;
  ASSERT_EQ(parse_http_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n",
                                false, 4096, r),
            HttpParse::complete);
  EXPECT_EQ(r.body, "Wikipedia");
  EXPECT_EQ(parse_http_response("HTTP/1.0 200 OK\n\nbody", false, 4096, r), HttpParse::incomplete);
  ASSERT_EQ(parse_http_response("HTTP/1.0 200 OK\n\nbody", true, 4096, r), HttpParse::complete);
  EXPECT_EQ(r.body, "body");
  ASSERT_EQ(parse_http_response("HTTP/1.1 301 Moved\r\nLocation: https://x/\r\nContent-Length: 0\r\n\r\n", false, 4096, r),
            HttpParse::complete);
  EXPECT_EQ(r.header("location"), "https://x/");
}

TEST(HttpResponse, RejectsGarbageAndOversizedHeaders) {
  HttpResponse r;
  std::string why;
  EXPECT_EQ(parse_http_response("SSH-2.0-OpenSSH\r\n\r\n", false, 4096, r, &why), HttpParse::malformed);
  EXPECT_NE(why.find("status line"), std::string::npos);
  EXPECT_EQ(parse_http_response("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", false, 4096, r), HttpParse::malformed);
  EXPECT_EQ(parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false, 4096, r), HttpParse::malformed);
  EXPECT_EQ(parse_http_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false, 4096, r),
            HttpParse::malformed);
  EXPECT_EQ(parse_http_response("HTTP/1.1 200 OK\r\nX: " + std::string(5000, 'a'), false, 4096, r, &why),
            HttpParse::header_too_large);
  EXPECT_NE(why.find("4096"), std::string::npos);
  EXPECT_EQ(parse_http_response("", true, 4096, r), HttpParse::malformed);
}

}  // namespace
}  // namespace lookalike::scoring
