// For each brand, every valid name that Debian's `dnstwist --format list` prints must be among
// ours. The only names we drop on purpose are the brand itself and names that are invalid under
// IDNA2008 (libidn2 rejects them); each is checked, not assumed.
#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>

#include "domain/domain.hpp"
#include "generator/generator.hpp"
#include "tests/support/process.hpp"

namespace g = lookalike::generator;
namespace d = lookalike::domain;

namespace {

class DnstwistSuperset : public ::testing::TestWithParam<const char*> {};

}  // namespace

TEST_P(DnstwistSuperset, OurNamesContainEveryValidDnstwistName) {
  const std::string domain = GetParam();
  const auto run = lookalike::test_support::run_process({"dnstwist", "--format", "list", domain});
  ASSERT_EQ(run.exit_code, 0) << "dnstwist (Debian package dnstwist, installed by .ci/setup) failed or is missing: "
                              << run.err;
  const std::string& listed = run.out;

  auto brand = d::parse(domain);
  ASSERT_TRUE(brand);
  g::Options o;
  o.tlds = *g::load_tlds("common", brand->suffix);
  o.keywords = g::default_keywords();
  std::set<std::string> ours;
  for (const auto& c : g::generate_all(*brand, o)) ours.insert(c.ascii);

  std::istringstream in(listed);
  std::string name;
  std::size_t theirs = 0, dropped_invalid = 0;
  while (std::getline(in, name)) {
    if (name.empty()) continue;
    ++theirs;
    if (name == brand->ascii || ours.contains(name)) continue;
    // Not ours: acceptable only when it is not a valid IDNA2008 name.
    auto parsed = d::parse(name);
    EXPECT_FALSE(parsed) << domain << ": dnstwist's " << name << " is valid but missing from our output";
    ++dropped_invalid;
  }
  EXPECT_GT(theirs, 100u) << "dnstwist printed too little for " << domain;
  EXPECT_GT(ours.size(), theirs - 1 - dropped_invalid);
  RecordProperty("dnstwist", static_cast<int>(theirs));
  RecordProperty("ours", static_cast<int>(ours.size()));
  RecordProperty("dropped_invalid", static_cast<int>(dropped_invalid));
}

INSTANTIATE_TEST_SUITE_P(TenBrands, DnstwistSuperset,
                         ::testing::Values("paypal.com", "bankofamerica.com", "google.com", "microsoft.com", "amazon.de",
                                           "apple.com", "netflix.com", "facebook.com", "example-bank.co.uk",
                                           "wellsfargo.com"));
