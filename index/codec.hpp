// Internal to index/: the versioned binary encoding of every stored value and key, and the
// candidate merge (set union, min/max, latest-wins). Pure functions, no RocksDB, so tests and
// fuzz targets exercise them directly. Every decoder treats its input as hostile.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "index/index.hpp"

namespace lookalike::index::codec {

// First byte of every value. Decoders accept 1..kValueVersion and refuse newer ones.
inline constexpr std::uint8_t kValueVersion = 1;

// Limits a decoder enforces (a corrupt length must never make us allocate gigabytes).
inline constexpr std::size_t kMaxNameBytes = 253;
inline constexpr std::size_t kMaxStringBytes = 4096;
inline constexpr std::size_t kMaxListItems = 4096;
inline constexpr std::size_t kMaxBlobBytes = 16u << 20;
inline constexpr std::size_t kMaxPostureRunBytes = 1u << 20;  // one posture run's payload

// Why a value did not decode: "candidate value: truncated at byte 12 (brands)".
using DecodeResult = std::string;

// Validates a stored name/brand/consumer key: 1..253 bytes of printable ASCII, no upper case,
// no space (keys use '\0' as a separator, so it must never appear in a name).
[[nodiscard]] std::expected<void, std::string> validate_key_name(std::string_view name);

// Candidate record (the name lives in the key). Encoded records are also merge operands.
[[nodiscard]] std::string encode_candidate(const Candidate& c);
[[nodiscard]] std::expected<Candidate, DecodeResult> decode_candidate(std::string_view v);
// Sorts and dedups sets and caps the sightings (top kMaxSightings by index): the canonical form.
void normalize(Candidate& c);
// acc := acc ⊔ op: unions, first_seen min / last_seen max over set values (0 = unset), latest
// state and score by time (ties broken by content so the result never depends on order).
void merge_into(Candidate& acc, const Candidate& op);
// Same as merge_into but leaves `acc` unnormalised: fold many operands, then normalize() once.
void absorb(Candidate& acc, const Candidate& op);
// True when `a` wins over `b` in a merge (later time; ties broken by content).
[[nodiscard]] bool score_newer(const Score& a, const Score& b);

[[nodiscard]] std::string encode_brand(const Brand& b);
[[nodiscard]] std::expected<Brand, DecodeResult> decode_brand(std::string_view key, std::string_view v);

[[nodiscard]] std::string encode_ct_state(const CtState& s);
[[nodiscard]] std::expected<CtState, DecodeResult> decode_ct_state(std::string_view v);

[[nodiscard]] std::string encode_verdict(const Verdict& v);
[[nodiscard]] std::expected<Verdict, DecodeResult> decode_verdict(std::string_view v);

// Event value (seq lives in the key).
[[nodiscard]] std::string encode_event(const Event& e);
[[nodiscard]] std::expected<Event, DecodeResult> decode_event(std::string_view v);

// Observation value, version 2: version byte + recorded time (u64 BE, ms: when the store
// committed it, what retention counts from) + payload. Version 1 (schema <= 2) is version byte +
// payload with no recorded time. Name, own time, kind and sequence live in the key.
inline constexpr std::uint8_t kObservationValueVersion = 2;
[[nodiscard]] std::string encode_observation_value(Time recorded, std::string_view payload);
struct ObservationValue {
  Time recorded = 0;         // 0 = a version-1 value (written before schema 3)
  std::string_view payload;  // points into the decoded bytes
};
[[nodiscard]] std::expected<ObservationValue, DecodeResult> decode_observation_value(std::string_view v);

// Fixed-width u64 values (schema version, acknowledged sequence): version byte + 8 bytes BE.
[[nodiscard]] std::string encode_u64(std::uint64_t x);
[[nodiscard]] std::expected<std::uint64_t, DecodeResult> decode_u64(std::string_view v);

// --- keys
// 8-byte big-endian, so byte order == numeric order.
[[nodiscard]] std::string u64_key(std::uint64_t x);
[[nodiscard]] std::expected<std::uint64_t, DecodeResult> parse_u64_key(std::string_view k);

// by_brand key: brand '\0' rank name; rank = 100 - score for scored, 0xFF for unscored, so a
// forward scan lists the highest scores first and unscored last.
[[nodiscard]] std::string by_brand_prefix(std::string_view brand);
[[nodiscard]] std::string by_brand_key(std::string_view brand, std::optional<std::uint8_t> score,
                                       std::string_view name);
struct ByBrandKey {
  std::string_view brand;
  std::optional<std::uint8_t> score;
  std::string_view name;
};
[[nodiscard]] std::expected<ByBrandKey, DecodeResult> parse_by_brand_key(std::string_view k);

// observation key: name '\0' time (u64 BE, ms) kind seq (u64 BE). `seq` is the store-wide
// observation sequence, so two sightings in one millisecond never share a key; seq 0 is the
// schema <= 2 form without it (name '\0' time kind), still read and kept by imports.
[[nodiscard]] std::string observation_prefix(std::string_view name);
[[nodiscard]] std::string observation_key(std::string_view name, Time time, ObservationKind kind,
                                          std::uint64_t seq);
struct ObservationKey {
  std::string_view name;
  Time time = 0;
  ObservationKind kind = ObservationKind::other;
  std::uint64_t seq = 0;  // 0 = the older key without a sequence
};
[[nodiscard]] std::expected<ObservationKey, DecodeResult> parse_observation_key(std::string_view k);

// Lower-case hex, and its inverse (error on odd length or a non-hex digit).
[[nodiscard]] std::string to_hex(std::string_view bytes);
[[nodiscard]] std::expected<std::string, std::string> from_hex(std::string_view hex);

}  // namespace lookalike::index::codec
