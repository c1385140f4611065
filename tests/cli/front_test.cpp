// The two programs: `lookalike` runs `generate` itself and replaces itself with lookalike-engine
// (beside it) for every other command, passing arguments, streams and exit codes through.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "tests/support/process.hpp"

namespace fs = std::filesystem;
using lookalike::test_support::run_process;

namespace {

std::string_view command(std::vector<std::string> args) {
  static std::vector<std::string> keep;
  keep = std::move(args);
  static std::vector<char*> argv;
  argv.clear();
  for (std::string& a : keep) argv.push_back(a.data());
  argv.push_back(nullptr);
  return lookalike::cli::command_of(static_cast<int>(keep.size()), argv.data());
}

TEST(Front, CommandWordSkipsOptionsAndTheDbValue) {
  EXPECT_EQ(command({"lookalike", "generate", "paypal.com"}), "generate");
  EXPECT_EQ(command({"lookalike", "--db", "generate", "scan"}), "scan");  // "generate" is --db's value
  EXPECT_EQ(command({"lookalike", "--db=/tmp/x", "generate"}), "generate");
  EXPECT_EQ(command({"lookalike", "--retention", "30", "db", "stats"}), "db");  // "30" is --retention's value
  EXPECT_EQ(command({"lookalike", "--help"}), "");
  EXPECT_EQ(command({"lookalike"}), "");
  EXPECT_EQ(command({"lookalike", "--", "report"}), "report");
}

// A copy of the front program alone in a folder: no engine beside it.
struct LoneFront {
  fs::path dir = fs::temp_directory_path() / ("lookalike-front-" + std::to_string(getpid()));
  fs::path bin = dir / "lookalike";
  LoneFront() {
    fs::create_directories(dir);
    fs::copy_file(LOOKALIKE_BINARY, bin, fs::copy_options::overwrite_existing);
  }
  ~LoneFront() { fs::remove_all(dir); }
};

TEST(Front, GenerateRunsWithoutTheEngine) {
  LoneFront f;
  const auto r = run_process({f.bin.string(), "generate", "--fuzzers", "omission", "paypal.com"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "aypal.com\npypal.com\npapal.com\npayal.com\npaypl.com\npaypa.com\n");
  const auto in = run_process({f.bin.string(), "--db", "/nonexistent", "generate", "--fuzzers", "plural"}, "apple.com\n");
  EXPECT_EQ(in.exit_code, 0) << in.err;
  EXPECT_NE(in.out.find("apples.com\n"), std::string::npos) << in.out;
}

TEST(Front, OtherCommandsWithoutTheEngineFailClearly) {
  LoneFront f;
  for (const std::vector<std::string>& args : {std::vector<std::string>{"report"}, {"--version"}, {}}) {
    std::vector<std::string> argv{f.bin.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run_process(argv);
    EXPECT_EQ(r.exit_code, 127);
    EXPECT_NE(r.err.find("cannot run " + (f.dir / "lookalike-engine").string() + ": No such file or directory"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("must be installed beside lookalike"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
}

TEST(Front, EngineCommandsGetArgumentsStreamsAndExitCodes) {
  const auto version = run_process({LOOKALIKE_BINARY, "--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out, "lookalike 0.1.0\n");
  // The whole program's help lists every command.
  const auto help = run_process({LOOKALIKE_BINARY, "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* c : {"generate", "scan", "watch", "export", "match"}) {
    EXPECT_NE(help.out.find(c), std::string::npos) << c << " missing from\n" << help.out;
  }
  for (const std::vector<std::string>& argv : {std::vector<std::string>{LOOKALIKE_BINARY, "generate", "--help"},
                                               {LOOKALIKE_BINARY, "--help", "generate"}}) {
    const auto generate_help = run_process(argv);
    EXPECT_EQ(generate_help.exit_code, 0);
    EXPECT_NE(generate_help.out.find("Usage: lookalike generate"), std::string::npos) << generate_help.out;
  }
  // stdin reaches the engine, and its output and exit code come back.
  const fs::path brands = fs::temp_directory_path() / ("lookalike-front-brands-" + std::to_string(getpid()));
  {
    std::FILE* fp = std::fopen(brands.c_str(), "w");
    ASSERT_NE(fp, nullptr);
    std::fputs("paypal.com\n", fp);
    std::fclose(fp);
  }
  const auto match = run_process({LOOKALIKE_BINARY, "match", "--brands", brands.string()}, "paypa1.com\nexample.org\n");
  fs::remove(brands);
  EXPECT_EQ(match.exit_code, 0) << match.err;
  EXPECT_NE(match.out.find("paypa1.com"), std::string::npos) << match.out;
  EXPECT_EQ(match.out.find("example.org"), std::string::npos) << match.out;
  const auto bad = run_process({LOOKALIKE_BINARY, "--db", "/nonexistent", "no-such-command", "x"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("lookalike: unknown command \"no-such-command\" (commands: generate, resolve, match,"),
            std::string::npos)
      << bad.err;
}

}  // namespace
