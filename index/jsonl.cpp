#include "index/jsonl.hpp"

#include <nlohmann/json.hpp>

#include "index/codec.hpp"

namespace lookalike::index::jsonl {
namespace {

using json = nlohmann::ordered_json;

std::string_view dns_name(DnsOutcome d) {
  switch (d) {
    case DnsOutcome::unknown: return "unknown";
    case DnsOutcome::answer: return "answer";
    case DnsOutcome::nodata: return "nodata";
    case DnsOutcome::nxdomain: return "nxdomain";
    case DnsOutcome::servfail: return "servfail";
    case DnsOutcome::refused: return "refused";
    case DnsOutcome::timeout: return "timeout";
  }
  return "unknown";
}

std::string_view observation_kind_name(ObservationKind k) {
  switch (k) {
    case ObservationKind::dns: return "dns";
    case ObservationKind::probe: return "probe";
    case ObservationKind::rdap: return "rdap";
    case ObservationKind::other: return "other";
    case ObservationKind::ct: return "ct";
  }
  return "other";
}

struct ToJson {
  json operator()(const Meta& m) const { return {{"type", "meta"}, {"format", "lookalike-index"}, {"schema", m.schema}}; }
  json operator()(const Brand& b) const {
    return {{"type", "brand"},         {"domain", b.domain}, {"keywords", b.keywords},
            {"owned", b.owned},        {"tlds", b.tlds},     {"added", b.added}};
  }
  json operator()(const Candidate& c) const {
    json j = {{"type", "candidate"}, {"name", c.name},         {"brands", c.brands},
              {"fuzzers", c.fuzzers}, {"first_seen", c.first_seen}, {"last_seen", c.last_seen}};
    json ct = json::array();
    for (const auto& s : c.ct) {
      ct.push_back({{"log", codec::to_hex(s.log_id)},
                    {"index", s.index},
                    {"cert", codec::to_hex(std::string_view(reinterpret_cast<const char*>(s.cert_sha256.data()),
                                                            s.cert_sha256.size()))}});
    }
    j["ct"] = std::move(ct);
    if (c.state) j["state"] = {{"time", c.state->time}, {"dns", dns_name(c.state->dns)}, {"flags", c.state->flags}};
    if (c.score) {
      j["score"] = {{"value", c.score->value},
                    {"level", c.score->level},
                    {"time", c.score->time},
                    {"reasons", c.score->reasons}};
    }
    return j;
  }
  json operator()(const ObservationRecord& r) const {
    const Observation& o = r.observation;
    return {{"type", "observation"},
            {"name", o.name},
            {"time", o.time},
            {"kind", observation_kind_name(o.kind)},
            {"recorded", r.recorded},
            {"seq", r.seq},
            {"payload", codec::to_hex(o.payload)}};
  }
  json operator()(const CtStateRecord& r) const {
    return {{"type", "ct_state"},
            {"log", codec::to_hex(r.log_id)},
            {"next_index", r.state.next_index},
            {"verified_tree_size", r.state.verified_tree_size},
            {"verified_root", codec::to_hex(r.state.verified_root)},
            {"last_sth", codec::to_hex(r.state.last_sth)},
            {"updated", r.state.updated}};
  }
  json operator()(const VerdictRecord& r) const {
    return {{"type", "verdict"},
            {"name", r.name},
            {"decision", decision_name(r.verdict.decision)},
            {"note", r.verdict.note},
            {"time", r.verdict.time}};
  }
  json operator()(const Event& e) const {
    return {{"type", "event"},        {"seq", e.seq},   {"time", e.time},
            {"kind", event_kind_name(e.kind)}, {"name", e.name}, {"detail", codec::to_hex(e.detail)}};
  }
  json operator()(const AckRecord& a) const { return {{"type", "ack"}, {"consumer", a.consumer}, {"seq", a.seq}}; }
  json operator()(const FeedStateRecord& r) const {
    return {{"type", "feed_state"}, {"source", r.source}, {"value", r.value}};
  }
  json operator()(const PostureRunRecord& r) const {
    return {{"type", "posture_run"}, {"domain", r.domain}, {"time", r.time}, {"payload", codec::to_hex(r.payload)}};
  }
};

// Field access that reports the field at fault instead of throwing.
class Fields {
 public:
  explicit Fields(const json& j) : j_(j) {}

