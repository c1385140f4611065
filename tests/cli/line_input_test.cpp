// Line-oriented inputs (match and generate stdin, match's brands file, resolve's names) have a
// length cap with an error naming the input and line, and match reports its first 10 bad lines,
// then a count.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using lookalike::test_support::run_process;

struct TempDir : lookalike::test_support::TempDir {
  TempDir() : lookalike::test_support::TempDir("lookalike-lines") {}
};

std::string write(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Binary-looking input: 2,000 lines of junk, one of them 1 MiB long, between two good names.
std::string junk_input() {
  std::string in = "paypa1.com\n";
  for (int i = 0; i < 2000; ++i) in += i == 500 ? std::string(1 << 20, '\x01') + "\n" : "\x7f\x45LF junk " + std::to_string(i) + "\n";
  return in + "paypl.com\n";
}

TEST(LineInput, MatchShowsTheFirstTenBadLinesThenACountAndKeepsMatching) {
  TempDir dir;
  const auto brands = write(dir.path / "brands.txt", "paypal.com\n");
  const auto r = run_process({LOOKALIKE_BINARY, "match", "--brands", brands}, junk_input());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "paypa1.com\tpaypal.com\thomoglyph\t1\tpaypa1\npaypl.com\tpaypal.com\tedit\t1\tpaypl\n");
  EXPECT_EQ(count(r.err, "\n"), 11u) << r.err;  // ten bad lines, then the summary
  EXPECT_NE(r.err.find("lookalike match: line 2 of stdin: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("lookalike match: line 11 of stdin: "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("line 12 of stdin"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("lookalike match: 2002 lines, 2000 not domain names (skipped; the first 10 shown)"),
            std::string::npos)
      << r.err;
}

TEST(LineInput, MatchNamesTheOverLongLineOfAFewBadOnes) {
  TempDir dir;
  const auto brands = write(dir.path / "brands.txt", "paypal.com\n");
  const auto r = run_process({LOOKALIKE_BINARY, "match", "--brands", brands},
                             "paypa1.com\n" + std::string(5000, 'a') + ".com\npaypl.com\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("lookalike match: line 2 of stdin: longer than 4096 bytes\n"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("paypl.com"), std::string::npos) << r.out;
}

TEST(LineInput, AnOverLongLineOfABrandsFileIsAnErrorNamingFileAndLine) {
  TempDir dir;
  const auto brands = write(dir.path / "brands.txt", "paypal.com\n" + std::string(10000, 'x') + "\nexample.com\n");
  const auto r = run_process({LOOKALIKE_BINARY, "match", "--brands", brands}, "paypl.com\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(brands + ":2: line longer than 4096 bytes"), std::string::npos) << r.err;
}

TEST(LineInput, GenerateSkipsAnOverLongLineNamingItAndGeneratesTheRest) {
  const auto r = run_process({LOOKALIKE_BINARY, "generate", "--fuzzers", "omission"},
                             std::string(1 << 20, 'p') + ".com\npaypal.com\n");
  EXPECT_EQ(r.exit_code, 1) << r.err;  // a bad input line makes the exit code 1, as before
  EXPECT_NE(r.err.find("lookalike generate: line 1 of stdin: longer than 4096 bytes"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("paypl.com\n"), std::string::npos) << r.out;
}

TEST(LineInput, ResolveSkipsAnOverLongLineOfTheNamesFileNamingIt) {
  TempDir dir;
  const auto names = write(dir.path / "names.txt", std::string(6000, 'n') + ".com\n");
  // Nothing to resolve is left, so no resolver is asked (127.0.0.1:9 answers nothing anyway).
  const auto r = run_process({LOOKALIKE_BINARY, "resolve", "--resolvers", "127.0.0.1:9", "--timeout", "200", names});
  EXPECT_NE(r.err.find("lookalike resolve: line 1 of " + names + ": longer than 4096 bytes (skipped)"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "");
}

}  // namespace
