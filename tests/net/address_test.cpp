// The SSRF guard: which addresses a probe, an RDAP lookup or any other connection may reach.
#include <gtest/gtest.h>

#include "net/address.hpp"

namespace lookalike::net {
namespace {

AddressClass class_of(const char* text) {
  auto a = parse_address(text);
  EXPECT_TRUE(a) << text;
  return a ? classify(*a) : AddressClass::global;
}

bool probed_by_default(const char* text) {
  auto a = parse_address(text);
  EXPECT_TRUE(a) << text;
  return a && may_connect(*a, false);
}

TEST(AddressGuard, RefusesEverySpecialAddressFromTheIssueByDefault) {
  for (const char* a : {"127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "100.64.0.1", "fd00::1", "::ffff:10.0.0.1",
                        "fd00:ec2::254", "172.16.5.4", "192.168.1.1", "0.0.0.0", "224.0.0.1", "255.255.255.255",
                        "fe80::1", "ff02::1", "::", "::ffff:127.0.0.1", "64:ff9b::a00:1", "2002:7f00:1::1",
                        "192.0.2.10", "2001:db8::1", "240.0.0.1", "127.255.255.254", "100.127.255.255"}) {
    EXPECT_FALSE(probed_by_default(a)) << a;
  }
}

TEST(AddressGuard, ProbesGlobalUnicastAddresses) {
  for (const char* a : {"8.8.8.8", "93.184.216.34", "1.1.1.1", "100.128.0.1", "172.32.0.1", "2606:4700::1111",
                        "2a00:1450:4001::200e", "::ffff:8.8.8.8", "64:ff9b::808:808"}) {
    EXPECT_TRUE(probed_by_default(a)) << a;
  }
}

TEST(AddressGuard, ClassifiesEachRangeByName) {
  EXPECT_EQ(class_of("127.0.0.1"), AddressClass::loopback);
  EXPECT_EQ(class_of("::1"), AddressClass::loopback);
  EXPECT_EQ(class_of("10.0.0.1"), AddressClass::private_net);
  EXPECT_EQ(class_of("169.254.169.254"), AddressClass::metadata);
  EXPECT_EQ(class_of("fd00:ec2::254"), AddressClass::metadata);
  EXPECT_EQ(class_of("169.254.1.1"), AddressClass::link_local);
  EXPECT_EQ(class_of("100.64.0.1"), AddressClass::cgnat);
  EXPECT_EQ(class_of("fd00::1"), AddressClass::unique_local);
  EXPECT_EQ(class_of("::ffff:10.0.0.1"), AddressClass::private_net);
  EXPECT_EQ(class_of("::ffff:169.254.169.254"), AddressClass::metadata);
  EXPECT_EQ(class_of("239.1.2.3"), AddressClass::multicast);
  EXPECT_EQ(class_of("198.18.0.1"), AddressClass::reserved);
  EXPECT_EQ(address_class_name(AddressClass::metadata), "cloud-metadata");
}

TEST(AddressGuard, AllowPrivateOpensLoopbackButNeverUnspecifiedMulticastOrMetadata) {
  EXPECT_TRUE(may_connect(*parse_address("127.0.0.1"), true));
  EXPECT_TRUE(may_connect(*parse_address("10.1.2.3"), true));
  EXPECT_FALSE(may_connect(*parse_address("0.0.0.0"), true));
  EXPECT_FALSE(may_connect(*parse_address("ff02::1"), true));
  EXPECT_FALSE(may_connect(*parse_address("169.254.169.254"), true));
  EXPECT_FALSE(may_connect(*parse_address("fd00:ec2::254"), true));
}

TEST(AddressGuard, EveryCloudMetadataServiceIsRefusedWhateverTheFlag) {
  // AWS/GCP/Azure IMDS, ECS task credentials, EKS pod identity, Alibaba Cloud, Azure WireServer,
  // Oracle Cloud Classic, AWS IMDS over IPv6, and the same behind IPv4-mapped/NAT64/6to4 forms.
  for (const char* a : {"169.254.169.254", "169.254.170.2", "169.254.170.23", "100.100.100.200", "168.63.129.16",
                        "192.0.0.192", "fd00:ec2::254", "fd00:ec2::23", "::ffff:100.100.100.200",
                        "64:ff9b::a9fe:aa02", "2002:6464:64c8::1"}) {
    EXPECT_EQ(class_of(a), AddressClass::metadata) << a;
    EXPECT_FALSE(may_connect(*parse_address(a), true)) << a;
    EXPECT_FALSE(may_connect(*parse_address(a), false)) << a;
  }
  // Their neighbours keep their own class.
  EXPECT_EQ(class_of("100.100.100.201"), AddressClass::cgnat);
  EXPECT_EQ(class_of("169.254.170.3"), AddressClass::link_local);
  EXPECT_TRUE(may_connect(*parse_address("100.100.100.201"), true));
}

TEST(AddressParse, RoundTripsAndRejectsJunk) {
  EXPECT_EQ(to_string(*parse_address("192.0.2.1")), "192.0.2.1");
  EXPECT_EQ(to_string(*parse_address("2001:DB8:0::1")), "2001:db8::1");
  for (const char* bad : {"", "1.2.3", "1.2.3.256", "example.com", "[::1]", "fe80::1%eth0", "1.2.3.4 "}) {
    EXPECT_FALSE(parse_address(bad)) << bad;
  }
}

}  // namespace
}  // namespace lookalike::net
