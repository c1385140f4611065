// The takedown record of one threat: what the store knows (candidate, verdict, DNS / probe / CT
// history read through their owners) plus the RDAP facts, as one JSON object.
#include <algorithm>
#include <cstdio>
#include <utility>

#include "domain/domain.hpp"
#include "index/ct_observation.hpp"
#include "resolver/observation_json.hpp"
#include "report/candidate.hpp"
#include "report/text.hpp"
#include "report/threat_json.hpp"
#include "scoring/scoring.hpp"

namespace lookalike::report {
namespace {

std::string sha_hex(const index::Sha256& h) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (const auto b : h) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

// Every time in the record is spelled as the candidate's are (candidate.hpp).
Json time_or_null(std::int64_t ms) {
  std::string s;
  append_json_time(s, ms > 0 ? ms : 0);
  return Json::parse(s);
}

// Edit distance of the candidate to each brand it imitates, on the registrable labels (what a
// registrar compares), e.g. paypa1.com vs paypal.com -> 1.
Json similarity_json(const index::Candidate& c) {
  Json s = Json::object();
  std::vector<std::string> generated, ct_rules;
  for (const auto& f : c.fuzzers) {
    if (f.starts_with("ct:")) {
      ct_rules.push_back(f.substr(3));
    } else {
      generated.push_back(f);
    }
  }
  s["fuzzers"] = generated;
  s["ct_rules"] = ct_rules;
  Json per_brand = Json::array();
  auto cand = domain::parse(c.name);
  for (const auto& b : c.brands) {
    auto brand = domain::parse(b);
    Json e = {{"brand", b}};
    if (cand && brand) {
      e["edit_distance"] = edit_distance(cand->registrable(), brand->registrable());
      e["label_edit_distance"] = edit_distance(cand->label, brand->label);
    } else {
      e["edit_distance"] = nullptr;
    }
    per_brand.push_back(std::move(e));
  }
  s["brands"] = std::move(per_brand);
  return s;
}

Json rdap_json(const Threat& t) {
  if (!t.rdap) return t.rdap_error.empty() ? Json(nullptr) : Json{{"error", t.rdap_error}};
  const rdap::Record& r = *t.rdap;
  return Json{{"server", r.server},
              {"handle", r.handle},
              {"registrar", r.registrar},
              {"registrar_iana_id", r.registrar_iana_id ? Json(*r.registrar_iana_id) : Json(nullptr)},
              {"abuse_email", r.abuse_email},
              {"abuse_phone", r.abuse_phone},
              {"registered", r.registered ? time_or_null(*r.registered) : Json(nullptr)},
              {"expires", r.expires ? time_or_null(*r.expires) : Json(nullptr)},
              {"last_changed", r.last_changed ? time_or_null(*r.last_changed) : Json(nullptr)},
              {"status", r.status},
              {"nameservers", r.nameservers},
              {"fetched", time_or_null(r.fetched)}};
}

}  // namespace

std::string dump(const Json& j, int indent) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

std::string rfc3339_ms(std::int64_t ms) {
  std::string out = utc_iso(ms);  // "...T11:50:00Z"
  out.pop_back();
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(((ms % 1000) + 1000) % 1000));
  return out + frac;
}

