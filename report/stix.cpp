// The takedown feed as a STIX 2.1 bundle: an identity, then per threat its domain-name and IP
// SCOs, an indicator (pattern, confidence, CT/RDAP references), a based-on relationship and a note
// carrying the full evidence record; plus the UUID and STIX id helpers.
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>
#include <random>
#include <set>
#include <stdexcept>
#include <utility>

#include "report/text.hpp"
#include "report/threat_json.hpp"
#include "report/writers.hpp"

namespace lookalike::report {

std::string sco_id(std::string_view type, std::string_view value) {
  return std::string(type) + "--" + uuid5(kStixNamespace, dump(Json{{"value", value}}));
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

}  // namespace lookalike::report
