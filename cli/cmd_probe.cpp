// `lookalike probe`: runs the live mail and web probes against one name at given addresses and
// prints what they saw (a debugging aid for the scan's probe stage). DNS is only asked for the
// hosts a redirect leads to (through --resolvers, else the system's resolvers).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <stdexcept>
#include <ctime>
#include <ostream>
#include <string>
#include <vector>

#include "cli/context.hpp"
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

std::string utc(std::int64_t t) {
  if (t == 0) return "?";
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

std::string error_text(sc::ProbeError e, const std::string& detail) {
  if (e == sc::ProbeError::none) return "ok";
  return std::string(sc::probe_error_name(e)) + (detail.empty() ? "" : ": " + detail);
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
  const sc::ProbeResult& r = results.at(0);
  std::ostream& out = ctx.out;
  out << r.name << "\n";
  for (const auto& m : r.mail) {
    out << "  mail  " << m.host << " [" << sc::to_string(m.address) << "]:" << opt.smtp_port << "  "
        << error_text(m.error, m.detail) << "\n";
    if (m.answered) {
      out << "        banner " << m.banner_code << " " << m.banner << "\n";
      out << "        ehlo " << (m.ehlo_ok ? "ok" : "refused") << ", starttls " << (m.starttls ? "yes" : "no");
      if (m.rcpt_accepted) out << ", rcpt " << (*m.rcpt_accepted ? "accepted" : "rejected");
      out << "\n";
    }
  }
  for (const auto& w : r.web) {
    out << "  " << w.scheme << (w.scheme == "http" ? "  " : " ") << " [" << sc::to_string(w.address) << "]  "
        << error_text(w.error, w.detail) << "\n";
    for (const auto& h : w.hops) {
      out << "        " << h.status << " " << h.url << (h.location.empty() ? "" : " -> " + h.location) << "\n";
    }
    if (w.answered && !w.title.empty()) out << "        title \"" << w.title << "\"\n";
    if (!w.server.empty()) out << "        server " << w.server << "\n";
    if (w.certificate) {
      const auto& c = *w.certificate;
      out << "        cert subject " << c.subject << "\n"
          << "             issuer  " << c.issuer << "\n"
          << "             valid   " << utc(c.not_before) << " .. " << utc(c.not_after) << "\n"
          << "             covers name " << (c.covers_name ? "yes" : "no") << ", verified "
          << (c.verified ? "yes" : "no (" + c.verify_error + ")") << "\n";
    }
    if (w.page_hash != 0) {
      char hex[17];
      std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(w.page_hash));
      out << "        page simhash " << hex << (w.parked_page ? ", parking page" : "") << "\n";
    }
  }
  for (const auto& s : r.skipped) {
    const bool never = s.find("(cloud-metadata)") != std::string::npos;
    out << "  skipped " << s << (never ? " (never probed)" : " (use --allow-private to probe it)") << "\n";
  }
  out << "  => mx_live " << (r.mx_live ? "yes" : "no") << ", web_live " << (r.web_live ? "yes" : "no")
      << ", tls_covers_name " << (r.tls_covers_name ? "yes" : "no") << ", redirects_to_brand "
      << (r.redirects_to_brand ? "yes" : "no") << ", parked " << (r.parked ? "yes" : "no") << "\n";
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
