#include "cli/export.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <memory>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

#include "cli/common.hpp"
#include "cli/output.hpp"
#include "domain/domain.hpp"
#include "resolver/observation_json.hpp"
#include "scoring/probe_json.hpp"
#include "scoring/scoring.hpp"

namespace lookalike::cli {
namespace {

using Json = nlohmann::ordered_json;

// Dumps with invalid UTF-8 (banners, TXT records) replaced instead of throwing.
std::string dump(const Json& j, int indent = -1) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

// RFC 3339 with milliseconds, as STIX timestamps require ("2026-11-28T11:50:00.123Z").
std::string rfc3339_ms(std::int64_t ms) {
  std::string out = utc_iso(ms);  // "...T11:50:00Z"
  out.pop_back();
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(((ms % 1000) + 1000) % 1000));
  return out + frac;
}

std::string sha_hex(const index::Sha256& h) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (const auto b : h) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

Json time_or_null(std::int64_t ms) { return ms > 0 ? Json(rfc3339_ms(ms)) : Json(nullptr); }

Json parse_payload(const std::string& payload) {
  auto j = Json::parse(payload, nullptr, false);
  if (j.is_discarded()) return Json{{"unreadable", true}};
  return j;
}

std::string text_of(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The records of one DNS type ("A", "MX", ...) in the newest dns observation.
std::vector<std::string> dns_records(const Threat& t, const char* type) {
  if (t.evidence.dns.empty()) return {};
  const auto obs = resolver::parse_dns_observation(t.evidence.dns.back().payload);
  const resolver::StoredType* answer = obs ? obs->find(type) : nullptr;
  return answer != nullptr ? answer->records : std::vector<std::string>();
}

// The newest probe observation, if there is a readable one.
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

Json threat_object(const Threat& t) {
  const Evidence& e = t.evidence;
  const index::Candidate& c = e.candidate;
  Json j;
  j["name"] = c.name;
  j["unicode"] = e.unicode;
  j["brands"] = c.brands;
  j["score"] = c.score ? Json(int{c.score->value}) : Json(nullptr);
  j["level"] = level_text(c);
  j["reasons"] = c.score ? Json(c.score->reasons) : Json::array();
  j["similarity"] = similarity_json(c);
  if (e.verdict) {
    j["verdict"] = {{"decision", index::decision_name(e.verdict->decision)},
                    {"note", e.verdict->note},
                    {"time", time_or_null(e.verdict->time)}};
  } else {
    j["verdict"] = nullptr;
  }
  j["first_seen"] = time_or_null(c.first_seen);
  j["last_seen"] = time_or_null(c.last_seen);
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
    Json p = parse_payload(o.payload);
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

// ---- STIX 2.1 --------------------------------------------------------------------------------

constexpr std::string_view kStixNamespace = "00abedb4-aa42-466c-9c01-fed23315a9b7";

std::string sco_id(std::string_view type, std::string_view value) {
  return std::string(type) + "--" + uuid5(kStixNamespace, dump(Json{{"value", value}}));
}

// The human-readable evidence summary that goes into descriptions and notes.
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

void write_stix(std::ostream& out, std::span<const Threat> threats, const ExportOptions& o) {
  const std::string now = rfc3339_ms(o.now);
  const std::string identity_id = "identity--" + uuid5(kStixNamespace, "identity:" + o.producer);
  Json objects = Json::array();
  objects.push_back(Json{{"type", "identity"},
                         {"spec_version", "2.1"},
                         {"id", identity_id},
                         {"created", now},
                         {"modified", now},
                         {"name", o.producer},
                         {"identity_class", "system"}});
  std::set<std::string> emitted;  // SCO ids already in the bundle (shared IP addresses)
  for (const Threat& t : threats) {
    const Json j = threat_object(t);
    const index::Candidate& c = t.evidence.candidate;
    const std::string domain_id = stix_domain_name_id(c.name);
    Json domain_obj = {{"type", "domain-name"}, {"spec_version", "2.1"}, {"id", domain_id}, {"value", c.name}};
    Json resolves = Json::array();
    for (const auto& [ty, sco] : {std::pair{"A", "ipv4-addr"}, {"AAAA", "ipv6-addr"}}) {
      for (const auto& ip : dns_records(t, ty)) {
        const std::string id = sco_id(sco, ip);
        resolves.push_back(id);
        if (emitted.insert(id).second) {
          objects.push_back(Json{{"type", sco}, {"spec_version", "2.1"}, {"id", id}, {"value", ip}});
        }
      }
    }
    if (!resolves.empty()) domain_obj["resolves_to_refs"] = resolves;
    if (emitted.insert(domain_id).second) objects.push_back(std::move(domain_obj));

    const bool malicious = t.evidence.verdict && t.evidence.verdict->decision == index::Decision::malicious;
    const std::string indicator_id = "indicator--" + uuid4();
    const std::int64_t valid_from = t.evidence.verdict && t.evidence.verdict->time > 0 ? t.evidence.verdict->time
                                    : c.first_seen > 0                                  ? c.first_seen
                                                                                        : o.now;
    Json labels = Json::array({"look-alike-domain"});
    if (t.evidence.verdict) labels.push_back(decision_text(t));
    for (const auto& b : c.brands) labels.push_back("brand:" + b);
    Json refs = Json::array();
    for (const auto& ctj : j["ct"]) {
      Json r = {{"source_name", "certificate-transparency"},
                {"description", "log " + text_of(ctj, "log") + " index " +
                                    (ctj.contains("index") ? dump(ctj["index"]) : std::string("?")) + ", issuer " +
                                    text_of(ctj, "issuer") + ", SANs " + dump(ctj.value("sans", Json::array()))},
                {"external_id", text_of(ctj, "cert_sha256")}};
      if (!text_of(ctj, "cert_sha256").empty()) r["url"] = "https://crt.sh/?sha256=" + text_of(ctj, "cert_sha256");
      refs.push_back(std::move(r));
    }
    if (t.rdap) {
      Json r = {{"source_name", "rdap"},
                {"description", "registrar " + t.rdap->registrar +
                                    (t.rdap->registrar_iana_id ? " (IANA ID " + std::to_string(*t.rdap->registrar_iana_id) + ")" : "") +
                                    (t.rdap->abuse_email.empty() ? "" : ", abuse " + t.rdap->abuse_email) +
                                    (t.rdap->abuse_phone.empty() ? "" : " " + t.rdap->abuse_phone)}};
      if (!t.rdap->server.empty()) r["url"] = t.rdap->server + "domain/" + c.name;
      if (t.rdap->registrar_iana_id) r["external_id"] = std::to_string(*t.rdap->registrar_iana_id);
      refs.push_back(std::move(r));
    }
    Json indicator = {{"type", "indicator"},
                      {"spec_version", "2.1"},
                      {"id", indicator_id},
                      {"created_by_ref", identity_id},
                      {"created", now},
                      {"modified", now},
                      {"name", "Look-alike domain " + c.name},
                      {"description", evidence_text(t, j)},
                      {"indicator_types", Json::array({malicious ? "malicious-activity" : "anomalous-activity"})},
                      {"pattern", stix_domain_pattern(c.name)},
                      {"pattern_type", "stix"},
                      {"pattern_version", "2.1"},
                      {"valid_from", rfc3339_ms(valid_from)},
                      {"labels", labels}};
    if (c.score) indicator["confidence"] = int{c.score->value};
    if (!refs.empty()) indicator["external_references"] = std::move(refs);
    objects.push_back(std::move(indicator));
    objects.push_back(Json{{"type", "relationship"},
                           {"spec_version", "2.1"},
                           {"id", "relationship--" + uuid4()},
                           {"created_by_ref", identity_id},
                           {"created", now},
                           {"modified", now},
                           {"relationship_type", "based-on"},
                           {"source_ref", indicator_id},
                           {"target_ref", domain_id}});
    // The full evidence, machine-readable, attached to both objects.
    objects.push_back(Json{{"type", "note"},
                           {"spec_version", "2.1"},
                           {"id", "note--" + uuid4()},
                           {"created_by_ref", identity_id},
                           {"created", now},
                           {"modified", now},
                           {"abstract", "lookalike evidence for " + c.name},
                           {"content", dump(j)},
                           {"object_refs", Json::array({indicator_id, domain_id})}});
  }
  const Json bundle = {{"type", "bundle"}, {"id", "bundle--" + uuid4()}, {"objects", std::move(objects)}};
  out << dump(bundle, 1) << "\n";
}

// ---- MISP ------------------------------------------------------------------------------------

void write_misp(std::ostream& out, std::span<const Threat> threats, const ExportOptions& o) {
  const std::string ts = std::to_string(o.now / 1000);
  Json attributes = Json::array();
  auto attribute = [&](const char* type, const char* category, bool to_ids, const std::string& value,
                       const std::string& comment) {
    if (value.empty()) return;
    attributes.push_back(Json{{"uuid", uuid4()},
                              {"type", type},
                              {"category", category},
                              {"to_ids", to_ids},
                              {"value", value},
                              {"comment", comment},
                              {"timestamp", ts},
                              {"distribution", "5"},
                              {"disable_correlation", false}});
  };
  std::set<std::string> brands;
  int worst = 4;  // MISP threat_level_id: 1 high, 2 medium, 3 low, 4 undefined
  for (const Threat& t : threats) {
    const Json j = threat_object(t);
    const index::Candidate& c = t.evidence.candidate;
    for (const auto& b : c.brands) brands.insert(b);
    const bool malicious = t.evidence.verdict && t.evidence.verdict->decision == index::Decision::malicious;
    worst = std::min(worst, malicious ? 1 : 2);
    const std::string about = "look-alike of " + join(c.brands, ", ");
    attribute("domain", "Network activity", malicious, c.name, about + " (" + decision_text(t) + ")");
    for (const char* ty : {"A", "AAAA"}) {
      for (const auto& ip : dns_records(t, ty)) attribute("ip-dst", "Network activity", false, ip, c.name + " " + ty);
    }
    for (const auto& mx : dns_records(t, "MX")) {
      const auto sp = mx.find(' ');
      attribute("hostname", "Network activity", false, sp == std::string::npos ? mx : mx.substr(sp + 1), c.name + " MX");
    }
    for (const auto& ctj : j["ct"]) {
      attribute("x509-fingerprint-sha256", "Network activity", false, text_of(ctj, "cert_sha256"),
                c.name + ": CT " + text_of(ctj, "log") + " #" + (ctj.contains("index") ? dump(ctj["index"]) : "?") +
                    ", issuer " + text_of(ctj, "issuer"));
    }
    if (t.rdap) {
      attribute("whois-registrar", "Attribution", false, t.rdap->registrar,
                c.name + (t.rdap->registrar_iana_id ? ", IANA ID " + std::to_string(*t.rdap->registrar_iana_id) : ""));
      attribute("email-src", "Network activity", false, t.rdap->abuse_email, c.name + ": registrar abuse contact");
      attribute("phone-number", "Other", false, t.rdap->abuse_phone, c.name + ": registrar abuse phone");
      if (t.rdap->registered) {
        attribute("datetime", "Other", false, rfc3339_ms(*t.rdap->registered), c.name + ": registration date");
      }
    }
    attribute("text", "Other", false, evidence_text(t, j), c.name + ": evidence summary");
  }
  std::string info = "lookalike takedown feed: " + std::to_string(threats.size()) + " look-alike domain(s)";
  if (!brands.empty()) info += " of " + join(std::vector<std::string>(brands.begin(), brands.end()), ", ");
  Json tags = Json::array({Json{{"name", "tlp:amber"}}, Json{{"name", "type:OSINT"}}});
  for (const auto& b : brands) tags.push_back(Json{{"name", "lookalike:brand=\"" + b + "\""}});
  const std::string date = rfc3339_ms(o.now).substr(0, 10);
  const Json event = {{"Event",
                       {{"uuid", uuid4()},
                        {"info", info},
                        {"date", date},
                        {"timestamp", ts},
                        {"publish_timestamp", "0"},
                        {"threat_level_id", std::to_string(threats.empty() ? 4 : worst)},
                        {"analysis", "2"},
                        {"distribution", "0"},
                        {"published", false},
                        {"Orgc", {{"name", o.producer}, {"uuid", uuid5(kStixNamespace, "misp-org:" + o.producer)}}},
                        {"Attribute", std::move(attributes)},
                        {"Tag", std::move(tags)}}}};
  out << dump(event, 1) << "\n";
}

// ---- CSV ---------------------------------------------------------------------------------------

constexpr std::array kCsvColumns = {
    "name",         "unicode",       "brands",        "score",       "level",          "reasons",
    "fuzzers",      "edit_distance", "verdict",       "verdict_note", "verdict_time",  "first_seen",
    "last_seen",    "dns_outcome",   "dns_time",      "a",           "aaaa",           "mx",
    "ns",           "web",           "tls_certificate", "mail_banners", "ct_certificates", "ct_issuers",
    "ct_sans",      "registrar",     "registrar_iana_id", "abuse_email", "abuse_phone", "registered",
    "expires",      "rdap_status",   "rdap_error"};

void write_csv(std::ostream& out, std::span<const Threat> threats) {
  std::string buf;
  for (std::size_t i = 0; i < kCsvColumns.size(); ++i) {
    if (i != 0) buf += ',';
    buf += kCsvColumns[i];
  }
  buf += "\r\n";
  out << buf;
  for (const Threat& t : threats) {
    const Json j = threat_object(t);
    const index::Candidate& c = t.evidence.candidate;
    std::vector<std::string> f;
    f.push_back(c.name);
    f.push_back(t.evidence.unicode);
    f.push_back(join(c.brands, "; "));
    f.push_back(c.score ? std::to_string(c.score->value) : "");
    f.push_back(level_text(c));
    f.push_back(c.score ? join(c.score->reasons, "; ") : "");
    f.push_back(join(c.fuzzers, "; "));
    std::vector<std::string> dist;
    for (const auto& b : j["similarity"]["brands"]) {
      if (b["edit_distance"].is_number()) dist.push_back(b["brand"].get<std::string>() + "=" + dump(b["edit_distance"]));
    }
    f.push_back(join(dist, "; "));
    f.push_back(decision_text(t));
    f.push_back(t.evidence.verdict ? t.evidence.verdict->note : "");
    f.push_back(t.evidence.verdict ? rfc3339_ms(t.evidence.verdict->time) : "");
    f.push_back(c.first_seen > 0 ? rfc3339_ms(c.first_seen) : "");
    f.push_back(c.last_seen > 0 ? rfc3339_ms(c.last_seen) : "");
    f.push_back(j["dns"]["outcome"].get<std::string>());
    f.push_back(j["dns"]["time"].is_string() ? j["dns"]["time"].get<std::string>() : "");
    for (const char* ty : {"A", "AAAA", "MX", "NS"}) f.push_back(join(dns_records(t, ty), "; "));
    std::vector<std::string> web, tls, banners, certs, issuers, sans;
    if (const auto p = latest_probe(t)) {
      for (const scoring::StoredWeb& w : p->web) {
        web.push_back(w.scheme + " " + std::to_string(w.status) + " \"" + w.title + "\" hash " + std::to_string(w.page_hash));
        if (w.certificate) tls.push_back(w.certificate->subject + " / " + w.certificate->issuer);
      }
      for (const scoring::StoredMail& m : p->mail) {
        if (m.answered) banners.push_back(m.host + ": " + m.banner);
      }
    }
    for (const auto& ctj : j["ct"]) {
      certs.push_back(text_of(ctj, "log") + "#" + (ctj.contains("index") ? dump(ctj["index"]) : "?") + " " +
                      text_of(ctj, "cert_sha256"));
      issuers.push_back(text_of(ctj, "issuer"));
      if (ctj.contains("sans") && ctj["sans"].is_array()) {
        for (const auto& s : ctj["sans"]) {
          if (s.is_string() && std::find(sans.begin(), sans.end(), s.get<std::string>()) == sans.end()) sans.push_back(s);
        }
      }
    }
    for (auto* v : {&web, &tls, &banners, &certs, &issuers, &sans}) f.push_back(join(*v, "; "));
    const rdap::Record* r = t.rdap ? &*t.rdap : nullptr;
    f.push_back(r ? r->registrar : "");
    f.push_back(r && r->registrar_iana_id ? std::to_string(*r->registrar_iana_id) : "");
    f.push_back(r ? r->abuse_email : "");
    f.push_back(r ? r->abuse_phone : "");
    f.push_back(r && r->registered ? rfc3339_ms(*r->registered) : "");
    f.push_back(r && r->expires ? rfc3339_ms(*r->expires) : "");
    f.push_back(r ? join(r->status, "; ") : "");
    f.push_back(t.rdap_error);
    buf.clear();
    for (std::size_t i = 0; i < f.size(); ++i) {
      if (i != 0) buf += ',';
      append_csv_field(buf, f[i]);
    }
    buf += "\r\n";
    out << buf;
  }
}

}  // namespace

std::expected<ExportFormat, std::string> parse_export_format(std::string_view s) {
  if (s == "stix") return ExportFormat::stix;
  if (s == "misp") return ExportFormat::misp;
  if (s == "csv") return ExportFormat::csv;
  if (s == "jsonl") return ExportFormat::jsonl;
  return std::unexpected("unknown format \"" + std::string(s) + "\" (stix, misp, csv, jsonl)");
}

std::string threat_json(const Threat& t) { return dump(threat_object(t)); }

void write_export(std::ostream& out, std::span<const Threat> threats, ExportFormat format, const ExportOptions& o) {
  switch (format) {
    case ExportFormat::stix: write_stix(out, threats, o); break;
    case ExportFormat::misp: write_misp(out, threats, o); break;
    case ExportFormat::csv: write_csv(out, threats); break;
    case ExportFormat::jsonl:
      for (const Threat& t : threats) out << threat_json(t) << "\n";
      break;
  }
}

namespace {

// Sets the RFC 4122 version and variant bits of `u` and writes it as 8-4-4-4-12 lower-case hex.
std::string uuid_text(std::array<std::uint8_t, 16> u, unsigned version) {
  u[6] = static_cast<std::uint8_t>((u[6] & 0x0f) | (version << 4));
  u[8] = static_cast<std::uint8_t>((u[8] & 0x3f) | 0x80);
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += digits[u[i] >> 4];
    s += digits[u[i] & 15];
  }
  return s;
}

}  // namespace

std::string uuid5(std::string_view ns, std::string_view name) {
  std::array<std::uint8_t, 16> nsb{};
  std::size_t n = 0;
  for (std::size_t i = 0; i < ns.size() && n < 32; ++i) {
    const char c = ns[i];
    if (c == '-') continue;
    const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (v < 0) throw std::invalid_argument("uuid5: bad namespace " + std::string(ns));
    nsb[n / 2] = static_cast<std::uint8_t>(nsb[n / 2] | (v << ((n % 2) ? 0 : 4)));
    ++n;
  }
  if (n != 32) throw std::invalid_argument("uuid5: bad namespace " + std::string(ns));
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), nsb.data(), nsb.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), name.data(), name.size()) != 1 || EVP_DigestFinal_ex(ctx.get(), md.data(), &len) != 1) {
    throw std::runtime_error("uuid5: SHA-1 unavailable");
  }
  std::array<std::uint8_t, 16> u{};
  std::copy_n(md.begin(), 16, u.begin());
  return uuid_text(u, 5);
}

std::string uuid4() {
  thread_local std::mt19937_64 rng{[] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }()};
  std::array<std::uint8_t, 16> u{};
  for (std::size_t i = 0; i < 16; i += 8) {
    const std::uint64_t r = rng();
    for (std::size_t k = 0; k < 8; ++k) u[i + k] = static_cast<std::uint8_t>(r >> (8 * k));
  }
  return uuid_text(u, 4);
}

std::string stix_domain_name_id(std::string_view name) { return sco_id("domain-name", name); }

std::string stix_domain_pattern(std::string_view name) {
  std::string s = "[domain-name:value = '";
  for (const char c : name) {
    if (c == '\'' || c == '\\') s += '\\';
    s += c;
  }
  s += "']";
  return s;
}

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

}  // namespace lookalike::cli
