// `lookalike probe`: runs the live mail and web probes against one name at given addresses and
// prints what they saw (a debugging aid for the scan's probe stage). DNS is only asked for the
// hosts a redirect leads to (through --resolvers, else the system's resolvers).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <stdexcept>
#include <ostream>
#include <string>
#include <vector>

#include "cli/context.hpp"
#include "scoring/probe_text.hpp"
#include "scoring/scoring.hpp"

namespace lookalike::cli {
namespace {

namespace sc = lookalike::scoring;

struct ProbeCliOptions {
  std::string name;
  std::vector<std::string> addresses;
  std::vector<std::string> mx;
  std::vector<std::string> ns;
  std::string brand;
  bool allow_private = false;
  bool mx_check = false;
  bool no_web = false;
  bool no_mail = false;
  unsigned smtp_port = 25, http_port = 80, https_port = 443;
  long timeout_ms = 5000;
  std::string resolvers;  // for redirect targets on other hosts; empty: the system's resolvers
};

sc::Address address_or_throw(const std::string& text) {
  auto a = sc::parse_address(text);
  if (!a) throw UsageError{"\"" + sc::sanitize_text(text, 64) + "\": not an IPv4 or IPv6 address"};
  return *a;
}

void run_probe(const ProbeCliOptions& o, Context& ctx) {
  sc::ProbeTarget t;
  t.name = o.name;
  t.brand_domain = o.brand;
  t.ns = o.ns;
  for (const auto& a : o.addresses) t.web_addresses.push_back(address_or_throw(a));
  for (const auto& spec : o.mx) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError{"--mx " + spec + ": expected HOST=IP"};
    sc::MxHost h{spec.substr(0, eq), {}};
    h.addresses.push_back(address_or_throw(spec.substr(eq + 1)));
    bool merged = false;
    for (auto& existing : t.mx) {
      if (existing.host == h.host) {
        existing.addresses.push_back(h.addresses[0]);
        merged = true;
      }
    }
    if (!merged) t.mx.push_back(std::move(h));
  }
  if (t.web_addresses.empty() && t.mx.empty()) throw UsageError{"nothing to probe: give --address and/or --mx"};
  if (o.timeout_ms <= 0) throw UsageError{"--timeout must be positive"};
  sc::ProbeOptions opt;
  opt.allow_private = o.allow_private;
  opt.mx_check = o.mx_check;
  opt.web = !o.no_web;
  opt.mail = !o.no_mail;
  opt.smtp_port = static_cast<std::uint16_t>(o.smtp_port);
  opt.http_port = static_cast<std::uint16_t>(o.http_port);
  opt.https_port = static_cast<std::uint16_t>(o.https_port);
  opt.step_timeout = std::chrono::milliseconds(o.timeout_ms);
  opt.session_timeout = std::chrono::milliseconds(o.timeout_ms * 4);
  // Redirects to other hosts are followed, resolved the way a scan would resolve them.
  try {
    opt.resolve = sc::dns_resolve_hook(o.resolvers, std::chrono::milliseconds(std::min<long>(o.timeout_ms, 1500)));
  } catch (const std::invalid_argument& e) {
    throw UsageError{std::string("--") + e.what()};
  }
  sc::Prober prober(opt);
  const std::vector<sc::ProbeTarget> targets = {t};
  const auto results = prober.probe_all(targets);
  sc::write_probe_text(ctx.out, results.at(0), opt.smtp_port);
  ctx.exit_code = 0;
}

}  // namespace

void add_probe_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<ProbeCliOptions>();
  CLI::App* cmd = app.add_subcommand("probe", "Probe one name's mail and web servers at given addresses (debugging aid)");
  cmd->add_option("name", opts->name, "The look-alike name (used for Host, SNI, certificate check)")->required();
  cmd->add_option("--address", opts->addresses, "Web address(es) of the name (A/AAAA)");
  cmd->add_option("--mx", opts->mx, "MX host and address as HOST=IP (repeatable)");
  cmd->add_option("--ns", opts->ns, "NS host(s) of the name, for parking detection");
  cmd->add_option("--brand", opts->brand, "The brand's own domain (redirect-to-brand detection)");
  cmd->add_flag("--allow-private", opts->allow_private,
                "Also probe private, loopback, link-local and CGNAT addresses (never cloud metadata)");
  cmd->add_flag("--mx-check", opts->mx_check,
                "Also send MAIL FROM / RCPT TO for a random address at the name to see whether the mail "
                "server accepts it (like dnstwist --mxcheck); never sends DATA. Off by default");
  cmd->add_flag("--no-web", opts->no_web, "Skip the HTTP/HTTPS probes");
  cmd->add_flag("--no-mail", opts->no_mail, "Skip the SMTP probes");
  cmd->add_option("--smtp-port", opts->smtp_port, "SMTP port")->check(CLI::Range(1, 65535));
  cmd->add_option("--http-port", opts->http_port, "HTTP port")->check(CLI::Range(1, 65535));
  cmd->add_option("--https-port", opts->https_port, "HTTPS port")->check(CLI::Range(1, 65535));
  cmd->add_option("--timeout", opts->timeout_ms, "Per-step timeout in milliseconds (session: 4x)");
  cmd->add_option("--resolvers", opts->resolvers,
                  "DNS servers IP[:PORT],... for the hosts redirects lead to (default: /etc/resolv.conf)");
  cmd->callback([opts, &ctx] { run_probe(*opts, ctx); });
}

}  // namespace lookalike::cli
