// The index: one embedded RocksDB store holding brands, deduplicated candidates (with their
// provenance, first/last sighting, latest DNS state and score), observation history, CT log
// positions, analyst verdicts and a change feed. RocksDB types stay behind this header.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lookalike::index {

// What went wrong; `message` is one line for humans naming the store and the cause.
enum class ErrorCode : std::uint8_t {
  invalid_argument,  // a caller passed a malformed name, key or record
  not_found,         // no store at the path (read-only open) or no such record
  locked,            // another process holds the store's LOCK
  corrupted,         // checksum mismatch, truncated file, undecodable value
  newer_schema,      // written by a newer lookalike: refused, never modified
  not_a_store,       // the folder holds something that is not a lookalike store
  io,                // any other I/O failure
};

struct Error {
  ErrorCode code = ErrorCode::io;
  std::string message;
};

// Milliseconds since the Unix epoch (UTC). 0 means "unset" in records.
using Time = std::int64_t;
[[nodiscard]] Time now_ms();

// The schema version this build writes; older stores are migrated on open, newer ones refused.
// Schema 3 added the recorded time to observation values and a sequence to their keys.
inline constexpr std::uint32_t kSchemaVersion = 3;

// A brand to protect: its registrable domain, keywords for combosquats, domains it owns or
// allow-lists (never threats) and the TLD set used for TLD swaps ("common", "abused", a list...).
struct Brand {
  std::string domain;  // ASCII (A-label), the key
  std::vector<std::string> keywords;
  std::vector<std::string> owned;
  std::string tlds;
  Time added = 0;
  bool operator==(const Brand&) const = default;
};

using Sha256 = std::array<std::uint8_t, 32>;

// One certificate that named a candidate: which log, at which leaf index, which certificate.
struct CtSighting {
  std::string log_id;  // opaque bytes chosen by the CT follower (e.g. the base64 log id)
  std::uint64_t index = 0;
  Sha256 cert_sha256{};
  auto operator<=>(const CtSighting&) const = default;
};

// The DNS outcome of the latest resolution (same meanings as the resolver's outcomes).
enum class DnsOutcome : std::uint8_t { unknown, answer, nodata, nxdomain, servfail, refused, timeout };

// Bits of StateSummary::flags, set by whoever resolved/probed the name.
namespace state_flag {
inline constexpr std::uint32_t registered = 1u << 0;
inline constexpr std::uint32_t has_a = 1u << 1;
inline constexpr std::uint32_t has_aaaa = 1u << 2;
inline constexpr std::uint32_t has_mx = 1u << 3;
inline constexpr std::uint32_t has_ns = 1u << 4;
inline constexpr std::uint32_t spf = 1u << 5;
inline constexpr std::uint32_t dmarc = 1u << 6;
inline constexpr std::uint32_t wildcard = 1u << 7;
inline constexpr std::uint32_t mx_live = 1u << 8;
inline constexpr std::uint32_t web_live = 1u << 9;
inline constexpr std::uint32_t parked = 1u << 10;
}  // namespace state_flag

// The latest known state of a candidate (the full answers live in observations).
struct StateSummary {
  Time time = 0;
  DnsOutcome dns = DnsOutcome::unknown;
  std::uint32_t flags = 0;  // state_flag bits
  bool operator==(const StateSummary&) const = default;
};

// A 0-100 threat score with its level (the scoring stage's Level as a number) and reasons.
struct Score {
  std::uint8_t value = 0;  // 0..100
  std::uint8_t level = 0;
  std::vector<std::string> reasons;
  Time time = 0;  // the latest score (by time) wins
  bool operator==(const Score&) const = default;
};

// One sighting of a candidate by a source: merged into the stored record (sets are unioned,
// first_seen = min, last_seen = max, state = latest), never read-modify-written.
struct CandidateUpdate {
  std::string name;                    // lower-case ASCII (A-label) name, the key
  std::vector<std::string> brands;     // brand domains it imitates
  std::vector<std::string> fuzzers;    // generator fuzzers that produced it ("homoglyph", ...)
  std::vector<CtSighting> ct;          // certificates that named it
  Time seen = 0;                       // 0 = now
  std::optional<StateSummary> state;   // latest DNS/probe summary, if this source resolved it
};

// A stored candidate: the union of every update, plus its latest score.
struct Candidate {
  std::string name;
  std::vector<std::string> brands;   // sorted, unique
  std::vector<std::string> fuzzers;  // sorted, unique
  std::vector<CtSighting> ct;        // at most kMaxSightings, the highest leaf indexes kept
  Time first_seen = 0;
  Time last_seen = 0;
  std::optional<StateSummary> state;
  std::optional<Score> score;
  bool operator==(const Candidate&) const = default;
};
inline constexpr std::size_t kMaxSightings = 64;

