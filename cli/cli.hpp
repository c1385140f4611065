// The composition root: parses the command line and wires the stages together.
#pragma once

#include <iosfwd>

namespace lookalike::cli {

// Runs the `lookalike` command line with the process's standard streams; returns the exit code.
// Never throws: configuration errors become one line on stderr and a non-zero exit.
int run(int argc, char** argv);

// Same, with explicit streams (for tests).
int run(int argc, char** argv, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace lookalike::cli
