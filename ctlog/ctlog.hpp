// Certificate Transparency follower, the part the CLI and the pipeline use: the log list, the
// follower's options and outcome, the per-log state it resumes from, and the seams it calls (a
// StateStore for state and matches, a NameMatcher for brands, alerts for misbehaving logs).
// Internal to ctlog/ (and its tests, fuzzers and benchmark): merkle.hpp, signature.hpp,
// entries.hpp, json.hpp and log_source.hpp (one LogSource per CT API, <api>_source.cpp). simdjson and OpenSSL stay inside ctlog/, HTTP is net/'s; this header
// only uses std types.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/http.hpp"

namespace lookalike::ctlog {

using Hash = std::array<std::uint8_t, 32>;
using Bytes = std::vector<std::uint8_t>;

// A failure with what went wrong and where ("get-entries 1000-1999: truncated JSON at byte 812").
struct Error {
  std::string what;
};

// A DNS name taken from a certificate, normalised for matching.
struct CertName {
  std::string ascii;      // lower case, "*." removed
  std::string unicode;    // U-label form when the name had A-labels (else equal to ascii)
  bool wildcard = false;  // the certificate said "*.<ascii>"
  bool from_cn = false;   // only seen in the subject CN
};

// ---------------------------------------------------------------------------------------------
// Log list v3
// ---------------------------------------------------------------------------------------------

// One log from a v3 list.
struct LogInfo {
  std::string operator_name;
  std::string description;
  std::string log_id_b64;
  Bytes key_der;
  std::string url;  // RFC 6962 base URL, or the monitoring prefix for tiled logs (ends with '/')
  std::string submission_url;
  std::string api = "rfc6962";  // the CT API serving it: a name in log_source.cpp's table (rfc6962, static-ct)
  std::string state = "unknown";  // pending|qualified|usable|readonly|retired|rejected|unknown
  std::uint32_t mmd = 0;
  // Followed by default: usable, qualified or readonly.
  [[nodiscard]] bool followed_by_default() const;
  // A short name for --log and output: the description without the operator's quotes.
  [[nodiscard]] std::string short_name() const;
};

struct LogList {
  std::string version;
  std::string timestamp;
  std::vector<LogInfo> logs;
};

// Parses a log list v3 JSON document (logs and tiled_logs of every operator).
[[nodiscard]] std::expected<LogList, Error> parse_log_list(std::string_view json);
// The dated snapshot of data/loglist/log_list.json, compiled into the program (found wherever
// the program is installed).
[[nodiscard]] std::string_view bundled_log_list() noexcept;
// The published list browsers use.
inline constexpr std::string_view default_log_list_url =
    "https://www.gstatic.com/ct/log_list/v3/log_list.json";

// ---------------------------------------------------------------------------------------------
// Resumable state, matches and alerts
// ---------------------------------------------------------------------------------------------

// What is kept per log between runs. `next_index` leaves have been folded into `subtrees` and
// their matches committed; `verified_*` is the largest prefix of the log that a signed head was
// shown to cover (our fold equals its root, or a proof leads from our fold to it). The follower
// commits only verified prefixes, so next_index == verified_size in every state it writes.
struct FollowState {
  std::uint64_t next_index = 0;
  std::vector<Hash> subtrees;  // compact range of [0, next_index)
  std::uint64_t verified_size = 0;
  Hash verified_root{};
  std::vector<Hash> verified_subtrees;  // compact range of [0, verified_size): where to roll back to
  std::uint64_t head_size = 0;  // last signed head seen
  std::uint64_t head_timestamp = 0;
  std::uint64_t head_checked = 0;  // when that head was fetched (ms since the epoch; 0 = unknown)
  std::uint64_t entries_seen = 0;
  std::uint64_t malformed = 0;
  std::string last_error;
};

// What is wrong with a log's last signed head, judged when it was fetched: dated in the future
// (beyond a minute of clock skew), or older than the log's maximum merge delay (a log must sign a
// fresh head at least that often).
struct HeadHealth {
  bool future = false;
  bool stale = false;
};
[[nodiscard]] HeadHealth head_health(const FollowState& st, std::uint32_t mmd_seconds);

// Binary encoding of FollowState for a key-value store (versioned; decode checks everything).
[[nodiscard]] std::string encode_state(const FollowState& s);
[[nodiscard]] std::expected<FollowState, Error> decode_state(std::string_view bytes);

// A name that matched a brand, as reported by the matcher.
struct BrandMatch {
  std::string brand;
  std::string rule;
  int distance = 0;
};

// Matches one certificate name against the brand watchlist, appending to `out`.
using NameMatcher = std::function<void(const CertName& name, std::vector<BrandMatch>& out)>;

// A matched certificate name, ready to be stored as a candidate (with the certificate's evidence).
struct Hit {
  std::string log;  // short name
  std::uint64_t index = 0;
  std::uint64_t timestamp = 0;
  Hash cert_sha256{};
  CertName name;
  BrandMatch match;
  bool precert = false;
  std::string issuer;             // RFC 4514 CN/O/C of the issuer
  std::vector<std::string> sans;  // every SAN dNSName of the certificate
  std::uint64_t not_before = 0;   // ms since the epoch (0 = unknown)
  std::uint64_t not_after = 0;
};

// Where state and matches go (the index in production, memory in tests).
class StateStore {
 public:
  virtual ~StateStore() = default;
  // Saved state of a log keyed by its base64 log ID, or nullopt when never followed.
  [[nodiscard]] virtual std::expected<std::optional<FollowState>, Error> load(std::string_view log_id) = 0;
  // Atomically stores `hits` (found below state.next_index) together with the new state.
  [[nodiscard]] virtual std::expected<void, Error> commit(std::string_view log_id, const FollowState& state,
                                                          std::span<const Hit> hits) = 0;
};

// A verification failure: the evidence needed to show a log misbehaved.
struct Alert {
  std::string log;
  std::string kind;    // "root mismatch", "bad signature", "inconsistent head", "log shrank", ...
  std::string detail;  // sizes, roots and the signed head (JSON or note text) as served
};

// ---------------------------------------------------------------------------------------------
// Follower
// ---------------------------------------------------------------------------------------------

enum class StartFrom : std::uint8_t { start, end, index };

// What a follower is doing: caught up or fetching, waiting to retry after a failure, or ended.
enum class FollowerStatus : std::uint8_t { following, retrying, stopped };
[[nodiscard]] std::string_view follower_status_name(FollowerStatus s);

struct FollowOptions {
  StartFrom from = StartFrom::start;  // only for logs without saved state
  std::uint64_t from_index = 0;
  bool once = false;                  // catch up to the head seen at start, then return
  unsigned parallel = 4;              // ranges (or tiles) in flight per log
  std::uint64_t batch = 1024;         // first get-entries request size (the log's cap is learnt)
  std::chrono::milliseconds poll{10000};
  std::chrono::milliseconds max_backoff{60000};
  unsigned max_retries = 8;           // per request, before the round fails (`once`: the run)
  // Entries fetched and folded before the prefix is verified against the signed head and its
  // matches committed with the position; a stop or kill loses at most this much work.
  std::uint64_t verify_every = 65536;
  net::HttpOptions http;
  std::function<std::unique_ptr<net::HttpClient>()> client_factory;  // default: net::make_http_client(http)
  std::function<void(const Alert&)> on_alert;
  std::function<void(std::string_view log, const FollowState&)> on_progress;
  // The follower's state changed (continuous mode keeps retrying, with a capped, jittered delay
  // from `poll` up to `max_backoff`, after any failure; only a stop or a setup error ends it).
  std::function<void(std::string_view log, FollowerStatus)> on_status;
  // A malformed entry (recorded and skipped; its leaf is still folded into the tree).
  std::function<void(std::string_view log, std::uint64_t index, const Error&)> on_malformed;
  const std::atomic<bool>* stop = nullptr;  // set to request a clean stop
};

// Outcome of following one log.
struct FollowResult {
  FollowState state;
  std::uint64_t entries = 0;  // entries processed this run
  std::uint64_t hits = 0;
  bool verified = false;      // ended with the fold matching a signed head
  std::optional<Error> error;
};

// Follows one log (through the LogSource its `api` names) until caught up (`once`) or stopped.
[[nodiscard]] FollowResult follow_log(const LogInfo& log, StateStore& store, const NameMatcher& matcher,
                                      const FollowOptions& options);

}  // namespace lookalike::ctlog
