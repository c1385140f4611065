#include "report/review_screen.hpp"

#include <nlohmann/json.hpp>

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

std::string json_text(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

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
  if (e.ct.empty()) {
    out << "\n";
    return;
  }
  auto j = nlohmann::json::parse(e.ct.back().payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    out << "\n";
    return;
  }
  out << "; latest " << screen_text(json_text(j, "log")) << " #" << j.value("index", std::uint64_t{0}) << " at "
      << utc_iso(e.ct.back().time) << "\n    issuer " << screen_text(json_text(j, "issuer"));
  if (auto sans = j.find("sans"); sans != j.end() && sans->is_array()) {
    out << "\n    SANs";
    std::size_t n = 0;
    for (const auto& s : *sans) {
      if (!s.is_string()) continue;
      if (++n > 8) {
        out << " ... (" << sans->size() << " in all)";
        break;
      }
      out << " " << screen_text(s.get<std::string>());
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
