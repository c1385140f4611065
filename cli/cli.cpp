#include "cli/cli.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <exception>
#include <iostream>

#include "cli/context.hpp"
#include "index/index.hpp"

namespace lookalike::cli {
namespace {

std::string default_db_path() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::string(xdg) + "/lookalike";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::string(home) + "/.local/share/lookalike";
  }
  return ".lookalike";
}

}  // namespace

int run(int argc, char** argv, std::istream& in, std::ostream& out, std::ostream& err) {
  Context ctx{in, out, err, false, {}, 365, 0};
  ctx.err_is_tty = &err == &std::cerr && isatty(STDERR_FILENO) == 1;
  ctx.db_path = default_db_path();

  CLI::App app{"lookalike: look-alike domain discovery (typosquats, homoglyphs, CT, DNS, scoring)", "lookalike"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "lookalike 0.1.0");
  app.add_option("--db", ctx.db_path, "RocksDB store folder (default $XDG_DATA_HOME/lookalike)");
  app.add_option("--retention", ctx.retention_days,
                 "Days to keep observations, counted from when the store recorded them; 0 keeps everything "
                 "(default 365; names with a malicious or suspicious verdict keep theirs)")
      ->type_name("DAYS")
      ->check(CLI::Range(std::int64_t{0}, index::kMaxRetentionDays));
  // Global options are accepted anywhere (`lookalike scan example.com --db PATH`): an option a
  // subcommand does not know falls through to its parent. Inherited by every subcommand added below.
  app.fallthrough();

  // COMMANDS: every command family that is linked in, in the order `--help` lists them.
  using Adder = void (*)(CLI::App&, Context&);
  for (Adder add : {add_generate_command, add_resolve_command, add_match_command, add_brand_command, add_scan_command,
                    add_report_command, add_ct_command, add_probe_command, add_db_command, add_sandbox_command, add_watch_command,
                    add_rdap_command, add_review_command, add_export_command, add_ingest_command, add_posture_command,
                    add_worker_command}) {
    if (add != nullptr) add(app, ctx);
  }

  // CLI11 alone would say "A subcommand is required" for a misspelt command.
  if (const std::string_view c = command_of(argc, argv); !c.empty()) {
    std::string known;
    bool found = false;
    for (const CLI::App* sub : app.get_subcommands({})) {
      found = found || sub->get_name() == c;
      known += (known.empty() ? "" : ", ") + sub->get_name();
    }
    if (!found) {
      err << "lookalike: unknown command \"" << c << "\" (commands: " << known << ")\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostream& s = e.get_exit_code() == 0 ? out : err;
    // CLI11 prints help/version/errors through its formatter.
    return app.exit(e, s, s);
  } catch (const UsageError& e) {
    err << "lookalike: " << e.message << "\n";
    return 2;
  } catch (const std::exception& e) {
    err << "lookalike: " << e.what() << "\n";
    return 1;
  }
  out.flush();
  return ctx.exit_code;
}

int run(int argc, char** argv) { return run(argc, argv, std::cin, std::cout, std::cerr); }

}  // namespace lookalike::cli
