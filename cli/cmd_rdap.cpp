// `lookalike rdap NAME...`: the registry's RDAP record of each name (registrar, IANA ID, abuse
// contact, dates, status), cached in the index; `lookalike rdap --update-bootstrap` refreshes the
// IANA bootstrap file the lookups start from.
#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cli/common.hpp"
#include "cli/context.hpp"
#include "domain/domain.hpp"
#include "index/index.hpp"
#include "rdap/rdap.hpp"
#include "util/utf8.hpp"

namespace lookalike::cli {
namespace {

struct RdapCliOptions {
  std::vector<std::string> names;
  bool refresh = false;
  bool json = false;
  bool no_cache = false;
  std::string bootstrap;
  std::string server;
  std::string ca_file;
  double timeout_s = 15;
  double interval_s = 1;
  bool update = false;
  std::string from;
  std::string output;
};

void check_times(const RdapCliOptions& o) {
  // Also keeps the conversions to milliseconds in range.
  if (!(o.timeout_s > 0 && o.timeout_s <= 3600)) throw UsageError{"rdap: --timeout must be in (0, 3600] seconds"};
  if (!(o.interval_s >= 0 && o.interval_s <= 3600)) throw UsageError{"rdap: --interval must be in [0, 3600] seconds"};
}

void run_update(const RdapCliOptions& o, Context& ctx) {
  check_times(o);
  rdap::Options opts;
  opts.ca_file = o.ca_file;
  opts.timeout = seconds_option(o.timeout_s);
  // An explicit --from is the user's choice (a mirror, a test server); IANA's URL never is loopback.
  opts.allow_loopback = !o.from.empty();
  const std::string url = o.from.empty() ? std::string(rdap::kBootstrapUrl) : o.from;
  auto u = rdap::update_bootstrap(opts, url, o.output);
  if (!u) {
    ctx.err << "lookalike: rdap bootstrap update: " << util::printable(u.error().what) << "\n";
    ctx.exit_code = 1;
    return;
  }
  ctx.out << "bootstrap updated: " << u->path << " (publication " << util::printable(u->publication) << ", "
          << u->services << " TLDs)\n";
}

void run_lookup(const RdapCliOptions& o, Context& ctx) {
  if (o.names.empty()) throw UsageError{"rdap: give one or more names, or --update-bootstrap"};
  check_times(o);
  rdap::Options opts;
  opts.bootstrap_path = o.bootstrap;
  opts.server = o.server;
  opts.ca_file = o.ca_file;
  opts.timeout = seconds_option(o.timeout_s);
  opts.min_interval = seconds_option(o.interval_s);
  // A bootstrap file or server the user names is theirs to point anywhere on this machine (a test
  // registry); private and metadata addresses stay refused.
  opts.allow_loopback = !o.bootstrap.empty() || !o.server.empty();
  auto client = rdap::Client::make(opts);
  if (!client) {
    ctx.err << "lookalike: rdap: " << util::printable(client.error().what) << "\n";
    ctx.exit_code = 1;
    return;
  }
  std::optional<index::Store> store;
  if (!o.no_cache) {
    index::Options so = store_options(ctx);
    so.create_if_missing = true;
    auto s = index::Store::open(ctx.db_path, so);
    if (s) {
      store = std::move(*s);
    } else {
      // The lookup is still useful without the cache (e.g. the store is held by `watch`).
      ctx.err << "lookalike: rdap: not caching: " << s.error().message << "\n";
    }
  }
  const index::Time started = index::now_ms();
  bool first = true;
  for (const auto& name : o.names) {
    auto r = client->lookup(name, store ? &*store : nullptr, o.refresh);
    if (!r) {
      ctx.exit_code = 1;
      if (o.json) {
        ctx.out << rdap::error_json(name, r.error()) << "\n";
      } else {
        ctx.err << "lookalike: rdap: " << util::printable(name) << ": " << util::printable(r.error().what) << "\n";
      }
      continue;
    }
    if (o.json) {
      ctx.out << rdap::to_json(*r) << "\n";
    } else {
      if (!first) ctx.out << "\n";
      rdap::write_record_text(ctx.out, *r, r->fetched < started);
    }
    first = false;
    ctx.out.flush();
  }
}

}  // namespace

void add_rdap_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<RdapCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "rdap", "Registrar, IANA ID, abuse contact, dates and status of names from their registry's RDAP service");
  cmd->add_option("names", opts->names, "Domain names (their registrable domain is queried)");
  cmd->add_flag("--refresh", opts->refresh, "Ask the registry even when the index has a recent record");
  cmd->add_flag("--json", opts->json, "One JSON object per line and name (errors as {\"name\",\"error\"})");
  cmd->add_flag("--no-cache", opts->no_cache, "Neither read nor write the index");
  cmd->add_option("--bootstrap", opts->bootstrap,
                  "IANA dns.json to use (default: the refreshed copy, else the bundled snapshot)");
  cmd->add_option("--server", opts->server,
                  "Ask this RDAP base URL for every name instead of the bootstrap's (e.g. a registrar's)");
  cmd->add_option("--ca-file", opts->ca_file, "Extra trusted CA certificate (PEM) for HTTPS");
  cmd->add_option("--timeout", opts->timeout_s, "Per-request timeout in seconds")->capture_default_str();
  cmd->add_option("--interval", opts->interval_s, "Minimum seconds between requests to one server")
      ->capture_default_str();
  cmd->add_flag("--update-bootstrap", opts->update, "Fetch IANA's current dns.json, validate it and keep it");
  cmd->add_option("--from", opts->from, "With --update-bootstrap: the URL to fetch (default IANA's)");
  cmd->add_option("--output", opts->output,
                  "With --update-bootstrap: the file to write (default $XDG_DATA_HOME/lookalike-data/rdap/dns.json)");
  cmd->callback([opts, &ctx] {
    if (opts->update) {
      if (!opts->names.empty()) throw UsageError{"rdap: --update-bootstrap takes no names"};
      run_update(*opts, ctx);
    } else {
      if (!opts->from.empty() || !opts->output.empty()) throw UsageError{"rdap: --from/--output need --update-bootstrap"};
      run_lookup(*opts, ctx);
    }
  });
}

}  // namespace lookalike::cli