// A raw observation (DNS answers, probe results, CT sightings) kept as history. `time` is the
// observation's own time (a certificate's timestamp, a probe's time): it orders the history and
// is shown, but retention counts from when the store recorded it (see Options). Every recorded
// observation is kept, even two of one name, kind and millisecond (keys carry a sequence).
// `ct`: one per certificate that named the candidate, payload written and read by
// index/ct_observation.hpp.
enum class ObservationKind : std::uint8_t { dns = 1, probe = 2, rdap = 3, other = 4, ct = 5 };
struct Observation {
  std::string name;
  Time time = 0;  // 0 = now
  ObservationKind kind = ObservationKind::dns;
  std::string payload;  // opaque bytes owned by the producing stage
  bool operator==(const Observation&) const = default;
};

// Where the CT follower left a log: the next entry to fetch and the last verified tree head.
struct CtState {
  std::uint64_t next_index = 0;
  std::uint64_t verified_tree_size = 0;
  std::string verified_root;  // raw 32-byte root hash
  std::string last_sth;       // the raw STH JSON or checkpoint text last verified
  Time updated = 0;           // 0 = now
  bool operator==(const CtState&) const = default;
};

// An analyst's decision about a candidate. Values 4 and 5 (the retired "takedown-requested" and
// "taken-down") are never written; stored ones decode as malicious so older stores keep opening.
enum class Decision : std::uint8_t { malicious = 1, benign = 2, suspicious = 3, parked = 6, owned = 7 };
// Every decision, in the order they are listed to users.
inline constexpr std::array<Decision, 5> kDecisions{Decision::malicious, Decision::suspicious, Decision::benign,
                                                   Decision::parked, Decision::owned};
// "malicious", "benign", "suspicious", "parked", "owned".
[[nodiscard]] std::string_view decision_name(Decision d) noexcept;
// Parses a decision_name (also the retired names "threat", "watch", "takedown-requested",
// "taken-down" found in old exports); the error names the accepted values.
[[nodiscard]] std::expected<Decision, std::string> parse_decision(std::string_view s);
// True for the five current decisions (what put_verdict accepts).
[[nodiscard]] bool is_decision(Decision d) noexcept;

struct Verdict {
  Decision decision = Decision::suspicious;
  std::string note;
  Time time = 0;  // 0 = now
  bool operator==(const Verdict&) const = default;
};

// The change feed: one entry per notable change, keyed by a store-wide increasing sequence.
enum class EventKind : std::uint8_t {
  new_candidate = 1,  // a name first seen in a certificate (CT); generator output is not news
  level_changed = 2,  // a candidate's score level changed (detail "level L (was P), score S")
  verdict = 3,        // an analyst verdict was recorded (detail = decision name)
  custom = 4,         // appended by a stage
  registered = 5,     // NXDOMAIN -> registered (appended by the watcher)
  mx_appeared = 6,    // an MX record appeared
  web_live = 7,       // a web server started answering
  certificate = 8,    // a certificate naming a known candidate was logged
  deleted = 9,        // a zone no longer delegates a look-alike it delegated (appended by ingest)
  posture_regressed = 10,  // a brand's own email posture got worse (name = brand, detail = the changes)
  posture_improved = 11,   // ... got better
};
// Every event kind in value order.
inline constexpr std::array<EventKind, 11> kEventKinds{
    EventKind::new_candidate, EventKind::level_changed, EventKind::verdict,  EventKind::custom,
    EventKind::registered,    EventKind::mx_appeared,   EventKind::web_live, EventKind::certificate,
    EventKind::deleted,       EventKind::posture_regressed, EventKind::posture_improved};
// "new-candidate", "level-changed", "verdict", "custom", "registered", "mx-appeared", "web-live",
// "certificate", "deleted", "posture-regressed", "posture-improved".
[[nodiscard]] std::string_view event_kind_name(EventKind k) noexcept;

struct Event {
  std::uint64_t seq = 0;  // assigned at commit, starts at 1
  Time time = 0;
  EventKind kind = EventKind::custom;
  std::string name;
  std::string detail;
  bool operator==(const Event&) const = default;
};

// The longest observation retention a user may set, in days (100 years); longer is a typo.
inline constexpr std::int64_t kMaxRetentionDays = 36'500;

struct Options {
  bool create_if_missing = true;  // false: a missing store is ErrorCode::not_found
  bool read_only = false;         // no LOCK taken; refuses stores that need migration
  bool sync = false;              // fsync every commit (survives power loss, not only kill -9)
  bool emit_events = true;        // commits append new_candidate / level_changed / verdict events
  // Observations the store recorded more than this long ago are dropped by compaction, whatever
  // their own time; those of a name whose verdict is malicious or suspicious never are (a verdict
  // changed to another decision lets them expire again). Observations written before schema 3
  // count from the migration. 0 = keep forever.
  std::chrono::days observation_retention{365};
  // "Now" for recorded times and retention; empty = the system clock. Tests inject one. Called
  // from RocksDB's compaction threads, so it must be thread-safe.
  std::function<Time()> clock{};
};

