// What every subcommand receives: the streams it talks through and shared global options.
#pragma once

#include <cstdint>
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
  std::int64_t retention_days = 365;  // --retention: observations kept this many days; 0 = forever
  int exit_code = 0;        // set by the subcommand that ran
};

// A user-facing error (bad option value, unreadable file): printed as one line, exit code 2.
struct UsageError {
  std::string message;
};

// Each command file cli/cmd_<family>.cpp defines one of these; the work runs in the subcommand's
// callback. They are weak so that a build of some stages only (-DLOOKALIKE_ONLY=...) links:
// cli.cpp skips the families whose stage is not built.
[[gnu::weak]] void add_generate_command(CLI::App& app, Context& ctx);
[[gnu::weak]] void add_resolve_command(CLI::App& app, Context& ctx);
[[gnu::weak]] void add_match_command(CLI::App& app, Context& ctx);
[[gnu::weak]] void add_brand_command(CLI::App& app, Context& ctx);
[[gnu::weak]] void add_scan_command(CLI::App& app, Context& ctx);
[[gnu::weak]] void add_report_command(CLI::App& app, Context& ctx);
[[gnu::weak]] void add_ct_command(CLI::App& app, Context& ctx);
[[gnu::weak]] void add_probe_command(CLI::App& app, Context& ctx);
[[gnu::weak]] void add_db_command(CLI::App& app, Context& ctx);
[[gnu::weak]] void add_sandbox_command(CLI::App& app, Context& ctx);
[[gnu::weak]] void add_watch_command(CLI::App& app, Context& ctx);
[[gnu::weak]] void add_rdap_command(CLI::App& app, Context& ctx);
[[gnu::weak]] void add_review_command(CLI::App& app, Context& ctx);
[[gnu::weak]] void add_export_command(CLI::App& app, Context& ctx);
[[gnu::weak]] void add_ingest_command(CLI::App& app, Context& ctx);
[[gnu::weak]] void add_posture_command(CLI::App& app, Context& ctx);
[[gnu::weak]] void add_worker_command(CLI::App& app, Context& ctx);  // worker, kafka-mock, enqueue, kafka-read

}  // namespace lookalike::cli
