#include "scoring/probe_json.hpp"

#include <nlohmann/json.hpp>

#include "domain/domain.hpp"
#include "util/json.hpp"

namespace lookalike::scoring {
namespace {

using Json = nlohmann::json;
using util::append_json_string;

std::string text_of(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool flag_of(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

template <class T>
T number_of(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<T>() : T{};
}

const char* boolean(bool b) { return b ? "true" : "false"; }

}  // namespace

ProbeObservation probe_observation(const ProbeResult& p) {
  ProbeObservation o;
  o.name = p.name;
  for (const MailProbe& m : p.mail) {
    StoredMail s{m.host, to_string(m.address), m.answered, m.banner, m.starttls,
                 std::string(probe_error_name(m.error)), std::nullopt};
    if (m.tls_ok || !m.tls_error.empty()) {
      StoredTls t{m.tls_ok, m.tls_version, m.tls_cipher, std::nullopt, m.tls_error};
      if (m.certificate) {
        const CertificateInfo& c = *m.certificate;
        t.certificate = StoredCertificate{c.subject, c.issuer, c.not_after, c.covers_name, c.not_before, c.verified};
      }
      s.tls = std::move(t);
    }
    o.mail.push_back(std::move(s));
  }
  for (const WebProbe& w : p.web) {
    StoredWeb s;
    s.scheme = w.scheme;
    s.status = w.status;
    s.title = w.title;
    s.server = w.server;
    s.final_url = w.final_url;
    if (w.certificate) {
      s.certificate = StoredCertificate{w.certificate->subject, w.certificate->issuer, w.certificate->not_after,
                                        w.certificate->covers_name};
    }
    s.page_hash = w.page_hash;
    s.error = std::string(probe_error_name(w.error));
    o.web.push_back(std::move(s));
  }
  o.skipped = p.skipped;
  return o;
}

std::string to_json(const ProbeObservation& p) {
  std::string j = "{\"name\":";
  append_json_string(j, p.name);
  j += ",\"mail\":[";
  for (std::size_t i = 0; i < p.mail.size(); ++i) {
    const StoredMail& m = p.mail[i];
    if (i) j += ',';
    j += "{\"host\":";
    append_json_string(j, m.host);
    j += ",\"address\":";
    append_json_string(j, m.address);
    j += ",\"answered\":" + std::string(boolean(m.answered)) + ",\"banner\":";
    append_json_string(j, m.banner);
    j += ",\"starttls\":" + std::string(boolean(m.starttls));
    if (m.tls) {
      j += ",\"tls\":{\"ok\":" + std::string(boolean(m.tls->ok)) + ",\"version\":";
      append_json_string(j, m.tls->version);
      j += ",\"cipher\":";
      append_json_string(j, m.tls->cipher);
      if (const auto& c = m.tls->certificate) {
        j += ",\"certificate\":{\"subject\":";
        append_json_string(j, c->subject);
        j += ",\"issuer\":";
        append_json_string(j, c->issuer);
        j += ",\"not_before\":" + std::to_string(c->not_before) + ",\"not_after\":" + std::to_string(c->not_after) +
             ",\"covers_name\":" + boolean(c->covers_name) + ",\"verified\":" + boolean(c->verified) + "}";
      }
      j += ",\"error\":";
      append_json_string(j, m.tls->error);
      j += '}';
    }
    j += ",\"error\":";
    append_json_string(j, m.error);
    j += '}';
  }
  j += "],\"web\":[";
  for (std::size_t i = 0; i < p.web.size(); ++i) {
    const StoredWeb& w = p.web[i];
    if (i) j += ',';
    j += "{\"scheme\":";
    append_json_string(j, w.scheme);
    j += ",\"status\":" + std::to_string(w.status) + ",\"title\":";
    append_json_string(j, w.title);
    j += ",\"server\":";
    append_json_string(j, w.server);
    j += ",\"final_url\":";
    append_json_string(j, w.final_url);
    if (w.certificate) {
      j += ",\"certificate\":{\"subject\":";
      append_json_string(j, w.certificate->subject);
      j += ",\"issuer\":";
      append_json_string(j, w.certificate->issuer);
      j += ",\"not_after\":" + std::to_string(w.certificate->not_after) +
           ",\"covers_name\":" + boolean(w.certificate->covers_name) + "}";
    }
    j += ",\"page_hash\":" + std::to_string(w.page_hash) + ",\"error\":";
    append_json_string(j, w.error);
    j += '}';
  }
  j += "],\"skipped\":[";
  for (std::size_t i = 0; i < p.skipped.size(); ++i) {
    if (i) j += ',';
    append_json_string(j, p.skipped[i]);
  }
  j += "]}";
  return j;
}

std::string probe_observation_json(const ProbeResult& result) { return to_json(probe_observation(result)); }

std::optional<ProbeObservation> parse_probe_observation(std::string_view json) {
  const Json j = Json::parse(json, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  ProbeObservation o;
  o.name = text_of(j, "name");
  if (auto mail = j.find("mail"); mail != j.end() && mail->is_array()) {
    for (const auto& m : *mail) {
      if (!m.is_object()) continue;
      StoredMail s{text_of(m, "host"),     text_of(m, "address"), flag_of(m, "answered"), text_of(m, "banner"),
                   flag_of(m, "starttls"), text_of(m, "error"),   std::nullopt};
      if (auto t = m.find("tls"); t != m.end() && t->is_object()) {
        StoredTls tls{flag_of(*t, "ok"), text_of(*t, "version"), text_of(*t, "cipher"), std::nullopt,
                      text_of(*t, "error")};
        if (auto c = t->find("certificate"); c != t->end() && c->is_object()) {
          tls.certificate = StoredCertificate{text_of(*c, "subject"),
                                              text_of(*c, "issuer"),
                                              number_of<std::int64_t>(*c, "not_after"),
                                              flag_of(*c, "covers_name"),
                                              number_of<std::int64_t>(*c, "not_before"),
                                              flag_of(*c, "verified")};
        }
        s.tls = std::move(tls);
      }
      o.mail.push_back(std::move(s));
    }
  }
  if (auto web = j.find("web"); web != j.end() && web->is_array()) {
    for (const auto& w : *web) {
      if (!w.is_object()) continue;
      StoredWeb s;
      s.scheme = text_of(w, "scheme");
      s.status = number_of<int>(w, "status");
      s.title = text_of(w, "title");
      s.server = text_of(w, "server");
      s.final_url = text_of(w, "final_url");
      if (auto c = w.find("certificate"); c != w.end() && c->is_object()) {
        s.certificate = StoredCertificate{text_of(*c, "subject"), text_of(*c, "issuer"),
                                          number_of<std::int64_t>(*c, "not_after"), flag_of(*c, "covers_name")};
      }
      s.page_hash = number_of<std::uint64_t>(w, "page_hash");
      s.error = text_of(w, "error");
      o.web.push_back(std::move(s));
    }
  }
  if (auto skipped = j.find("skipped"); skipped != j.end() && skipped->is_array()) {
    for (const auto& s : *skipped) {
      if (s.is_string()) o.skipped.push_back(s.get<std::string>());
    }
  }
  return o;
}

}  // namespace lookalike::scoring