// One column family as counted by stats(): exact key count and logical (uncompressed) bytes.
struct FamilyStats {
  std::string name;
  std::uint64_t keys = 0;
  std::uint64_t logical_bytes = 0;
  std::uint64_t sst_bytes = 0;
};

struct Stats {
  std::uint32_t schema_version = 0;
  std::vector<FamilyStats> families;
  std::uint64_t disk_bytes = 0;  // every file in the store folder
  std::uint64_t last_event_seq = 0;
};

// What check() found: empty `problems` means checksums, every value and the by-brand index agree.
struct CheckReport {
  std::uint64_t records = 0;
  std::vector<std::string> problems;  // at most 100, each one line naming key and cause
  [[nodiscard]] bool ok() const { return problems.empty(); }
};

struct ImportReport {
  std::uint64_t lines = 0;
  std::uint64_t brands = 0, candidates = 0, observations = 0, ct_states = 0, verdicts = 0,
                events = 0, acks = 0, feed_states = 0, posture_runs = 0;
};

// A candidate as the by-brand index lists it (score descending, then unscored).
struct Ranked {
  std::string_view name;
  std::optional<std::uint8_t> score;
  std::uint8_t level = 0;
};

class Store;

// A set of writes committed atomically (one RocksDB WriteBatch): e.g. the CT follower puts the
// names it found and its new log position in one batch, so a crash keeps both or neither.
// Not thread-safe itself; build one per thread.
class Batch {
 public:
  Batch();
  ~Batch();
  Batch(Batch&&) noexcept;
  Batch& operator=(Batch&&) noexcept;

  // Adds a sighting; a malformed name or record is refused and the batch is left unchanged.
  [[nodiscard]] std::expected<void, Error> upsert(const CandidateUpdate& update);
  // Sets the score of `name` (must exist, or be upserted in this batch), moving its
  // by-brand index entries in the same batch.
  [[nodiscard]] std::expected<void, Error> set_score(std::string_view name, const Score& score);
  [[nodiscard]] std::expected<void, Error> record_observation(const Observation& observation);
  [[nodiscard]] std::expected<void, Error> put_ct_state(std::string_view log_id, const CtState& state);
  [[nodiscard]] std::expected<void, Error> put_verdict(std::string_view name, const Verdict& verdict);
  // Sets the opaque position record of an external feed (zone file, domain list: `source` is its
  // name, the bytes belong to the ingest stage), atomically with the rest of the batch.
  [[nodiscard]] std::expected<void, Error> put_feed_state(std::string_view source, std::string_view value);
  // Sets the fingerprint of the inputs a brand's generated candidates were made from (opaque to
  // the index; `watch` regenerates when it changes), apart from the feed positions.
  [[nodiscard]] std::expected<void, Error> put_generation_state(std::string_view brand, std::string_view fingerprint);
  // Appends a feed entry; its sequence number is assigned at commit.
  [[nodiscard]] std::expected<void, Error> append_event(EventKind kind, std::string_view name,
                                                        std::string_view detail);
  [[nodiscard]] std::size_t size() const noexcept;  // operations added so far
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }

 private:
  friend class Store;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// An open store. Thread-safe: any number of threads may commit and read concurrently (commits
// are serialised only around the by-brand index update; candidate records merge in RocksDB).
class Store {
 public:
  // Opens (creating if allowed) the store in folder `path`. A store held by another process,
  // a corrupted or truncated one, a newer schema or a foreign folder -> one-line Error.
  [[nodiscard]] static std::expected<Store, Error> open(const std::string& path, const Options& options = {});
  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();

  [[nodiscard]] const std::string& path() const noexcept;

  // Applies every operation of `batch` atomically; returns after the WAL write (fsync if
  // Options::sync). On error nothing was written.
  [[nodiscard]] std::expected<void, Error> commit(Batch&& batch);

  // --- brands
  // Adds or replaces a brand (keyed by domain).
  [[nodiscard]] std::expected<void, Error> add_brand(const Brand& brand);
  // All brands in domain order.
  [[nodiscard]] std::expected<std::vector<Brand>, Error> list_brands() const;
  [[nodiscard]] std::expected<std::optional<Brand>, Error> get_brand(std::string_view domain) const;
  // Removes a brand record (its candidates stay); false when there was none.
  [[nodiscard]] std::expected<bool, Error> remove_brand(std::string_view domain);

