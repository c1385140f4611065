#include "resolver/dns_message.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lookalike::resolver::dns {
namespace {

using ::testing::HasSubstr;

// A reply to "www.example.test A" with one A record (compressed owner) and a SOA in authority.
std::vector<std::uint8_t> sample_reply() {
  auto q = encode_query(0x1234, "www.Example.test", kTypeA, true).value();
  q[2] = 0x85;  // QR, AA, RD
  q[3] = 0x80;  // RA
  q[7] = 1;     // ANCOUNT
  q[9] = 1;     // NSCOUNT
  q.insert(q.end(), {0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2C, 0x00, 0x04, 192, 0, 2, 10});
  // SOA owner "example.test" = pointer to offset 16 (after "3www")
  q.insert(q.end(), {0xC0, 0x10, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3C, 0x00, 0x1F,
                     3, 'n', 's', '1', 0xC0, 0x10, 2, 'h', 'm', 0xC0, 0x10,
                     0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 60});
  return q;
}

TEST(DnsMessage, ParsesAnswerAndAuthorityWithCompression) {
  auto m = parse(sample_reply());
  ASSERT_TRUE(m.has_value()) << m.error().what;
  EXPECT_EQ(m->id, 0x1234);
  EXPECT_TRUE(m->qr);
  EXPECT_TRUE(m->aa);
  EXPECT_EQ(m->qname, "www.example.test");
  ASSERT_EQ(m->answer.size(), 1u);
  EXPECT_EQ(m->answer[0].owner, "www.example.test");
  EXPECT_EQ(m->answer[0].text, "192.0.2.10");
  EXPECT_EQ(m->answer[0].ttl, 300u);
  ASSERT_EQ(m->authority.size(), 1u);
  EXPECT_EQ(m->authority[0].target, "ns1.example.test");
  EXPECT_EQ(m->authority[0].text, "hm.example.test");
  EXPECT_EQ(m->authority[0].soa_numbers[0], 7u);
  EXPECT_EQ(m->authority[0].soa_numbers[4], 60u);
}

TEST(DnsMessage, RejectsEveryTruncationOfAValidReplyWithAPosition) {
  const auto full = sample_reply();
  for (std::size_t n = 0; n < full.size(); ++n) {
    auto m = parse(std::span(full.data(), n));
    ASSERT_FALSE(m.has_value()) << "prefix of " << n << " bytes parsed";
    EXPECT_FALSE(m.error().what.empty());
    EXPECT_LE(m.error().offset, full.size());
  }
}

TEST(DnsMessage, RejectsForwardAndSelfPointers) {
  auto q = encode_query(1, "a.test", kTypeA, true).value();
  q[7] = 1;
  q.insert(q.end(), {0xC0, 0x30, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4});
  auto m = parse(q);
  ASSERT_FALSE(m.has_value());
  EXPECT_THAT(m.error().what, HasSubstr("compression pointer"));
  EXPECT_EQ(m.error().offset, 24u);
}

TEST(DnsMessage, EscapesUnusualBytesInNamesAndJoinsTxtStrings) {
  auto q = encode_query(1, "t.test", kTypeTxt, true).value();
  q[7] = 1;
  q.insert(q.end(), {0xC0, 0x0C, 0x00, 0x10, 0x00, 0x01, 0, 0, 0, 1, 0, 7, 2, 'a', 'b', 3, 'c', 'd', 'e'});
  auto m = parse(q);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->answer[0].text, "abcde");

  auto odd = encode_query(1, "x", kTypeA, true).value();
  odd[12 + 1] = '.';  // the label "x" becomes "."
  auto o = parse(odd);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->qname, "\\.");
}

TEST(DnsMessage, EncoderRejectsBadNames) {
  EXPECT_FALSE(encode_query(1, "a..b", kTypeA, true).has_value());
  EXPECT_FALSE(encode_query(1, std::string(64, 'a') + ".test", kTypeA, true).has_value());
  std::string long_name;
  for (int i = 0; i < 5; ++i) long_name += std::string(60, 'a') + ".";
  EXPECT_FALSE(encode_query(1, long_name, kTypeA, true).has_value());
  EXPECT_TRUE(encode_query(1, "example.test.", kTypeA, true).has_value());
}

TEST(DnsMessage, CountsThatCannotFitAreRejectedBeforeParsing) {
  auto q = encode_query(1, "a.test", kTypeA, true).value();
  q[6] = 0xFF;
  q[7] = 0xFF;
  auto m = parse(q);
  ASSERT_FALSE(m.has_value());
  EXPECT_THAT(m.error().what, HasSubstr("record counts"));
}

}  // namespace
}  // namespace lookalike::resolver::dns
