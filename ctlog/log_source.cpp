// The table of CT APIs, and what every source shares: the backoff, lazy entry parsing, evidence.
#include "ctlog/log_source.hpp"

#include <algorithm>

#include "util/encoding.hpp"

namespace lookalike::ctlog {

// One entry per CT API: its name in LogInfo::api and the factory of its source (<api>_source.cpp).
std::unique_ptr<LogSource> make_rfc6962_source(const SourceContext& ctx);
std::unique_ptr<LogSource> make_static_ct_source(const SourceContext& ctx);

namespace {

struct LogApi {
  std::string_view name;
  std::unique_ptr<LogSource> (*make)(const SourceContext&);
};

constexpr LogApi kLogApis[] = {
    {"rfc6962", make_rfc6962_source},
    {"static-ct", make_static_ct_source},
};

}  // namespace

std::expected<std::unique_ptr<LogSource>, Error> make_log_source(const SourceContext& ctx) {
  for (const LogApi& api : kLogApis) {
    if (api.name == ctx.log.api) return api.make(ctx);
  }
  return std::unexpected(Error{"log " + ctx.log.short_name() + ": unknown CT API \"" + ctx.log.api + "\""});
}

void Backoff::wait(const std::atomic<bool>* stop) {
  for (;;) {
    Clock::time_point until;
    {
      std::lock_guard lock(mu_);
      until = not_before_;
    }
    const auto now = Clock::now();
    if (now >= until || (stop != nullptr && stop->load())) return;
    std::this_thread::sleep_for(std::min<Clock::duration>(until - now, std::chrono::milliseconds(200)));
  }
}

void Backoff::push_back(std::optional<std::chrono::seconds> retry_after) {
  std::lock_guard lock(mu_);
  std::chrono::milliseconds d;
  if (retry_after) {
    d = std::min<std::chrono::milliseconds>(*retry_after, max_);
  } else {
    delay_ = delay_.count() == 0 ? std::chrono::milliseconds(100) : std::min(delay_ * 2, max_);
    d = delay_;
  }
  not_before_ = std::max(not_before_, Clock::now() + d);
}

void Backoff::success() {
  std::lock_guard lock(mu_);
  delay_ = std::chrono::milliseconds(0);
}

std::expected<ParsedEntry, Error> parse_entry_lazily(std::uint64_t index,
                                                     const std::expected<TimestampedEntry, Error>& entry) {
  if (!entry) return std::unexpected(entry.error());
  auto names = certificate_names(entry->certificate, entry->type == EntryType::precert);
  if (!names) return std::unexpected(names.error());
  ParsedEntry p;
  p.index = index;
  p.timestamp = entry->timestamp;
  p.type = entry->type;
  p.cert_sha256 = sha256(entry->certificate);
  p.names = std::move(*names);
  p.certificate.assign(entry->certificate.begin(), entry->certificate.end());
  return p;
}

std::string sth_json(const SignedTreeHead& h) {
  return "{\"tree_size\":" + std::to_string(h.tree_size) + ",\"timestamp\":" + std::to_string(h.timestamp) +
         ",\"sha256_root_hash\":\"" + util::base64_encode(h.root) + "\",\"tree_head_signature\":\"" +
         util::base64_encode(h.signature) + "\"}";
}

}  // namespace lookalike::ctlog
