#include "index/codec.hpp"

#include <algorithm>
#include <chrono>
#include <tuple>

namespace lookalike::index {

Time now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string_view decision_name(Decision d) noexcept {
  switch (d) {
    case Decision::malicious: return "malicious";
    case Decision::benign: return "benign";
    case Decision::suspicious: return "suspicious";
    case Decision::parked: return "parked";
    case Decision::owned: return "owned";
  }
  return "unknown";
}

bool is_decision(Decision d) noexcept {
  return std::ranges::find(kDecisions, d) != kDecisions.end();
}

std::expected<Decision, std::string> parse_decision(std::string_view s) {
  for (auto d : kDecisions) {
    if (decision_name(d) == s) return d;
  }
  // Names written by schema-2 builds before the decisions were renamed (old JSONL exports).
  if (s == "threat" || s == "takedown-requested" || s == "taken-down") return Decision::malicious;
  if (s == "watch") return Decision::suspicious;
  return std::unexpected("unknown decision \"" + std::string(s) +
                         "\" (malicious, suspicious, benign, parked, owned)");
}

std::string_view event_kind_name(EventKind k) noexcept {
  switch (k) {
    case EventKind::new_candidate: return "new-candidate";
    case EventKind::level_changed: return "level-changed";
    case EventKind::verdict: return "verdict";
    case EventKind::custom: return "custom";
    case EventKind::registered: return "registered";
    case EventKind::mx_appeared: return "mx-appeared";
    case EventKind::web_live: return "web-live";
    case EventKind::certificate: return "certificate";
    case EventKind::deleted: return "deleted";
    case EventKind::posture_regressed: return "posture-regressed";
    case EventKind::posture_improved: return "posture-improved";
  }
  return "unknown";
}

namespace codec {
namespace {

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void u8(std::uint8_t x) { out_.push_back(static_cast<char>(x)); }
  void varint(std::uint64_t x) {
    while (x >= 0x80) {
      out_.push_back(static_cast<char>((x & 0x7f) | 0x80));
      x >>= 7;
    }
    out_.push_back(static_cast<char>(x));
  }
  void zigzag(std::int64_t x) {
    varint((static_cast<std::uint64_t>(x) << 1) ^ static_cast<std::uint64_t>(x >> 63));
  }
  void bytes(std::string_view s) {
    varint(s.size());
    out_.append(s);
  }
  void raw(const void* p, std::size_t n) { out_.append(static_cast<const char*>(p), n); }
  void strings(const std::vector<std::string>& v) {
    varint(v.size());
    for (const auto& s : v) bytes(s);
  }

 private:
  std::string& out_;
};

// A bounds-checked reader that records the first failure with its offset and field.
class Reader {
 public:
  Reader(std::string_view what, std::string_view in) : what_(what), in_(in) {}

