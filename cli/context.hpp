// What every subcommand receives: the streams it talks through and shared global options.
#pragma once

#include <iosfwd>
#include <string>

namespace CLI {
class App;
}

namespace lookalike::cli {

struct Context {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  bool err_is_tty = false;  // progress output only goes to a terminal
  std::string db_path;      // --db, defaulting to $XDG_DATA_HOME/lookalike
  int exit_code = 0;        // set by the subcommand that ran
};

// A user-facing error (bad option value, unreadable file): printed as one line, exit code 2.
struct UsageError {
  std::string message;
};

// Each command file adds its subcommand(s) to `app`; the work runs in the subcommand's callback.
void add_generate_command(CLI::App& app, Context& ctx);

}  // namespace lookalike::cli
