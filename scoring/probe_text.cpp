#include "scoring/probe_text.hpp"

#include <cstdio>
#include <ctime>
#include <string>

namespace lookalike::scoring {
namespace {

std::string utc(std::int64_t t) {
  if (t == 0) return "?";
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

std::string error_text(ProbeError e, const std::string& detail) {
  if (e == ProbeError::none) return "ok";
  return std::string(probe_error_name(e)) + (detail.empty() ? "" : ": " + detail);
}

}  // namespace

void write_probe_text(std::ostream& out, const ProbeResult& r, std::uint16_t smtp_port) {
  out << r.name << "\n";
  for (const auto& m : r.mail) {
    out << "  mail  " << m.host << " [" << to_string(m.address) << "]:" << smtp_port << "  "
        << error_text(m.error, m.detail) << "\n";
    if (m.answered) {
      out << "        banner " << m.banner_code << " " << m.banner << "\n";
      out << "        ehlo " << (m.ehlo_ok ? "ok" : "refused") << ", starttls " << (m.starttls ? "yes" : "no");
      if (m.rcpt_accepted) out << ", rcpt " << (*m.rcpt_accepted ? "accepted" : "rejected");
      out << "\n";
    }
  }
  for (const auto& w : r.web) {
    out << "  " << w.scheme << (w.scheme == "http" ? "  " : " ") << " [" << to_string(w.address) << "]  "
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
}

}  // namespace lookalike::scoring