std::string text_of(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> dns_records(const Threat& t, const char* type) {
  if (t.evidence.dns.empty()) return {};
  const auto obs = resolver::parse_dns_observation(t.evidence.dns.back().payload);
  const resolver::StoredType* answer = obs ? obs->find(type) : nullptr;
  return answer != nullptr ? answer->records : std::vector<std::string>();
}

std::optional<scoring::ProbeObservation> latest_probe(const Threat& t) {
  if (t.evidence.probes.empty()) return std::nullopt;
  return scoring::parse_probe_observation(t.evidence.probes.back().payload);
}

std::string decision_text(const Threat& t) {
  return t.evidence.verdict ? std::string(index::decision_name(t.evidence.verdict->decision)) : std::string();
}

std::string level_text(const index::Candidate& c) {
  return c.score ? std::string(scoring::level_name(static_cast<scoring::Level>(c.score->level))) : "unscored";
}

Json threat_object(const Threat& t) {
  const Evidence& e = t.evidence;
  const index::Candidate& c = e.candidate;
  // The candidate members as every JSON rendering spells them (candidate.hpp), then the evidence.
  Json j = Json::parse(candidate_json(candidate_view(c, e.verdict)));
  j["similarity"] = similarity_json(c);
  Json dns = Json::object();
  if (c.state) {
    dns["outcome"] = dns_outcome_name(c.state->dns);
    dns["flags"] = state_flag_names(c.state->flags);
    dns["time"] = time_or_null(c.state->time);
  } else {
    dns["outcome"] = "unknown";
    dns["flags"] = Json::array();
    dns["time"] = nullptr;
  }
  Json history = Json::array();
  for (const auto& o : e.dns) {
    // The stored types as their owner writes them (resolver/observation_json.hpp).
    const auto obs = resolver::parse_dns_observation(o.payload);
    Json types = obs ? Json::parse(resolver::to_json(*obs))["types"] : Json::object();
    history.push_back(Json{{"time", time_or_null(o.time)}, {"types", std::move(types)}});
  }
  dns["observations"] = std::move(history);
  j["dns"] = std::move(dns);
  Json probes = Json::array();
  for (const auto& o : e.probes) {
    // The stored sessions as their owner writes them (scoring/probe_json.hpp).
    const auto obs = scoring::parse_probe_observation(o.payload);
    const Json p = obs ? Json::parse(scoring::to_json(*obs)) : Json::object();
    Json entry = {{"time", time_or_null(o.time)}};
    for (const char* k : {"web", "mail", "skipped"}) entry[k] = p.contains(k) ? p[k] : Json::array();
    probes.push_back(std::move(entry));
  }
  j["probes"] = std::move(probes);
  Json ct = Json::array();
  for (const auto& o : e.ct) {
    // The stored sighting as its owner writes it (index/ct_observation.hpp), times as text.
    const auto obs = index::parse_ct_observation(o.payload);
    Json p = obs ? Json::parse(index::to_json(*obs)) : Json{{"unreadable", true}};
    for (const char* k : {"timestamp", "not_before", "not_after"}) {
      if (p.contains(k) && p[k].is_number_unsigned()) p[k] = time_or_null(static_cast<std::int64_t>(p[k].get<std::uint64_t>()));
    }
    ct.push_back(std::move(p));
  }
  j["ct"] = std::move(ct);
  Json sightings = Json::array();
  for (const auto& s : c.ct) {
    sightings.push_back(Json{{"log_id", s.log_id},
                             {"index", s.index},
                             {"cert_sha256", sha_hex(s.cert_sha256)}});
  }
  j["ct_sightings"] = std::move(sightings);
  j["rdap"] = rdap_json(t);
  return j;
}

std::string evidence_text(const Threat& t, const Json& j) {
  const index::Candidate& c = t.evidence.candidate;
  std::string s = "Look-alike of " + join(c.brands, ", ") + ": " + c.name;
  if (t.evidence.unicode != c.name) s += " (" + t.evidence.unicode + ")";
  s += ". Score " + (c.score ? std::to_string(c.score->value) : std::string("none")) + " (" + level_text(c) + ")";
  if (c.score && !c.score->reasons.empty()) s += ": " + join(c.score->reasons, "; ");
  s += ".";
  if (!c.fuzzers.empty()) s += " Found by " + join(c.fuzzers, ", ") + ".";
  for (const auto& b : j["similarity"]["brands"]) {
    if (b["edit_distance"].is_number()) {
      s += " Edit distance to " + b["brand"].get<std::string>() + ": " + std::to_string(b["edit_distance"].get<int>()) + ".";
    }
  }
  s += " DNS " + j["dns"]["outcome"].get<std::string>();
  if (!j["dns"]["flags"].empty()) {
    std::vector<std::string> f = j["dns"]["flags"];
    s += " (" + join(f, ", ") + ")";
  }
  if (j["dns"]["time"].is_string()) s += " at " + j["dns"]["time"].get<std::string>();
  s += ".";
  for (const char* ty : {"A", "AAAA", "MX", "NS"}) {
    auto r = dns_records(t, ty);
    if (!r.empty()) s += " " + std::string(ty) + ": " + join(r, ", ") + ".";
  }
  if (const auto p = latest_probe(t)) {
    for (const scoring::StoredWeb& w : p->web) {
      s += " Web " + w.scheme + " " + std::to_string(w.status);
      if (!w.title.empty()) s += " title \"" + w.title + "\"";
      s += " page hash " + std::to_string(w.page_hash);
      if (w.certificate) s += " TLS certificate " + w.certificate->subject + " issued by " + w.certificate->issuer;
      s += ".";
    }
    for (const scoring::StoredMail& m : p->mail) {
      if (m.answered) s += " Mail " + m.host + " banner \"" + m.banner + "\".";
    }
  }
  for (const auto& ctj : j["ct"]) {
    s += " CT " + text_of(ctj, "log") + " #" + (ctj.contains("index") ? dump(ctj["index"]) : std::string("?")) +
         " certificate " + text_of(ctj, "cert_sha256") + " issued by " + text_of(ctj, "issuer") + ".";
  }
  if (t.rdap) {
    s += " Registrar " + t.rdap->registrar;
    if (t.rdap->registrar_iana_id) s += " (IANA " + std::to_string(*t.rdap->registrar_iana_id) + ")";
    if (!t.rdap->abuse_email.empty()) s += ", abuse " + t.rdap->abuse_email;
    if (!t.rdap->abuse_phone.empty()) s += " " + t.rdap->abuse_phone;
    s += ".";
  }
  if (t.evidence.verdict) {
    s += " Verdict " + decision_text(t) + " at " + rfc3339_ms(t.evidence.verdict->time);
    if (!t.evidence.verdict->note.empty()) s += ": " + t.evidence.verdict->note;
    s += ".";
  }
  return s;
}

std::string threat_json(const Threat& t) { return dump(threat_object(t)); }

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}


}  // namespace lookalike::report
