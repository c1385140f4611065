// Placeholder until the generator lands in this file.
#include <CLI/CLI.hpp>

#include "cli/context.hpp"

namespace lookalike::cli {
void add_generate_command(CLI::App&, Context&) {}
}  // namespace lookalike::cli
