// The records on the work topics, as JSON objects (one per message value), and the alert id.
// Decoding is strict: a record that does not parse is an error value, never an exception.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "queue/queue.hpp"

namespace lookalike::queue {

// A name to resolve (topic `candidates`): {"name","brands","fuzzers"}.
struct CandidateRecord {
  std::string name;  // lower-case A-label name
  std::vector<std::string> brands;
  std::vector<std::string> fuzzers;
  bool operator==(const CandidateRecord&) const = default;
};

// What `resolve` learnt (topic `resolved`): the candidate plus when it was resolved, the DNS
// outcome of its first record type ("answer", "nxdomain", ... as the resolver names them) and
// the index's state_flag bits. {"name","brands","fuzzers","time","dns","flags"}.
struct ResolvedRecord {
  CandidateRecord candidate;
  std::int64_t time = 0;  // ms since the epoch
  std::string dns;
  std::uint32_t flags = 0;
  bool operator==(const ResolvedRecord&) const = default;
};

// What `probe` forwards (topic `probed`): the resolved record with the probes' state bits added to
// its flags (mx_live, web_live, parked) and what the probes saw ("probe": the stored probe JSON of
// scoring/probe_json, absent for names not probed). A superset of ResolvedRecord, so `index
// --input probed` reads it with decode_resolved. {"name","brands","fuzzers","time","dns","flags","probe"}.
struct ProbedRecord {
  ResolvedRecord resolved;
  std::string probe;  // a JSON object, "" when the name was not probed
  bool operator==(const ProbedRecord&) const = default;
};

// A CT follower's position (compacted topic `ct-checkpoints`, key = log ID):
// {"log","name","next_index","state"}; `state` is ctlog's encoded FollowState, base64 in JSON.
struct CheckpointRecord {
  std::string log_id;  // base64 log ID, the message key
  std::string name;    // the log's short name, for people reading the topic
  std::uint64_t next_index = 0;
  std::string state;   // ctlog::encode_state bytes
  bool operator==(const CheckpointRecord&) const = default;
};

// A state change found by `index` (topic `alerts`): {"id","name","change","time"}. Consumers
// drop an id they have seen: redeliveries after a crash carry the same id.
struct AlertRecord {
  std::string id;
  std::string name;
  std::string change;  // "registered", "mx appeared", ...
  std::int64_t time = 0;
  bool operator==(const AlertRecord&) const = default;
};

// A brand in the compacted brand table (topic `brands`, key = domain): {"domain","keywords","owned"}.
struct BrandRecord {
  std::string domain;
  std::vector<std::string> keywords;
  std::vector<std::string> owned;
  bool operator==(const BrandRecord&) const = default;
};

// A name seen in a certificate, zone file or feed (topic `names`): {"name","source"}.
struct NameRecord {
  std::string name;
  std::string source;  // "ct:<log>", "zone:<file>", ...
  bool operator==(const NameRecord&) const = default;
};

// A candidate's row in the index, as the index worker's changelog carries it (topic
// `index_state`, key = name): enough to rebuild the row in another worker's partition store.
// {"name","brands","fuzzers","first_seen","last_seen"[,"state":{"time","dns","flags"}]
//  [,"probe":{"time","observation":{...}}]}; `probe` is the row's latest probe observation (the
// stored probe JSON, as in ProbedRecord), so a partition restored elsewhere keeps that evidence.
struct IndexStateRecord {
  struct State {
    std::int64_t time = 0;
    std::string dns;  // as in ResolvedRecord
    std::uint32_t flags = 0;
    bool operator==(const State&) const = default;
  };
  struct Probe {
    std::int64_t time = 0;
    std::string observation;  // a JSON object
    bool operator==(const Probe&) const = default;
  };
  CandidateRecord candidate;
  std::int64_t first_seen = 0;
  std::int64_t last_seen = 0;
  std::optional<State> state;
  std::optional<Probe> probe;
  bool operator==(const IndexStateRecord&) const = default;
};

[[nodiscard]] std::string encode(const CandidateRecord& r);
[[nodiscard]] std::string encode(const IndexStateRecord& r);
[[nodiscard]] std::string encode(const ResolvedRecord& r);
[[nodiscard]] std::string encode(const AlertRecord& r);
[[nodiscard]] std::string encode(const BrandRecord& r);
[[nodiscard]] std::string encode(const NameRecord& r);
[[nodiscard]] std::string encode(const ProbedRecord& r);
[[nodiscard]] std::string encode(const CheckpointRecord& r);
[[nodiscard]] std::expected<CandidateRecord, Error> decode_candidate(std::string_view json);
[[nodiscard]] std::expected<ResolvedRecord, Error> decode_resolved(std::string_view json);
[[nodiscard]] std::expected<AlertRecord, Error> decode_alert(std::string_view json);
[[nodiscard]] std::expected<BrandRecord, Error> decode_brand(std::string_view json);
[[nodiscard]] std::expected<NameRecord, Error> decode_name(std::string_view json);
[[nodiscard]] std::expected<IndexStateRecord, Error> decode_index_state(std::string_view json);
[[nodiscard]] std::expected<ProbedRecord, Error> decode_probed(std::string_view json);
[[nodiscard]] std::expected<CheckpointRecord, Error> decode_checkpoint(std::string_view json);

// The alert id of a change: 16 hex digits of a 64-bit FNV-1a hash of "name\0change\0cause",
// where `cause` identifies the observation that caused it (its time), so one change keeps its id
// across redeliveries and a later, separate change of the same kind gets a new one.
[[nodiscard]] std::string alert_id(std::string_view name, std::string_view change, std::string_view cause);

}  // namespace lookalike::queue
