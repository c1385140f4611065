// CSV (RFC 4180; a leading = + - @ quoted so spreadsheets never evaluate attacker-chosen text):
// the ranked list (the row column table, "|" between list items, "\n" line ends) and the takedown
// feed (one row per threat, "\r\n" line ends).
#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "report/columns.hpp"
#include "report/text.hpp"
#include "report/threat_json.hpp"
#include "report/writers.hpp"

namespace lookalike::report {
namespace {

void append_csv_text(std::string& out, std::string_view s) { append_csv_field(out, safe_text(s)); }

void append_csv_list(std::string& out, const std::vector<std::string>& items) {
  std::vector<std::string> safe;
  safe.reserve(items.size());
  for (const std::string& s : items) safe.push_back(safe_text(s));
  append_csv_field(out, join(safe, "|"));
}

void append_cell(std::string& out, const Cell& c) {
  switch (c.kind) {
    case Cell::Kind::text:
    case Cell::Kind::optional_text: append_csv_text(out, c.text); break;
    case Cell::Kind::number: out += std::to_string(c.number); break;
    case Cell::Kind::list: append_csv_list(out, *c.list); break;
    case Cell::Kind::time:
      if (c.number != 0) out += utc_iso(c.number);
      break;
  }
}

constexpr std::array kCsvColumns = {
    "name",         "unicode",       "brands",        "score",       "level",          "reasons",
    "fuzzers",      "edit_distance", "verdict",       "verdict_note", "verdict_time",  "first_seen",
    "last_seen",    "dns_outcome",   "dns_time",      "a",           "aaaa",           "mx",
    "ns",           "web",           "tls_certificate", "mail_banners", "ct_certificates", "ct_issuers",
    "ct_sans",      "registrar",     "registrar_iana_id", "abuse_email", "abuse_phone", "registered",
    "expires",      "rdap_status",   "rdap_error"};

}  // namespace

void write_threats_csv(std::ostream& out, std::span<const Threat> threats, const ExportOptions&) {
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

void write_rows_csv(std::ostream& out, std::span<const ReportRow> rows, const RenderOptions&) {
  std::string buf;
  for (const RowColumn& col : kRowColumns) {
    if (!buf.empty()) buf += ',';
    buf += col.name;
  }
  buf += '\n';
  write(out, buf);
  for (const ReportRow& r : rows) {
    buf.clear();
    for (std::size_t i = 0; i < kRowColumns.size(); ++i) {
      if (i != 0) buf += ',';
      append_cell(buf, kRowColumns[i].cell(r));
    }
    buf += '\n';
    write(out, buf);
  }
}

}  // namespace lookalike::report
