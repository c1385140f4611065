#include "domain/domain.hpp"

#include <gtest/gtest.h>

namespace d = lookalike::domain;

namespace {
std::string error_of(std::string_view in) {
  auto r = d::parse(in);
  return r ? std::string("parsed as ") + r->ascii : r.error().message();
}
}  // namespace

TEST(Parse, LowercasesAndSplitsAtThePublicSuffix) {
  auto n = d::parse("PayPal.com");
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(n->ascii, "paypal.com");
  EXPECT_EQ(n->unicode, "paypal.com");
  EXPECT_EQ(n->label, "paypal");
  EXPECT_EQ(n->suffix, "com");
  EXPECT_EQ(n->subdomain, "");
  EXPECT_EQ(n->registrable(), "paypal.com");
}

TEST(Parse, StripsUrlSchemeUserinfoPortPathQueryAndFragment) {
  auto n = d::parse("https://user:pw@www.PayPal.com:8443/login?next=/x#top");
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(n->ascii, "www.paypal.com");
  EXPECT_EQ(n->subdomain, "www");
  EXPECT_EQ(n->registrable(), "paypal.com");
}

TEST(Parse, AcceptsSurroundingSpacesAndATrailingDot) {
  auto n = d::parse("  example-bank.co.uk.  ");
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(n->ascii, "example-bank.co.uk");
  EXPECT_EQ(n->label, "example-bank");
  EXPECT_EQ(n->suffix, "co.uk");
}

TEST(Parse, ConvertsULabelsToALabelsAndBack) {
  auto u = d::parse("münchen.de");
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_EQ(u->ascii, "xn--mnchen-3ya.de");
  EXPECT_EQ(u->unicode, "münchen.de");
  EXPECT_EQ(u->label, "xn--mnchen-3ya");
  auto a = d::parse("xn--mnchen-3ya.de");
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->unicode, "münchen.de");
}

TEST(Parse, MapsFullWidthAndUpperCaseUnicodeUnderUts46) {
  auto n = d::parse("ＥＸＡＭＰＬＥ.com");
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(n->ascii, "example.com");
}

TEST(Parse, NamesTheEmptyLabelAndItsPosition) {
  EXPECT_EQ(error_of("paypal..com"), "\"paypal..com\": empty label at position 7");
  EXPECT_EQ(error_of(".paypal.com"), "\".paypal.com\": empty label at position 0");
}

TEST(Parse, RejectsBadLdhLabels) {
  EXPECT_EQ(error_of("-paypal.com"), "\"-paypal.com\": label starts with a hyphen at position 0");
  EXPECT_EQ(error_of("paypal-.com"), "\"paypal-.com\": label ends with a hyphen at position 6");
  EXPECT_EQ(error_of("pay_pal.com"),
            "\"pay_pal.com\": character '_' is not allowed in a host name (letters, digits, hyphen) at position 3");
  EXPECT_EQ(error_of("ab--cd.com"), "\"ab--cd.com\": \"--\" at positions 3-4 is reserved for A-labels (xn--) at position 2");
}

TEST(Parse, RejectsInvalidPunycode) {
  const std::string e = error_of("xn--zz.com");
  EXPECT_NE(e.find("invalid Punycode in A-label \"xn--zz\""), std::string::npos) << e;
  EXPECT_NE(e.find("at position 0"), std::string::npos) << e;
}

TEST(Parse, EnforcesLabelAndNameLengths) {
  const std::string long_label(64, 'a');
  EXPECT_EQ(error_of(long_label + ".com"), "\"" + long_label + ".com\": label is 64 octets, more than 63 at position 0");
  std::string long_name;
  for (int i = 0; i < 5; ++i) long_name += std::string(50, 'a') + ".";
  long_name += "com";
  EXPECT_EQ(error_of(long_name), "\"" + long_name + "\": name is 258 octets, more than 253");
  EXPECT_TRUE(d::parse(std::string(63, 'a') + ".com"));
}

TEST(Parse, RejectsPublicSuffixesIpAddressesAndEmptyInput) {
  EXPECT_EQ(error_of("co.uk"), "\"co.uk\": \"co.uk\" is a public suffix, not a registrable domain at position 0");
  EXPECT_EQ(error_of("192.168.1.1"), "\"192.168.1.1\": an IP address is not a domain name at position 0");
  EXPECT_EQ(error_of("http://[::1]/"), "\"http://[::1]/\": an IP address literal is not a domain name at position 7");
  EXPECT_EQ(error_of("   "), "\"   \": empty input");
}

TEST(Parse, MarksUnknownTopLevelDomains) {
  auto n = d::parse("paypal.notatld");
  ASSERT_TRUE(n);
  EXPECT_FALSE(n->known_suffix);
  EXPECT_EQ(n->suffix, "notatld");
  auto k = d::parse("paypal.com");
  ASSERT_TRUE(k);
  EXPECT_TRUE(k->known_suffix);
}

TEST(ToAscii, EnforcesIdna2008RegistrationRules) {
  auto ok = d::to_ascii("pаypal.com");  // Cyrillic a
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(*ok, "xn--pypal-4ve.com");
  EXPECT_FALSE(d::to_ascii("pay\u00adpal.com"));  // soft hyphen is DISALLOWED in IDNA2008
  EXPECT_FALSE(d::to_ascii("Paypal.com"));        // not canonical: upper case
}

TEST(PublicSuffix, FindsTheLongestIcannSuffix) {
  EXPECT_EQ(d::public_suffix("a.b.example.co.uk"), "co.uk");
  EXPECT_EQ(d::public_suffix("example.com"), "com");
  EXPECT_TRUE(d::is_public_suffix("co.uk"));
  EXPECT_FALSE(d::is_public_suffix("example.co.uk"));
}

TEST(Parse, RejectsControlCharactersAndNulBytesInsteadOfTruncating) {
  using namespace std::string_literals;
  EXPECT_EQ(error_of("1.000.00.0\0\xf6m00"s), "\"1.000.00.0\\x00\\xf6m00\": control character in host name at position 10");
  EXPECT_EQ(error_of("pay\x1b[31mpal.com"), "\"pay\\x1b[31mpal.com\": control character in host name at position 3");
}

TEST(Error, CutsVeryLongInputsForDisplay) {
  const std::string in = std::string(5000, 'a') + "..com";
  const std::string m = error_of(in);
  EXPECT_LT(m.size(), 400u);
  EXPECT_NE(m.find("...\": "), std::string::npos);
}
