// The composition root: parses the command line and wires the stages together.
#pragma once

#include <iosfwd>
#include <string_view>

namespace lookalike::cli {

// Runs the `lookalike` command line with the process's standard streams; returns the exit code.
// Never throws: configuration errors become one line on stderr and a non-zero exit.
int run(int argc, char** argv);

// Same, with explicit streams (for tests).
int run(int argc, char** argv, std::istream& in, std::ostream& out, std::ostream& err);

// Two programs share this command line. `lookalike` links only the generator: `generate` is a
// short run where process start-up is most of the time, so it must not pay for loading RocksDB,
// OpenSSL, ICU and the rest (the release build links it fully static). Every other command
// replaces the process (execv: same pid, descriptors and signals) with the full program,
// lookalike-engine, found beside the running executable.
inline constexpr std::string_view kEngineName = "lookalike-engine";

// `lookalike`'s main: runs `generate` here, anything else in lookalike-engine; an engine that
// cannot be run is one line on stderr and exit code 127.
int run_front(int argc, char** argv);

// The command word of a command line: the first argument that is not an option (the global
// `--db` and `--retention` take a value); empty when there is none.
std::string_view command_of(int argc, char** argv);

}  // namespace lookalike::cli