  bool u8(std::uint8_t& x, std::string_view field) {
    if (pos_ >= in_.size()) return fail("truncated", field);
    x = static_cast<std::uint8_t>(in_[pos_++]);
    return true;
  }
  bool varint(std::uint64_t& x, std::string_view field) {
    x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return fail("truncated", field);
      const auto b = static_cast<std::uint8_t>(in_[pos_++]);
      if (shift == 63 && b > 1) return fail("varint overflow", field);
      x |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return fail("varint too long", field);
  }
  bool zigzag(std::int64_t& x, std::string_view field) {
    std::uint64_t u = 0;
    if (!varint(u, field)) return false;
    x = static_cast<std::int64_t>(u >> 1) ^ -static_cast<std::int64_t>(u & 1);
    return true;
  }
  bool bytes(std::string& s, std::string_view field, std::size_t max) {
    std::uint64_t n = 0;
    const std::size_t at = pos_;
    if (!varint(n, field)) return false;
    if (n > max) {
      pos_ = at;
      return fail("length " + std::to_string(n) + " over limit " + std::to_string(max), field);
    }
    if (n > in_.size() - pos_) {
      pos_ = at;
      return fail("length " + std::to_string(n) + " past the end", field);
    }
    s.assign(in_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool raw(void* p, std::size_t n, std::string_view field) {
    if (n > in_.size() - pos_) return fail("truncated", field);
    std::copy_n(in_.data() + pos_, n, static_cast<char*>(p));
    pos_ += n;
    return true;
  }
  bool count(std::size_t& n, std::string_view field, std::size_t max) {
    std::uint64_t x = 0;
    if (!varint(x, field)) return false;
    // Every item takes at least one byte, so a count past the end is corrupt too.
    if (x > max || x > in_.size() - pos_) return fail("count " + std::to_string(x) + " out of range", field);
    n = static_cast<std::size_t>(x);
    return true;
  }
  bool strings(std::vector<std::string>& v, std::string_view field, std::size_t max_bytes) {
    std::size_t n = 0;
    if (!count(n, field, kMaxListItems)) return false;
    v.resize(n);
    for (auto& s : v) {
      if (!bytes(s, field, max_bytes)) return false;
    }
    return true;
  }
  bool version(std::string_view field = "version") {
    std::uint8_t v = 0;
    if (!u8(v, field)) return false;
    if (v == 0) return fail("unknown value version 0", field);
    if (v > kValueVersion) {
      --pos_;
      return fail("value version " + std::to_string(v) + " was written by a newer lookalike (this one reads up to " +
                      std::to_string(kValueVersion) + ")",
                  field);
    }
    return true;
  }
  bool end() {
    if (pos_ != in_.size()) return fail(std::to_string(in_.size() - pos_) + " trailing bytes", "end");
    return true;
  }
  bool fail(std::string_view why, std::string_view field) {
    if (error_.empty()) {
      error_ = std::string(what_) + ": " + std::string(why) + " at byte " + std::to_string(pos_) + " (" +
               std::string(field) + ")";
    }
    return false;
  }
  std::unexpected<std::string> error() const { return std::unexpected(error_); }

 private:
  std::string_view what_;
  std::string_view in_;
  std::size_t pos_ = 0;
  std::string error_;
};

void put_u64_be(std::string& out, std::uint64_t x) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((x >> (8 * i)) & 0xff));
}

std::uint64_t get_u64_be(std::string_view in) {
  std::uint64_t x = 0;
  for (int i = 0; i < 8; ++i) x = (x << 8) | static_cast<std::uint8_t>(in[static_cast<std::size_t>(i)]);
  return x;
}

constexpr std::uint8_t kHasSeen = 1, kHasState = 2, kHasScore = 4;

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// Order in which sightings are kept: highest leaf index first (the newest certificates).
bool sighting_before(const CtSighting& a, const CtSighting& b) {
  return std::tie(b.index, a.log_id, a.cert_sha256) < std::tie(a.index, b.log_id, b.cert_sha256);
}

bool state_newer(const StateSummary& a, const StateSummary& b) {
  return std::tie(a.time, a.dns, a.flags) > std::tie(b.time, b.dns, b.flags);
}

}  // namespace

bool score_newer(const Score& a, const Score& b) {
  return std::tie(a.time, a.value, a.level, a.reasons) > std::tie(b.time, b.value, b.level, b.reasons);
}

std::expected<void, std::string> validate_key_name(std::string_view name) {
  if (name.empty()) return std::unexpected("empty name");
  if (name.size() > kMaxNameBytes) {
    return std::unexpected("name of " + std::to_string(name.size()) + " bytes (max " +
                           std::to_string(kMaxNameBytes) + ")");
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c <= 0x20 || c >= 0x7f || (c >= 'A' && c <= 'Z')) {
      return std::unexpected("invalid byte 0x" + to_hex(name.substr(i, 1)) + " at position " + std::to_string(i) +
                             " in name (lower-case printable ASCII only)");
    }
  }
  return {};
}

void normalize(Candidate& c) {
  sort_unique(c.brands);
  sort_unique(c.fuzzers);
  std::sort(c.ct.begin(), c.ct.end(), sighting_before);
  c.ct.erase(std::unique(c.ct.begin(), c.ct.end()), c.ct.end());
  if (c.ct.size() > kMaxSightings) c.ct.resize(kMaxSightings);
}

void merge_into(Candidate& acc, const Candidate& op) {
  absorb(acc, op);
  normalize(acc);
}

void absorb(Candidate& acc, const Candidate& op) {
  acc.brands.insert(acc.brands.end(), op.brands.begin(), op.brands.end());
  acc.fuzzers.insert(acc.fuzzers.end(), op.fuzzers.begin(), op.fuzzers.end());
  acc.ct.insert(acc.ct.end(), op.ct.begin(), op.ct.end());
  if (op.first_seen != 0 && (acc.first_seen == 0 || op.first_seen < acc.first_seen)) acc.first_seen = op.first_seen;
  if (op.last_seen != 0 && op.last_seen > acc.last_seen) acc.last_seen = op.last_seen;
  if (op.state && (!acc.state || state_newer(*op.state, *acc.state))) acc.state = op.state;
  if (op.score && (!acc.score || score_newer(*op.score, *acc.score))) acc.score = op.score;
}

