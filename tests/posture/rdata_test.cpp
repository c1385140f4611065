#include "posture/rdata.hpp"

#include <gtest/gtest.h>

using namespace lookalike::posture;
using namespace std::string_literals;

TEST(Rdata, TxtJoinsCharacterStringsWithoutSeparator) {
  EXPECT_EQ(txt_text("\x06v=spf1\x05 -all"s), "v=spf1 -all");
  EXPECT_EQ(txt_text(""s), "");
  EXPECT_FALSE(txt_text("\x09short"s));
}

TEST(Rdata, MxReadsPreferenceAndLowerCaseHost) {
  auto mx = mx_record("\x00\x0a\x02MX\x07" "example\x04test\x00"s);
  ASSERT_TRUE(mx);
  EXPECT_EQ(mx->preference, 10);
  EXPECT_EQ(mx->host, "mx.example.test");
  auto null_mx = mx_record("\x00\x00\x00"s);
  ASSERT_TRUE(null_mx);
  EXPECT_EQ(null_mx->host, ".");
  EXPECT_FALSE(mx_record("\x00\x0a\x05mx"s));
  EXPECT_FALSE(mx_record("\x00\x0a\x02mx\x00trailing"s));
}

TEST(Rdata, TlsaAndAddresses) {
  auto t = tlsa_record("\x03\x01\x01\xab\xcd"s);
  ASSERT_TRUE(t);
  EXPECT_EQ(to_text(*t), "3 1 1 abcd");
  EXPECT_FALSE(tlsa_record("\x03\x01"s));
  EXPECT_EQ(address_text("\xc0\x00\x02\x01"s), "192.0.2.1");
  EXPECT_EQ(address_text("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"s), "2001:db8::1");
  EXPECT_FALSE(address_text("\x01\x02"s));
}
