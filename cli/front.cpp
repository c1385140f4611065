// The `lookalike` program's own dispatch: `generate` runs here, every other command in the full
// program (see cli.hpp and ARCHITECTURE.md).
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>

#include "cli/cli.hpp"

namespace lookalike::cli {

namespace {

// The global options that take their value as the next argument.
bool global_with_value(std::string_view a) { return a == "--db" || a == "--retention"; }

}  // namespace

std::string_view command_of(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (global_with_value(a)) {
      ++i;  // the global option's value
      continue;
    }
    if (a == "--") return i + 1 < argc ? std::string_view(argv[i + 1]) : std::string_view();
    if (a.starts_with('-')) continue;
    return a;
  }
  return {};
}

namespace {

std::string engine_path() {
  // The directory of this executable, not of argv[0] (which a caller chooses freely).
  std::string self(4096, '\0');
  const ssize_t n = readlink("/proc/self/exe", self.data(), self.size() - 1);
  if (n <= 0) return {};
  self.resize(static_cast<std::size_t>(n));
  const std::size_t slash = self.rfind('/');
  if (slash == std::string::npos) return {};
  self.resize(slash + 1);
  return self + std::string(kEngineName);
}

// `generate` with nothing before it but global options: the whole-program options (--help,
// --version) are the engine's, which knows every command.
bool runs_here(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (global_with_value(a)) {
      ++i;
    } else if (!a.starts_with("--db=") && !a.starts_with("--retention=")) {
      return a == "generate";
    }
  }
  return false;
}

}  // namespace

int run_front(int argc, char** argv) {
  if (runs_here(argc, argv)) return run(argc, argv);
  const std::string engine = engine_path();
  if (!engine.empty()) {
    // Same process (pid, open descriptors, signal dispositions): callers that wait for, signal or
    // pipe into `lookalike` see the engine as if it were this program.
    execv(engine.c_str(), argv);
  }
  const int e = errno;
  std::cerr << "lookalike: cannot run " << (engine.empty() ? std::string(kEngineName) : engine) << ": "
            << std::strerror(e) << " (every command except `generate` runs in " << kEngineName
            << ", which must be installed beside lookalike)\n";
  return 127;
}

}  // namespace lookalike::cli
