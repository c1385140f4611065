#include <string>

#include "domain/domain.hpp"
#include "report/candidate.hpp"
#include "report/text.hpp"
#include "scoring/scoring.hpp"

namespace lookalike::report {
namespace {

void append_list(std::string& out, const std::vector<std::string>& items) {
  out += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += ',';
    append_json_text(out, items[i]);
  }
  out += ']';
}

}  // namespace

CandidateView candidate_view(const index::Candidate& c, const std::optional<index::Verdict>& verdict) {
  CandidateView v;
  v.name = c.name;
  auto u = domain::to_unicode(c.name);
  v.unicode = u ? *u : c.name;
  v.brands = c.brands;
  if (c.score) {
    v.score = int{c.score->value};
    v.level = std::string(scoring::level_name(static_cast<scoring::Level>(c.score->level)));
    v.reasons = c.score->reasons;
  }
  v.fuzzers = c.fuzzers;
  if (verdict) v.verdict = CandidateVerdict{std::string(index::decision_name(verdict->decision)), verdict->note, verdict->time};
  v.first_seen = c.first_seen;
  v.last_seen = c.last_seen;
  return v;
}

void append_json_time(std::string& out, std::int64_t ms) {
  if (ms == 0) {
    out += "null";
    return;
  }
  out += '"';
  out += utc_iso(ms);
  out += '"';
}

void append_candidate_members(std::string& out, const CandidateView& v) {
  out += "\"name\":";
  append_json_text(out, v.name);
  out += ",\"unicode\":";
  append_json_text(out, v.unicode.empty() ? v.name : v.unicode);
  out += ",\"brands\":";
  append_list(out, v.brands);
  if (v.score) {
    out += ",\"score\":" + std::to_string(*v.score) + ",\"level\":";
    append_json_text(out, v.level);
  } else {
    out += ",\"score\":null,\"level\":null";
  }
  out += ",\"reasons\":";
  append_list(out, v.reasons);
  out += ",\"fuzzers\":";
  append_list(out, v.fuzzers);
  out += ",\"verdict\":";
  if (v.verdict) {
    out += "{\"decision\":";
    append_json_text(out, v.verdict->decision);
    out += ",\"note\":";
    append_json_text(out, v.verdict->note);
    out += ",\"time\":";
    append_json_time(out, v.verdict->time);
    out += '}';
  } else {
    out += "null";
  }
  out += ",\"first_seen\":";
  append_json_time(out, v.first_seen);
  out += ",\"last_seen\":";
  append_json_time(out, v.last_seen);
}

std::string candidate_json(const CandidateView& v) {
  std::string out = "{";
  append_candidate_members(out, v);
  out += '}';
  return out;
}

}  // namespace lookalike::report
