#include "posture/render.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <ostream>

#include "util/json.hpp"
#include "util/time.hpp"

namespace lookalike::posture {
namespace {

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string pad(std::string_view s, std::size_t width) {
  std::string out(s);
  if (out.size() < width) out.append(width - out.size(), ' ');
  return out;
}

}  // namespace

Status overall(const DomainReport& report) noexcept {
  Status s = Status::pass;
  for (const auto& f : report.findings) s = worse(s, f.status);
  return s;
}

std::string to_json(const DomainReport& report) {
  std::string o = "{\"domain\":";
  util::append_json_string(o, report.domain);
  o += ",\"checked_at\":";
  util::append_json_string(o, util::format_rfc3339(report.checked_at_ms));
  o += ",\"status\":";
  util::append_json_string(o, to_string(overall(report)));
  o += ",\"findings\":[";
  bool first = true;
  for (const auto& f : report.findings) {
    if (!first) o += ',';
    first = false;
    o += "{\"id\":";
    util::append_json_string(o, f.id);
    o += ",\"subject\":";
    util::append_json_string(o, f.subject);
    o += ",\"policy_point\":" + std::to_string(f.policy_point) + ",\"standard\":";
    util::append_json_string(o, f.standard);
    o += ",\"status\":";
    util::append_json_string(o, to_string(f.status));
    o += ",\"explanation\":";
    util::append_json_string(o, f.explanation);
    o += ",\"evidence\":[";
    for (std::size_t i = 0; i < f.evidence.size(); ++i) {
      if (i) o += ',';
      o += "{\"kind\":";
      util::append_json_string(o, f.evidence[i].kind);
      o += ",\"value\":";
      util::append_json_string(o, f.evidence[i].value);
      o += '}';
    }
    o += "]}";
  }
  o += "]}";
  return o;
}

std::expected<DomainReport, std::string> from_json(std::string_view json) {
  auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::unexpected("not a JSON object");
  auto status_of = [](const std::string& s) -> std::optional<Status> {
    for (Status st : {Status::pass, Status::warn, Status::fail, Status::info, Status::not_assessable, Status::error})
      if (to_string(st) == s) return st;
    return std::nullopt;
  };
  try {
    DomainReport r;
    r.domain = j.at("domain").get<std::string>();
    auto t = util::parse_rfc3339(j.at("checked_at").get<std::string>());
    if (!t) return std::unexpected("bad checked_at");
    r.checked_at_ms = *t;
    for (const auto& jf : j.at("findings")) {
      Finding f;
      f.id = jf.at("id").get<std::string>();
      f.subject = jf.at("subject").get<std::string>();
      f.policy_point = jf.at("policy_point").get<int>();
      f.standard = jf.at("standard").get<std::string>();
      auto st = status_of(jf.at("status").get<std::string>());
      if (!st) return std::unexpected("unknown status");
      f.status = *st;
      f.explanation = jf.at("explanation").get<std::string>();
      for (const auto& je : jf.at("evidence")) f.evidence.push_back({je.at("kind").get<std::string>(), je.at("value").get<std::string>()});
      r.findings.push_back(std::move(f));
    }
    return r;
  } catch (const nlohmann::json::exception& e) {
    return std::unexpected(std::string("malformed posture run: ") + e.what());
  }
}

void write_jsonl(std::ostream& out, std::span<const DomainReport> reports) {
  for (const auto& r : reports) out << to_json(r) << '\n';
}

void write_table(std::ostream& out, std::span<const DomainReport> reports, bool evidence) {
  for (const auto& r : reports) {
    out << r.domain << "  " << to_string(overall(r)) << "  (" << util::format_rfc3339(r.checked_at_ms) << ")\n";
    std::size_t id_w = 2, status_w = 6;
    for (const auto& f : r.findings) {
      id_w = std::max(id_w, f.id.size() + (f.subject.empty() ? 0 : f.subject.size() + 3));
      status_w = std::max(status_w, to_string(f.status).size());
    }
    for (const auto& f : r.findings) {
      const std::string id = f.subject.empty() ? f.id : f.id + " [" + f.subject + "]";
      out << "  " << pad(std::to_string(f.policy_point), 3) << pad(id, id_w + 2) << pad(to_string(f.status), status_w + 2)
          << f.explanation << '\n';
      if (evidence && f.status != Status::pass && f.status != Status::not_assessable)
        for (const auto& e : f.evidence) out << "        " << e.kind << ": " << e.value << '\n';
    }
  }
}

void write_html(std::ostream& out, std::span<const DomainReport> reports) {
  out << "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>lookalike posture</title>\n"
         "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px;"
         "vertical-align:top}.pass{background:#dfd}.warn{background:#ffd}.fail{background:#fdd}.error{background:#fcf}"
         "pre{white-space:pre-wrap;margin:0}</style></head><body>\n";
  for (const auto& r : reports) {
    out << "<h2>" << html_escape(r.domain) << " <span class=\"" << to_string(overall(r)) << "\">"
        << to_string(overall(r)) << "</span></h2>\n<p>checked " << html_escape(util::format_rfc3339(r.checked_at_ms))
        << "</p>\n<table><tr><th>#</th><th>check</th><th>subject</th><th>status</th><th>explanation</th><th>evidence</th></tr>\n";
    for (const auto& f : r.findings) {
      out << "<tr class=\"" << to_string(f.status) << "\"><td>" << f.policy_point << "</td><td>" << html_escape(f.id)
          << "</td><td>" << html_escape(f.subject) << "</td><td>" << to_string(f.status) << "</td><td>"
          << html_escape(f.explanation) << "</td><td><pre>";
      for (const auto& e : f.evidence) out << html_escape(e.kind) << ": " << html_escape(e.value) << '\n';
      out << "</pre></td></tr>\n";
    }
    out << "</table>\n";
  }
  out << "</body></html>\n";
}

}  // namespace lookalike::posture