std::string encode_candidate(const Candidate& c) {
  std::string out;
  out.reserve(32 + c.brands.size() * 16 + c.fuzzers.size() * 12 + c.ct.size() * 48);
  Writer w(out);
  w.u8(kValueVersion);
  const bool seen = c.first_seen != 0 || c.last_seen != 0;
  w.u8(static_cast<std::uint8_t>((seen ? kHasSeen : 0) | (c.state ? kHasState : 0) | (c.score ? kHasScore : 0)));
  if (seen) {
    w.zigzag(c.first_seen);
    w.zigzag(c.last_seen);
  }
  w.strings(c.brands);
  w.strings(c.fuzzers);
  w.varint(c.ct.size());
  for (const auto& s : c.ct) {
    w.bytes(s.log_id);
    w.varint(s.index);
    w.raw(s.cert_sha256.data(), s.cert_sha256.size());
  }
  if (c.state) {
    w.zigzag(c.state->time);
    w.u8(static_cast<std::uint8_t>(c.state->dns));
    w.varint(c.state->flags);
  }
  if (c.score) {
    w.u8(c.score->value);
    w.u8(c.score->level);
    w.zigzag(c.score->time);
    w.strings(c.score->reasons);
  }
  return out;
}

std::expected<Candidate, DecodeResult> decode_candidate(std::string_view v) {
  Reader r("candidate value", v);
  Candidate c;
  std::uint8_t flags = 0;
  if (!r.version() || !r.u8(flags, "flags")) return r.error();
  if ((flags & ~(kHasSeen | kHasState | kHasScore)) != 0) {
    r.fail("unknown flag bits", "flags");
    return r.error();
  }
  if ((flags & kHasSeen) != 0 && (!r.zigzag(c.first_seen, "first_seen") || !r.zigzag(c.last_seen, "last_seen"))) {
    return r.error();
  }
  if (!r.strings(c.brands, "brands", kMaxNameBytes) || !r.strings(c.fuzzers, "fuzzers", 64)) return r.error();
  std::size_t n = 0;
  if (!r.count(n, "ct", kMaxListItems)) return r.error();
  c.ct.resize(n);
  for (auto& s : c.ct) {
    if (!r.bytes(s.log_id, "ct.log_id", 256) || !r.varint(s.index, "ct.index") ||
        !r.raw(s.cert_sha256.data(), s.cert_sha256.size(), "ct.cert_sha256")) {
      return r.error();
    }
  }
  if ((flags & kHasState) != 0) {
    StateSummary st;
    std::uint8_t dns = 0;
    std::uint64_t f = 0;
    if (!r.zigzag(st.time, "state.time") || !r.u8(dns, "state.dns") || !r.varint(f, "state.flags")) return r.error();
    if (dns > static_cast<std::uint8_t>(DnsOutcome::timeout)) {
      r.fail("unknown DNS outcome " + std::to_string(dns), "state.dns");
      return r.error();
    }
    if (f > 0xffffffffu) {
      r.fail("flags out of range", "state.flags");
      return r.error();
    }
    st.dns = static_cast<DnsOutcome>(dns);
    st.flags = static_cast<std::uint32_t>(f);
    c.state = st;
  }
  if ((flags & kHasScore) != 0) {
    Score s;
    if (!r.u8(s.value, "score.value") || !r.u8(s.level, "score.level") || !r.zigzag(s.time, "score.time") ||
        !r.strings(s.reasons, "score.reasons", kMaxStringBytes)) {
      return r.error();
    }
    if (s.value > 100) {
      r.fail("score " + std::to_string(s.value) + " over 100", "score.value");
      return r.error();
    }
    c.score = std::move(s);
  }
  if (!r.end()) return r.error();
  return c;
}

std::string encode_brand(const Brand& b) {
  std::string out;
  Writer w(out);
  w.u8(kValueVersion);
  w.strings(b.keywords);
  w.strings(b.owned);
  w.bytes(b.tlds);
  w.zigzag(b.added);
  return out;
}

