#include "posture/records.hpp"

#include <gtest/gtest.h>

using namespace lookalike::posture;

TEST(Records, TagListsTrimAndRejectDuplicates) {
  auto t = parse_tags(" v=DMARC1 ; p = reject;rua=mailto:a@b.test; ");
  ASSERT_TRUE(t);
  ASSERT_EQ(t->size(), 3u);
  EXPECT_EQ(*find_tag(*t, "p"), "reject");
  EXPECT_FALSE(parse_tags("v=DMARC1; p=none; p=reject"));
  EXPECT_FALSE(parse_tags("v=DMARC1; p"));
}

TEST(Records, SpfTermsAndSyntaxErrors) {
  auto s = parse_spf("v=spf1 ip4:192.0.2.0/24 -include:x.test ~mx/24 redirect=y.test");
  ASSERT_TRUE(s) << s.error();
  ASSERT_EQ(s->size(), 4u);
  EXPECT_EQ((*s)[1].qualifier, '-');
  EXPECT_EQ((*s)[1].name, "include");
  EXPECT_EQ((*s)[2].value, "/24");
  EXPECT_TRUE((*s)[3].modifier);
  EXPECT_TRUE(spf_queries_dns((*s)[3]));
  EXPECT_FALSE(spf_queries_dns((*s)[0]));
  EXPECT_FALSE(parse_spf("v=spf1 include"));
  EXPECT_FALSE(parse_spf("v=spf1 foo:bar"));
  EXPECT_FALSE(parse_spf("v=spf1 redirect=a.test redirect=b.test"));
  EXPECT_FALSE(is_spf("v=spf10 -all"));
}

TEST(Records, StsPolicyNeedsVersionModeMaxAgeAndMx) {
  auto p = parse_sts_policy("version: STSv1\r\nmode: enforce\r\nmx: *.Example.test\r\nmax_age: 86400\r\n");
  ASSERT_TRUE(p) << p.error();
  EXPECT_TRUE(sts_mx_matches(p->mx[0], "mx1.example.test"));
  EXPECT_FALSE(sts_mx_matches(p->mx[0], "a.b.example.test"));
  EXPECT_FALSE(parse_sts_policy("version: STSv1\nmode: enforce\nmax_age: 86400\n"));
  EXPECT_FALSE(parse_sts_policy("version: STSv1\nmode: always\nmx: a\nmax_age: 1\n"));
  EXPECT_FALSE(parse_sts_policy("version: STSv1\nmode: none\nmax_age: 99999999999\n"));
}

TEST(Records, HttpResponsesChunkedAndBounded) {
  auto r = parse_http_response("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(r->content_type, "text/plain");
  EXPECT_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: 99999\r\n\r\n"));
  EXPECT_FALSE(parse_http_response("garbage"));
}
