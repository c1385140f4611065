// The takedown feed as one MISP event: an attribute per indicator (domain, IPs, MX hosts, CT
// certificate fingerprints, registrar and abuse contacts) plus the evidence summary.
#include <algorithm>
#include <set>

#include "report/text.hpp"
#include "report/threat_json.hpp"
#include "report/writers.hpp"

namespace lookalike::report {

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

}  // namespace lookalike::report