std::expected<Brand, DecodeResult> decode_brand(std::string_view key, std::string_view v) {
  Reader r("brand value", v);
  Brand b;
  b.domain = std::string(key);
  if (!r.version() || !r.strings(b.keywords, "keywords", kMaxNameBytes) ||
      !r.strings(b.owned, "owned", kMaxNameBytes) || !r.bytes(b.tlds, "tlds", kMaxStringBytes) ||
      !r.zigzag(b.added, "added") || !r.end()) {
    return r.error();
  }
  return b;
}

std::string encode_ct_state(const CtState& s) {
  std::string out;
  Writer w(out);
  w.u8(kValueVersion);
  w.varint(s.next_index);
  w.varint(s.verified_tree_size);
  w.bytes(s.verified_root);
  w.bytes(s.last_sth);
  w.zigzag(s.updated);
  return out;
}

std::expected<CtState, DecodeResult> decode_ct_state(std::string_view v) {
  Reader r("ct_state value", v);
  CtState s;
  if (!r.version() || !r.varint(s.next_index, "next_index") ||
      !r.varint(s.verified_tree_size, "verified_tree_size") || !r.bytes(s.verified_root, "verified_root", 64) ||
      !r.bytes(s.last_sth, "last_sth", 1u << 16) || !r.zigzag(s.updated, "updated") || !r.end()) {
    return r.error();
  }
  return s;
}

std::string encode_verdict(const Verdict& v) {
  std::string out;
  Writer w(out);
  w.u8(kValueVersion);
  w.u8(static_cast<std::uint8_t>(v.decision));
  w.bytes(v.note);
  w.zigzag(v.time);
  return out;
}

std::expected<Verdict, DecodeResult> decode_verdict(std::string_view in) {
  Reader r("verdict value", in);
  Verdict v;
  std::uint8_t d = 0;
  if (!r.version() || !r.u8(d, "decision")) return r.error();
  if (d == 4 || d == 5) {
    v.decision = Decision::malicious;  // retired takedown-requested / taken-down: confirmed threats
  } else if (is_decision(static_cast<Decision>(d))) {
    v.decision = static_cast<Decision>(d);
  } else {
    r.fail("unknown decision " + std::to_string(d), "decision");
    return r.error();
  }
  if (!r.bytes(v.note, "note", 1u << 16) || !r.zigzag(v.time, "time") || !r.end()) return r.error();
  return v;
}

std::string encode_event(const Event& e) {
  std::string out;
  Writer w(out);
  w.u8(kValueVersion);
  w.zigzag(e.time);
  w.u8(static_cast<std::uint8_t>(e.kind));
  w.bytes(e.name);
  w.bytes(e.detail);
  return out;
}

std::expected<Event, DecodeResult> decode_event(std::string_view v) {
  Reader r("event value", v);
  Event e;
  std::uint8_t k = 0;
  if (!r.version() || !r.zigzag(e.time, "time") || !r.u8(k, "kind")) return r.error();
  if (k < 1 || k > static_cast<std::uint8_t>(EventKind::posture_improved)) {
    r.fail("unknown event kind " + std::to_string(k), "kind");
    return r.error();
  }
  e.kind = static_cast<EventKind>(k);
  if (!r.bytes(e.name, "name", kMaxNameBytes) || !r.bytes(e.detail, "detail", 1u << 16) || !r.end()) {
    return r.error();
  }
  return e;
}

std::string encode_observation_value(Time recorded, std::string_view payload) {
  std::string out;
  out.reserve(9 + payload.size());
  out.push_back(static_cast<char>(kObservationValueVersion));
  put_u64_be(out, static_cast<std::uint64_t>(std::max<Time>(recorded, 1)));
  out.append(payload);
  return out;
}

std::expected<ObservationValue, DecodeResult> decode_observation_value(std::string_view v) {
  if (v.empty()) return std::unexpected("observation value: truncated at byte 0 (version)");
  const auto version = static_cast<std::uint8_t>(v[0]);
  ObservationValue out;
  std::size_t header = 1;
  if (version == kObservationValueVersion) {
    if (v.size() < 9) return std::unexpected("observation value: truncated at byte 1 (recorded)");
    const std::uint64_t t = get_u64_be(v.substr(1, 8));
    if (t == 0 || t > static_cast<std::uint64_t>(INT64_MAX)) {
      return std::unexpected("observation value: recorded time out of range");
    }
    out.recorded = static_cast<Time>(t);
    header = 9;
  } else if (version != 1) {
    return std::unexpected("observation value: unknown version " + std::to_string(version));
  }
  if (v.size() - header > kMaxBlobBytes) {
    return std::unexpected("observation value: payload over " + std::to_string(kMaxBlobBytes) + " bytes");
  }
  out.payload = v.substr(header);
  return out;
}

