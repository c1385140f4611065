#include "pipeline/ct_store.hpp"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <cstdint>
#include <set>
#include <utility>

#include "domain/domain.hpp"
#include "index/ct_observation.hpp"
#include "util/encoding.hpp"

namespace lookalike::pipeline {
namespace {

// The store keeps the follower's whole state (compact range included) in CtState::last_sth,
// tagged, next to the plain fields other commands read.
constexpr std::string_view kStateTag = "lookalike-ctlog-state:";

// Entry timestamps are unsigned ms; the index's Time is signed. Clamp instead of wrapping so a
// hostile log cannot make a sighting look older than the epoch.
index::Time to_time(std::uint64_t ms) {
  return static_cast<index::Time>(std::min<std::uint64_t>(ms, static_cast<std::uint64_t>(INT64_MAX)));
}

}  // namespace

std::string ct_observation_json(std::string_view log_id, const ctlog::Hit& h) {
  return index::to_json(index::CtObservation{h.log, std::string(log_id), h.index, h.timestamp,
                                             util::hex_encode(h.cert_sha256), h.issuer, h.sans, h.not_before,
                                             h.not_after, h.precert, h.match.rule, h.match.brand});
}

std::expected<std::optional<ctlog::FollowState>, ctlog::Error> IndexStateStore::load(std::string_view log_id) {
  auto s = store_.get_ct_state(log_id);
  if (!s) return std::unexpected(ctlog::Error{s.error().message});
  if (!s->has_value()) return std::optional<ctlog::FollowState>{};
  const std::string& raw = (*s)->last_sth;
  if (!raw.starts_with(kStateTag)) {
    return std::unexpected(ctlog::Error{"CT state of " + std::string(log_id) + " was not written by the follower"});
  }
  auto bytes = util::base64_decode(std::string_view(raw).substr(kStateTag.size()));
  if (!bytes) return std::unexpected(ctlog::Error{"CT state of " + std::string(log_id) + " is damaged"});
  auto st = ctlog::decode_state(std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
  if (!st) return std::unexpected(st.error());
  return std::optional<ctlog::FollowState>(std::move(*st));
}

ctlog::NameMatcher ct_name_matcher(const generator::Matcher& matcher) {
  return [&matcher](const ctlog::CertName& n, std::vector<ctlog::BrandMatch>& out) {
    thread_local std::vector<generator::Match> found;  // reused: no allocation per name
    found.clear();
    matcher.match(n.ascii, found);
    for (const auto& f : found) {
      out.push_back(ctlog::BrandMatch{std::string(f.brand), std::string(generator::rule_name(f.rule)), f.distance});
    }
  };
}

std::expected<void, ctlog::Error> IndexStateStore::commit(std::string_view log_id, const ctlog::FollowState& st,
                                                          std::span<const ctlog::Hit> hits) {
  index::Batch batch;
  std::set<std::pair<std::string_view, index::Time>> used;  // observation keys taken in this batch
  for (const ctlog::Hit& h : hits) {
    index::CandidateUpdate u;
    u.name = h.name.ascii;
    u.brands = {h.match.brand};
    u.fuzzers = {"ct:" + h.match.rule};
    index::CtSighting s;
    s.log_id = std::string(log_id);
    s.index = h.index;
    s.cert_sha256 = h.cert_sha256;
    u.ct = {s};
    u.seen = to_time(h.timestamp);
    if (auto r = batch.upsert(u); !r) return std::unexpected(ctlog::Error{r.error().message});
    // Observation keys are (name, time, kind): a second hit of the same name in the same
    // millisecond would overwrite the first, so nudge the time until this batch has not used it.
    index::Time t = std::max<index::Time>(to_time(h.timestamp), 1);
    while (!used.emplace(h.name.ascii, t).second) ++t;
    index::Observation o{h.name.ascii, t, index::ObservationKind::ct, ct_observation_json(log_id, h)};
    if (auto r = batch.record_observation(o); !r) return std::unexpected(ctlog::Error{r.error().message});
  }
  index::CtState cs;
  cs.next_index = st.next_index;
  cs.verified_tree_size = st.verified_size;
  cs.verified_root.assign(reinterpret_cast<const char*>(st.verified_root.data()), st.verified_root.size());
  const std::string enc = ctlog::encode_state(st);
  cs.last_sth = std::string(kStateTag) +
                util::base64_encode(std::span(reinterpret_cast<const std::uint8_t*>(enc.data()), enc.size()));
  if (auto r = batch.put_ct_state(log_id, cs); !r) return std::unexpected(ctlog::Error{r.error().message});
  if (hook_) {
    if (auto r = hook_(batch, log_id, hits); !r) return std::unexpected(ctlog::Error{r.error()});
  }
  if (auto r = store_.commit(std::move(batch)); !r) return std::unexpected(ctlog::Error{r.error().message});
  return {};
}

std::expected<void, ctlog::Error> PrintingStateStore::commit(std::string_view log_id, const ctlog::FollowState& state,
                                                             std::span<const ctlog::Hit> hits) {
  auto r = inner_.commit(log_id, state, hits);
  if (r && !hits.empty()) {
    std::string buf;
    for (const auto& h : hits) {
      buf += h.name.wildcard ? "*." + h.name.ascii : h.name.ascii;
      buf += '\t' + h.match.brand + '\t' + h.match.rule + '\t' + std::to_string(h.match.distance) + '\t' + h.log +
             '\t' + std::to_string(h.index) + '\n';
    }
    std::lock_guard lock(mu_);
    out_ << buf << std::flush;
  }
  return r;
}

void write_alert_evidence(const std::string& dir, const ctlog::Alert& alert) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char now[32];
  std::strftime(now, sizeof now, "%Y%m%dT%H%M%SZ", &tm);
  std::string file = alert.log + "-" + now + ".txt";
  for (char& c : file) {
    if (c == '/' || c == ' ' || c == '\'') c = '_';
  }
  std::ofstream(dir + "/" + file, std::ios::app) << alert.kind << "\n" << alert.detail << "\n";
}

}  // namespace lookalike::pipeline
