// For each brand, every valid name that Debian's `dnstwist --format list` prints must be among
// ours. The only names we drop on purpose are the brand itself and names that are invalid under
// IDNA2008 (libidn2 rejects them); each is checked, not assumed.
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <set>
#include <sstream>
#include <string>

#include "domain/domain.hpp"
#include "generator/generator.hpp"

extern char** environ;

namespace g = lookalike::generator;
namespace d = lookalike::domain;

namespace {

// Runs argv (no shell) and returns its standard output; exit status in `status`.
std::string run_capture(std::vector<std::string> args, int& status) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  std::string out;
  if (rc == 0) {
    std::array<char, 65536> buf;
    ssize_t n;
    while ((n = read(fds[0], buf.data(), buf.size())) > 0) out.append(buf.data(), static_cast<std::size_t>(n));
    waitpid(pid, &status, 0);
  } else {
    status = -1;
  }
  close(fds[0]);
  return out;
}

class DnstwistSuperset : public ::testing::TestWithParam<const char*> {};

}  // namespace

TEST_P(DnstwistSuperset, OurNamesContainEveryValidDnstwistName) {
  const std::string domain = GetParam();
  int status = 0;
  const std::string listed = run_capture({"dnstwist", "--format", "list", domain}, status);
  ASSERT_EQ(status, 0) << "dnstwist (Debian package dnstwist, installed by .ci/setup) failed or is missing";

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