  // --- candidates
  // Upserts a span in one batch (merge-based: concurrent writers never lose each other's data).
  [[nodiscard]] std::expected<void, Error> upsert_candidates(std::span<const CandidateUpdate> updates);
  [[nodiscard]] std::expected<std::optional<Candidate>, Error> get_candidate(std::string_view name) const;
  // Sets a score and moves the candidate's by-brand index entries in the same batch.
  [[nodiscard]] std::expected<void, Error> set_score(std::string_view name, const Score& score);
  // Visits every candidate in name order; the visitor returns false to stop.
  [[nodiscard]] std::expected<void, Error> visit_candidates(
      const std::function<bool(const Candidate&)>& visit) const;
  // Visits brand's candidates by descending score with score >= min_score; when min_score is 0,
  // unscored candidates follow. The visitor returns false to stop.
  [[nodiscard]] std::expected<void, Error> candidates_by_brand(
      std::string_view brand, int min_score, const std::function<bool(const Ranked&)>& visit) const;

  // --- observations (history)
  [[nodiscard]] std::expected<void, Error> record_observation(const Observation& observation);
  // Visits the observations of `name` from oldest to newest.
  [[nodiscard]] std::expected<void, Error> observations(
      std::string_view name, const std::function<bool(const Observation&)>& visit) const;

  // --- CT positions
  [[nodiscard]] std::expected<std::optional<CtState>, Error> get_ct_state(std::string_view log_id) const;
  [[nodiscard]] std::expected<void, Error> put_ct_state(std::string_view log_id, const CtState& state);
  // Every log's position, in log-id order (for `ct status`-like listings).
  [[nodiscard]] std::expected<std::vector<std::pair<std::string, CtState>>, Error> list_ct_states() const;

  // --- external feed positions (see Batch::put_feed_state)
  [[nodiscard]] std::expected<std::optional<std::string>, Error> get_feed_state(std::string_view source) const;
  // The fingerprint last set by Batch::put_generation_state for `brand`, nullopt when none.
  [[nodiscard]] std::expected<std::optional<std::string>, Error> get_generation_state(std::string_view brand) const;

  // --- posture history (payloads are opaque here; posture/history.cpp owns their format)
  // Stores one posture run of `domain` at `time` (ms); a run at the same time replaces it.
  [[nodiscard]] std::expected<void, Error> put_posture_run(std::string_view domain, Time time, std::string_view payload);
  // Visits the stored runs of `domain`, newest first; the visitor returns false to stop.
  [[nodiscard]] std::expected<void, Error> posture_runs(
      std::string_view domain, const std::function<bool(Time, std::string_view)>& visit) const;
  // Every feed's record, in source order (generation states are not feeds and are not listed).
  [[nodiscard]] std::expected<std::vector<std::pair<std::string, std::string>>, Error> list_feed_states() const;

  // --- verdicts
  [[nodiscard]] std::expected<void, Error> put_verdict(std::string_view name, const Verdict& verdict);
  [[nodiscard]] std::expected<std::optional<Verdict>, Error> get_verdict(std::string_view name) const;
  // Visits every verdict in name order; the visitor returns false to stop.
  [[nodiscard]] std::expected<void, Error> visit_verdicts(
      const std::function<bool(std::string_view name, const Verdict&)>& visit) const;

  // --- change feed
  // Appends one event now; returns its sequence number.
  [[nodiscard]] std::expected<std::uint64_t, Error> append_event(EventKind kind, std::string_view name,
                                                                 std::string_view detail);
  // Up to `max` events after the consumer's acknowledged sequence (all of them for a new consumer).
  [[nodiscard]] std::expected<std::vector<Event>, Error> read_events(std::string_view consumer,
                                                                     std::size_t max = 1000) const;
  // Up to `max` events with seq > after.
  [[nodiscard]] std::expected<std::vector<Event>, Error> read_events_after(std::uint64_t after,
                                                                           std::size_t max = 1000) const;
  // Records that `consumer` processed everything up to `seq` (never moves backwards).
  [[nodiscard]] std::expected<void, Error> ack(std::string_view consumer, std::uint64_t seq);
  [[nodiscard]] std::expected<std::uint64_t, Error> acked(std::string_view consumer) const;

  // --- maintenance
  [[nodiscard]] std::expected<Stats, Error> stats() const;
  // Verifies block checksums, decodes every value and checks the by-brand index both ways.
  [[nodiscard]] std::expected<CheckReport, Error> check() const;
  // Full compaction (also drops observations recorded longer than the retention ago, except
  // those of names under a malicious or suspicious verdict).
  [[nodiscard]] std::expected<void, Error> compact();
  // Writes everything needed to rebuild the store as JSON lines (one consistent snapshot).
  [[nodiscard]] std::expected<std::uint64_t, Error> export_jsonl(std::ostream& out) const;
  // Reads export_jsonl output (merging into what is there); stops at the first bad line with
  // an error naming it (lines before it are committed: import is idempotent, rerun it).
  [[nodiscard]] std::expected<ImportReport, Error> import_jsonl(std::istream& in);

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lookalike::index
