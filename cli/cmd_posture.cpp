// `lookalike posture DOMAIN...`: grades each domain's email infrastructure (POSTURE.md). Parsing and
// wiring only; the checks are posture::check_domain.
#include <CLI/CLI.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "cli/common.hpp"
#include "cli/context.hpp"
#include "index/index.hpp"
#include "posture/policy_fetch.hpp"
#include "posture/render.hpp"
#include "posture/run.hpp"
#include "posture/unbound_dns.hpp"

namespace lookalike::cli {
namespace {

struct PostureArgs {
  std::vector<std::string> domains;
  std::string format = "table";
  std::string resolvers;
  std::vector<std::string> selectors;
  bool active = false;
  bool require_tls_probe = false;
  std::string ca_file;
  std::string trust_anchor;
  std::uint16_t smtp_port = 25;
  std::uint16_t https_port = 443;
  bool diff = false;
  bool allow_private = false;
  int timeout_ms = 5000;
};

void run_posture(Context& ctx, const PostureArgs& a) {
  posture::UnboundOptions dns_options;
  for (const auto& r : split_list(a.resolvers)) dns_options.forwarders.push_back(r);
  dns_options.trust_anchor_file = a.trust_anchor;
  dns_options.timeout_ms = a.timeout_ms;
  auto dns = posture::UnboundDns::create(dns_options);
  if (!dns) throw UsageError{"posture: " + dns.error()};
  posture::FetchOptions fetch_options;
  fetch_options.port = a.https_port;
  fetch_options.ca_file = a.ca_file;
  fetch_options.allow_private = a.allow_private;
  auto fetcher = posture::make_policy_fetcher(**dns, fetch_options);

  posture::RunOptions run_options;
  run_options.dkim_selectors = a.selectors;
  run_options.active = a.active;
  run_options.active_options.smtp_port = a.smtp_port;
  run_options.active_options.ca_file = a.ca_file;
  run_options.active_options.allow_private = a.allow_private;
  run_options.active_options.probe_require_tls = a.require_tls_probe;

  // The index (when there is one) gives the look-alike summary and keeps the history.
  index::Options options = store_options(ctx);
  options.create_if_missing = false;
  options.read_only = false;
  auto store = index::Store::open(ctx.db_path, options);

  auto checked = posture::check_domains(a.domains, store ? &*store : nullptr, a.diff, **dns, *fetcher, run_options);
  if (!checked) throw UsageError{checked.error()};
  const auto& reports = checked->reports;
  if (a.format == "jsonl") {
    posture::write_jsonl(ctx.out, reports);
  } else if (a.format == "html") {
    posture::write_html(ctx.out, reports);
  } else {
    posture::write_table(ctx.out, reports, true);
  }
  for (const auto& d : checked->diffs) ctx.out << d;
  ctx.exit_code = posture::exit_code(reports);
}

}  // namespace

void add_posture_command(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<PostureArgs>();
  CLI::App* cmd = app.add_subcommand("posture", "Grade domains' own email infrastructure (SPF, DKIM, DMARC, MTA-STS, ...)");
  cmd->add_option("DOMAIN", a->domains, "Domains to check")->required();
  cmd->add_option("--format", a->format, "Output format")->check(CLI::IsMember({"table", "jsonl", "html"}))->capture_default_str();
  cmd->add_option("--resolvers", a->resolvers, "IP[:PORT],... to forward to (default: full recursion from the root)");
  cmd->add_option("--dkim-selector", a->selectors, "DKIM selector to check (repeatable; a small guess list is always tried)");
  cmd->add_flag("--active", a->active, "Connect to the MX hosts: STARTTLS, TLS versions/ciphers, certificates, DANE");
  cmd->add_flag("--probe-require-tls", a->require_tls_probe,
                "With --active: send MAIL FROM/RCPT TO in plaintext to see whether TLS is required (never DATA)");
  cmd->add_option("--ca-file", a->ca_file, "Extra trust anchor PEM for SMTP and HTTPS certificates");
  cmd->add_option("--trust-anchor", a->trust_anchor, "DNSSEC trust anchor file (default /usr/share/dns/root.key)");
  cmd->add_option("--smtp-port", a->smtp_port, "SMTP port of the MX hosts")->capture_default_str();
  cmd->add_option("--https-port", a->https_port, "HTTPS port of the MTA-STS policy host")->capture_default_str();
  cmd->add_option("--timeout-ms", a->timeout_ms, "Bound on each batch of DNS questions")->capture_default_str();
  cmd->add_flag("--diff", a->diff, "Show what changed since the previous run stored in --db");
  cmd->add_flag("--allow-private", a->allow_private, "Tests only: connect to loopback/private addresses");
  cmd->callback([&ctx, a] { run_posture(ctx, *a); });
}

}  // namespace lookalike::cli
