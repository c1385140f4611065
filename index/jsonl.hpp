// Internal to index/: the JSON-lines export format (one record per line, "type" first), used by
// `lookalike db export` / `db import`. Bytes that need not be text (log ids, hashes, payloads,
// event details) are hex. parse_line treats its input as hostile.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <variant>

#include "index/index.hpp"

namespace lookalike::index::jsonl {

struct Meta {
  std::uint32_t schema = kSchemaVersion;
  bool operator==(const Meta&) const = default;
};
struct CtStateRecord {
  std::string log_id;
  CtState state;
  bool operator==(const CtStateRecord&) const = default;
};
struct VerdictRecord {
  std::string name;
  Verdict verdict;
  bool operator==(const VerdictRecord&) const = default;
};
// An observation with what the store adds: when it recorded it (retention counts from there;
// 0 on import = the import's commit time) and its key sequence (0 = the older key without one,
// so re-importing an export of such a store stays idempotent).
struct ObservationRecord {
  Observation observation;
  Time recorded = 0;
  std::uint64_t seq = 0;
  bool operator==(const ObservationRecord&) const = default;
};
// An external feed's position (Batch::put_feed_state): the source and the ingest stage's record,
// which is text ("1 <generation> <date> <names> <matches> <added> <removed> <files>").
struct FeedStateRecord {
  std::string source;
  std::string value;
  bool operator==(const FeedStateRecord&) const = default;
};
struct AckRecord {
  std::string consumer;
  std::uint64_t seq = 0;
  bool operator==(const AckRecord&) const = default;
};

// One stored posture run (Store::put_posture_run): the domain, the run's time (ms) and its payload,
// which posture/history.cpp owns (opaque here, exported as hex like observation payloads).
struct PostureRunRecord {
  std::string domain;
  Time time = 0;
  std::string payload;
  bool operator==(const PostureRunRecord&) const = default;
};

using Record = std::variant<Meta, Brand, Candidate, ObservationRecord, CtStateRecord, VerdictRecord, Event, AckRecord,
                            FeedStateRecord, PostureRunRecord>;

// One line of JSON (no newline). Invalid UTF-8 in free text is replaced by U+FFFD.
[[nodiscard]] std::string to_line(const Record& r);
// Parses and validates one line; the error names the field at fault.
[[nodiscard]] std::expected<Record, std::string> parse_line(std::string_view line);

}  // namespace lookalike::index::jsonl
