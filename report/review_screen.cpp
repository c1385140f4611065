#include "report/review_screen.hpp"

#include "index/ct_observation.hpp"
#include "report/text.hpp"
#include "scoring/probe_json.hpp"
#include "scoring/scoring.hpp"

namespace lookalike::report {

std::string screen_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      out += '?';
    } else if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(s[i + 1]) <= 0x9f) {
      out += '?';
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

namespace {

// ---- one screen ------------------------------------------------------------------------------

void print_probe(std::ostream& out, const index::Observation& o) {
  const auto p = scoring::parse_probe_observation(o.payload);
  out << "  probe (" << utc_iso(o.time) << "):";
  if (!p) {
    out << " unreadable record\n";
    return;
  }
  for (const scoring::StoredWeb& w : p->web) {
    out << "\n    web " << screen_text(w.scheme) << " " << w.status;
    if (!w.title.empty()) out << " title \"" << screen_text(w.title) << "\"";
    if (!w.server.empty()) out << " server " << screen_text(w.server);
    if (w.certificate) {
      out << "\n      certificate " << screen_text(w.certificate->subject) << " issued by " << screen_text(w.certificate->issuer);
    }
    if (!w.error.empty() && w.error != "none") out << " (" << screen_text(w.error) << ")";
  }
  for (const scoring::StoredMail& m : p->mail) {
    out << "\n    mail " << screen_text(m.host) << " [" << screen_text(m.address) << "] ";
    if (m.answered) {
      out << "banner \"" << screen_text(m.banner) << "\"" << (m.starttls ? " STARTTLS" : "");
    } else {
      out << "no answer (" << screen_text(m.error) << ")";
    }
  }
  out << (p->web.empty() && p->mail.empty() ? " nothing answered\n" : "\n");
}

void print_ct(std::ostream& out, const Evidence& e) {
  out << "  CT: " << e.candidate.ct.size() << " certificate(s)";
  const auto c = e.ct.empty() ? std::nullopt : index::parse_ct_observation(e.ct.back().payload);
  if (!c) {
    out << "\n";
    return;
  }
  out << "; latest " << screen_text(c->log) << " #" << c->index << " at " << utc_iso(e.ct.back().time)
      << "\n    issuer " << screen_text(c->issuer);
  if (!c->sans.empty()) {
    out << "\n    SANs";
    for (std::size_t n = 0; n < c->sans.size(); ++n) {
      if (n == 8) {
        out << " ... (" << c->sans.size() << " in all)";
        break;
      }
      out << " " << screen_text(c->sans[n]);
    }
  }
  out << "\n";
}

}  // namespace

void write_review_screen(std::ostream& out, const Evidence& e, std::size_t pos, std::size_t total) {
  const index::Candidate& c = e.candidate;
  out << "\n[" << pos << "/" << total << "] " << c.name;
  if (e.unicode != c.name) out << "  (" << screen_text(e.unicode) << ")";
  out << "\n  brands: " << join(c.brands, ", ") << "\n  found by: " << join(c.fuzzers, ", ") << "\n";
  if (c.score) {
    out << "  score: " << int{c.score->value} << " "
        << scoring::level_name(static_cast<scoring::Level>(c.score->level)) << "\n";
    for (const auto& r : c.score->reasons) out << "    - " << screen_text(r) << "\n";
  } else {
    out << "  score: unscored\n";
  }
  if (c.state) {
    out << "  DNS: " << dns_outcome_name(c.state->dns) << " at " << utc_iso(c.state->time);
    const auto flags = state_flag_names(c.state->flags);
    if (!flags.empty()) out << " (" << join(flags, ", ") << ")";
    out << "\n";
    namespace sf = index::state_flag;
    out << "  MX/web: mail " << ((c.state->flags & sf::mx_live) ? "answers" : (c.state->flags & sf::has_mx) ? "MX only" : "none")
        << ", web " << ((c.state->flags & sf::web_live) ? "live" : "not live")
        << ((c.state->flags & sf::parked) ? " (parked)" : "") << "\n";
  } else {
    out << "  DNS: not resolved yet\n";
  }
  print_ct(out, e);
  if (!e.probes.empty()) print_probe(out, e.probes.back());
  out << "  first seen " << utc_iso(c.first_seen) << ", last seen " << utc_iso(c.last_seen) << "\n";
}

}  // namespace lookalike::report