std::string encode_u64(std::uint64_t x) {
  std::string out(1, static_cast<char>(kValueVersion));
  put_u64_be(out, x);
  return out;
}

std::expected<std::uint64_t, DecodeResult> decode_u64(std::string_view v) {
  Reader r("u64 value", v);
  if (!r.version()) return r.error();
  if (v.size() != 9) {
    r.fail("size " + std::to_string(v.size()) + " instead of 9", "value");
    return r.error();
  }
  return get_u64_be(v.substr(1));
}

std::string u64_key(std::uint64_t x) {
  std::string out;
  put_u64_be(out, x);
  return out;
}

std::expected<std::uint64_t, DecodeResult> parse_u64_key(std::string_view k) {
  if (k.size() != 8) return std::unexpected("sequence key of " + std::to_string(k.size()) + " bytes instead of 8");
  return get_u64_be(k);
}

std::string by_brand_prefix(std::string_view brand) {
  std::string k(brand);
  k.push_back('\0');
  return k;
}

std::string by_brand_key(std::string_view brand, std::optional<std::uint8_t> score, std::string_view name) {
  std::string k = by_brand_prefix(brand);
  k.push_back(static_cast<char>(score ? 100 - std::min<int>(*score, 100) : 0xff));
  k.append(name);
  return k;
}

std::expected<ByBrandKey, DecodeResult> parse_by_brand_key(std::string_view k) {
  const auto zero = k.find('\0');
  if (zero == std::string_view::npos || zero == 0) return std::unexpected("by_brand key without brand separator");
  if (k.size() < zero + 2) return std::unexpected("by_brand key truncated after brand");
  ByBrandKey out;
  out.brand = k.substr(0, zero);
  const auto rank = static_cast<std::uint8_t>(k[zero + 1]);
  if (rank == 0xff) {
    out.score = std::nullopt;
  } else if (rank <= 100) {
    out.score = static_cast<std::uint8_t>(100 - rank);
  } else {
    return std::unexpected("by_brand key with invalid rank byte " + std::to_string(rank));
  }
  out.name = k.substr(zero + 2);
  if (out.name.empty()) return std::unexpected("by_brand key without name");
  return out;
}

std::string observation_prefix(std::string_view name) {
  std::string k(name);
  k.push_back('\0');
  return k;
}

std::string observation_key(std::string_view name, Time time, ObservationKind kind, std::uint64_t seq) {
  std::string k = observation_prefix(name);
  put_u64_be(k, static_cast<std::uint64_t>(std::max<Time>(time, 0)));
  k.push_back(static_cast<char>(kind));
  if (seq != 0) put_u64_be(k, seq);
  return k;
}

std::expected<ObservationKey, DecodeResult> parse_observation_key(std::string_view k) {
  const auto zero = k.find('\0');
  if (zero == std::string_view::npos || zero == 0) return std::unexpected("observation key without name separator");
  const std::size_t rest = k.size() - zero - 1;
  if (rest != 8 + 1 && rest != 8 + 1 + 8) {
    return std::unexpected("observation key of " + std::to_string(k.size()) + " bytes (expected name + 10 or 18)");
  }
  ObservationKey out;
  out.name = k.substr(0, zero);
  const std::uint64_t t = get_u64_be(k.substr(zero + 1, 8));
  if (t > static_cast<std::uint64_t>(INT64_MAX)) return std::unexpected("observation key time out of range");
  out.time = static_cast<Time>(t);
  const auto kind = static_cast<std::uint8_t>(k[zero + 9]);
  if (kind < 1 || kind > static_cast<std::uint8_t>(ObservationKind::ct)) {
    return std::unexpected("observation key with unknown kind " + std::to_string(kind));
  }
  out.kind = static_cast<ObservationKind>(kind);
  if (rest == 8 + 1 + 8) {
    out.seq = get_u64_be(k.substr(zero + 10, 8));
    if (out.seq == 0) return std::unexpected("observation key with sequence 0");
  }
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

std::expected<std::string, std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::unexpected("odd-length hex string");
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]);
    const int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::unexpected("non-hex digit at position " + std::to_string(hi < 0 ? i : i + 1));
    out.push_back(static_cast<char>((hi << 4) | lo));
  }
  return out;
}

}  // namespace codec
}  // namespace lookalike::index