  const json* find(const char* key, bool required) {
    const auto it = j_.find(key);
    if (it == j_.end()) {
      if (required) fail(std::string("missing \"") + key + "\"");
      return nullptr;
    }
    return &*it;
  }
  std::string str(const char* key, bool required = true, std::size_t max = codec::kMaxStringBytes) {
    const json* v = find(key, required);
    if (v == nullptr) return {};
    if (!v->is_string()) return fail(std::string("\"") + key + "\" is not a string"), std::string();
    const auto& s = v->get_ref<const std::string&>();
    if (s.size() > max) return fail(std::string("\"") + key + "\" longer than " + std::to_string(max)), std::string();
    return s;
  }
  std::string hex(const char* key, bool required = true, std::size_t max = codec::kMaxBlobBytes) {
    const std::string h = str(key, required, max * 2);
    auto b = codec::from_hex(h);
    if (!b) return fail(std::string("\"") + key + "\": " + b.error()), std::string();
    return *b;
  }
  std::uint64_t u64(const char* key, bool required = true, std::uint64_t max = UINT64_MAX) {
    const json* v = find(key, required);
    if (v == nullptr) return 0;
    if (!v->is_number_unsigned()) {
      // nlohmann stores non-negative literals as unsigned; anything else is wrong here.
      return fail(std::string("\"") + key + "\" is not a non-negative integer"), 0;
    }
    const auto x = v->get<std::uint64_t>();
    if (x > max) return fail(std::string("\"") + key + "\" out of range"), 0;
    return x;
  }
  Time time(const char* key, bool required = true) {
    const json* v = find(key, required);
    if (v == nullptr) return 0;
    if (v->is_number_unsigned()) {
      const auto x = v->get<std::uint64_t>();
      if (x > static_cast<std::uint64_t>(INT64_MAX)) return fail(std::string("\"") + key + "\" out of range"), 0;
      return static_cast<Time>(x);
    }
    if (v->is_number_integer()) return v->get<std::int64_t>();
    return fail(std::string("\"") + key + "\" is not an integer"), 0;
  }
  std::vector<std::string> strings(const char* key, bool names, bool required = true) {
    std::vector<std::string> out;
    const json* v = find(key, required);
    if (v == nullptr) return out;
    if (!v->is_array() || v->size() > codec::kMaxListItems) {
      return fail(std::string("\"") + key + "\" is not an array of at most 4096 strings"), out;
    }
    for (const auto& e : *v) {
      if (!e.is_string()) return fail(std::string("\"") + key + "\" holds a non-string"), out;
      const auto& s = e.get_ref<const std::string&>();
      if (names) {
        if (auto ok = codec::validate_key_name(s); !ok) {
          return fail(std::string("\"") + key + "\": " + ok.error()), out;
        }
      } else if (s.empty() || s.size() > codec::kMaxStringBytes) {
        return fail(std::string("\"") + key + "\" holds an empty or over-long string"), out;
      }
      out.push_back(s);
    }
    return out;
  }
  std::string name(const char* key) {
    std::string s = str(key, true, codec::kMaxNameBytes);
    if (ok()) {
      if (auto v = codec::validate_key_name(s); !v) fail(std::string("\"") + key + "\": " + v.error());
    }
    return s;
  }
  void fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
  }
  [[nodiscard]] bool ok() const { return error_.empty(); }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  const json& j_;
  std::string error_;
};

std::expected<Record, std::string> parse_object(const json& j) {
  Fields f(j);
  const std::string type = f.str("type");
  if (!f.ok()) return std::unexpected(f.error());
  auto done = [&f](Record r) -> std::expected<Record, std::string> {
    if (!f.ok()) return std::unexpected(f.error());
    return r;
  };
  if (type == "meta") {
    Meta m;
    m.schema = static_cast<std::uint32_t>(f.u64("schema", true, UINT32_MAX));
    if (f.ok() && f.str("format") != "lookalike-index") f.fail("\"format\" is not \"lookalike-index\"");
    return done(m);
  }
  if (type == "brand") {
    Brand b;
    b.domain = f.name("domain");
    b.keywords = f.strings("keywords", false, false);
    b.owned = f.strings("owned", true, false);
    b.tlds = f.str("tlds", false);
    b.added = f.time("added", false);
    return done(b);
  }
  if (type == "candidate") {
    Candidate c;
    c.name = f.name("name");
    c.brands = f.strings("brands", true, false);
    c.fuzzers = f.strings("fuzzers", false, false);
    for (const auto& z : c.fuzzers) {
      if (z.size() > 64) f.fail("\"fuzzers\" holds a name over 64 bytes");
    }
    c.first_seen = f.time("first_seen", false);
    c.last_seen = f.time("last_seen", false);
    if (const json* ct = f.find("ct", false); ct != nullptr) {
      if (!ct->is_array() || ct->size() > codec::kMaxListItems) return std::unexpected("\"ct\" is not an array");
      for (const auto& e : *ct) {
        if (!e.is_object()) return std::unexpected("\"ct\" holds a non-object");
        Fields g(e);
        CtSighting s;
        s.log_id = g.hex("log", true, 256);
        s.index = g.u64("index");
        const std::string cert = g.hex("cert");
        if (g.ok() && cert.size() != 32) g.fail("\"cert\" is not 32 bytes");
        if (!g.ok()) return std::unexpected("\"ct\": " + g.error());
        std::copy(cert.begin(), cert.end(), reinterpret_cast<char*>(s.cert_sha256.data()));
        c.ct.push_back(std::move(s));
      }
    }
    if (const json* st = f.find("state", false); st != nullptr) {
      if (!st->is_object()) return std::unexpected("\"state\" is not an object");
      Fields g(*st);
      StateSummary s;
      s.time = g.time("time");
      const std::string dns = g.str("dns");
      bool known = false;
      for (int d = 0; d <= static_cast<int>(DnsOutcome::timeout); ++d) {
        if (dns_name(static_cast<DnsOutcome>(d)) == dns) {
          s.dns = static_cast<DnsOutcome>(d);
          known = true;
        }
      }
      if (g.ok() && !known) g.fail("unknown \"dns\" outcome \"" + dns + "\"");
      s.flags = static_cast<std::uint32_t>(g.u64("flags", true, UINT32_MAX));
      if (!g.ok()) return std::unexpected("\"state\": " + g.error());
      c.state = s;
    }
    if (const json* sc = f.find("score", false); sc != nullptr) {
      if (!sc->is_object()) return std::unexpected("\"score\" is not an object");
      Fields g(*sc);
      Score s;
      s.value = static_cast<std::uint8_t>(g.u64("value", true, 100));
      s.level = static_cast<std::uint8_t>(g.u64("level", true, 255));
      s.time = g.time("time");
      s.reasons = g.strings("reasons", false, false);
      if (!g.ok()) return std::unexpected("\"score\": " + g.error());
      c.score = std::move(s);
    }
    codec::normalize(c);
    return done(c);
  }
  if (type == "observation") {
    ObservationRecord r;
    Observation& o = r.observation;
    o.name = f.name("name");
    o.time = f.time("time");
    const std::string kind = f.str("kind");
    bool known = false;
    for (auto k : {ObservationKind::dns, ObservationKind::probe, ObservationKind::rdap, ObservationKind::other,
                   ObservationKind::ct}) {
      if (observation_kind_name(k) == kind) {
        o.kind = k;
        known = true;
      }
    }
    if (f.ok() && !known) f.fail("unknown observation \"kind\" \"" + kind + "\"");
    if (f.ok() && o.time < 0) f.fail("\"time\" is negative");
    // Exports of schema <= 2 have neither: recorded = the import, seq = the older key form.
    r.recorded = f.time("recorded", false);
    if (f.ok() && r.recorded < 0) f.fail("\"recorded\" is negative");
    r.seq = f.u64("seq", false);
    o.payload = f.hex("payload");
    return done(r);
  }
  if (type == "ct_state") {
    CtStateRecord r;
    r.log_id = f.hex("log", true, 256);
    if (f.ok() && r.log_id.empty()) f.fail("\"log\" is empty");
    r.state.next_index = f.u64("next_index");
    r.state.verified_tree_size = f.u64("verified_tree_size");
    r.state.verified_root = f.hex("verified_root", true, 64);
    r.state.last_sth = f.hex("last_sth", true, 1u << 16);
    r.state.updated = f.time("updated", false);
    return done(r);
  }
  if (type == "verdict") {
    VerdictRecord r;
    r.name = f.name("name");
    const std::string d = f.str("decision");
    if (f.ok()) {
      if (auto dec = parse_decision(d)) {
        r.verdict.decision = *dec;
      } else {
        f.fail(dec.error());
      }
    }
    r.verdict.note = f.str("note", false, 1u << 16);
    r.verdict.time = f.time("time", false);
    return done(r);
  }
  if (type == "event") {
    Event e;
    e.seq = f.u64("seq");
    if (f.ok() && e.seq == 0) f.fail("\"seq\" is 0 (sequences start at 1)");
    e.time = f.time("time");
    const std::string kind = f.str("kind");
    bool known = false;
    for (auto k : kEventKinds) {
      if (event_kind_name(k) == kind) {
        e.kind = k;
        known = true;
      }
    }
    if (f.ok() && !known) f.fail("unknown event \"kind\" \"" + kind + "\"");
    e.name = f.str("name", true, codec::kMaxNameBytes);
    e.detail = f.hex("detail", true, 1u << 16);
    return done(e);
  }
  if (type == "feed_state") {
    FeedStateRecord r;
    r.source = f.str("source", true, 256);
    if (f.ok() && r.source.empty()) f.fail("\"source\" is empty");
    r.value = f.str("value", true, 1u << 16);
    return done(r);
  }
  if (type == "posture_run") {
    PostureRunRecord r;
    r.domain = f.name("domain");
    r.time = f.time("time");
    r.payload = f.hex("payload", true, codec::kMaxPostureRunBytes);
    return done(r);
  }
  if (type == "ack") {
    AckRecord a;
    a.consumer = f.name("consumer");
    a.seq = f.u64("seq");
    return done(a);
  }
  return std::unexpected("unknown record type \"" + type + "\"");
}

}  // namespace

std::string to_line(const Record& r) {
  return std::visit(ToJson{}, r).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::expected<Record, std::string> parse_line(std::string_view line) {
  json j = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::unexpected(std::string("not valid JSON"));
  if (!j.is_object()) return std::unexpected(std::string("not a JSON object"));
  try {
    return parse_object(j);
  } catch (const json::exception& e) {
    // Field access above checks types first; this only guards against a missed case.
    return std::unexpected(std::string("malformed record: ") + e.what());
  }
}

}  // namespace lookalike::index::jsonl
