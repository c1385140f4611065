// JSON encoding of the work records (nlohmann::json stays in this file).
#include "queue/work.hpp"

#include <nlohmann/json.hpp>

#include "util/encoding.hpp"

namespace lookalike::queue {
namespace {

using json = nlohmann::json;

// Parses an object; any parse or type error becomes an Error naming the record kind.
template <class T, class F>
std::expected<T, Error> decode(std::string_view text, std::string_view kind, F&& read) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::unexpected(Error{std::string(kind) + " record: not a JSON object"});
  try {
    T r;
    read(j, r);
    return r;
  } catch (const json::exception& e) {
    return std::unexpected(Error{std::string(kind) + " record: " + e.what()});
  }
}

std::string text(const json& j, const char* key) { return j.at(key).get<std::string>(); }

// Integers only: a float (1e300) converted to an integer type would be undefined behaviour.
std::int64_t integer(const json& j, const char* key) {
  const json& v = j.at(key);
  if (!v.is_number_integer()) throw json::type_error::create(302, std::string(key) + " must be an integer", &j);
  return v.get<std::int64_t>();
}

std::uint32_t flags_of(const json& j, const char* key) {
  const json& v = j.at(key);
  if (!v.is_number_unsigned() || v.get<std::uint64_t>() > 0xffffffffULL) {
    throw json::type_error::create(302, std::string(key) + " must be an unsigned 32-bit integer", &j);
  }
  return static_cast<std::uint32_t>(v.get<std::uint64_t>());
}

std::vector<std::string> strings(const json& j, const char* key) {
  if (!j.contains(key)) return {};
  return j.at(key).get<std::vector<std::string>>();
}

json candidate_json(const CandidateRecord& r) {
  return json{{"name", r.name}, {"brands", r.brands}, {"fuzzers", r.fuzzers}};
}

void read_candidate(const json& j, CandidateRecord& r) {
  r.name = text(j, "name");
  if (r.name.empty()) throw json::other_error::create(501, "empty name", &j);
  r.brands = strings(j, "brands");
  r.fuzzers = strings(j, "fuzzers");
}

// A stored JSON text embedded as a value (an object, readable with kafka-read / jq); a text that
// is not JSON is a broken invariant of the writer, kept as a string rather than lost.
json embedded(const std::string& text) {
  json v = json::parse(text, nullptr, false);
  return v.is_discarded() ? json(text) : v;
}

// The JSON object at `key` of `j`, as text (what embedded() reads back).
std::string object_text(const json& j, const char* key) {
  const json& v = j.at(key);
  if (!v.is_object()) throw json::type_error::create(302, std::string(key) + " must be an object", &j);
  return v.dump();
}

}  // namespace

std::string encode(const CandidateRecord& r) { return candidate_json(r).dump(); }

std::string encode(const IndexStateRecord& r) {
  json j = candidate_json(r.candidate);
  j["first_seen"] = r.first_seen;
  j["last_seen"] = r.last_seen;
  if (r.state) j["state"] = json{{"time", r.state->time}, {"dns", r.state->dns}, {"flags", r.state->flags}};
  if (r.probe) j["probe"] = json{{"time", r.probe->time}, {"observation", embedded(r.probe->observation)}};
  return j.dump();
}

static json resolved_json(const ResolvedRecord& r) {
  json j = candidate_json(r.candidate);
  j["time"] = r.time;
  j["dns"] = r.dns;
  j["flags"] = r.flags;
  return j;
}

static void read_resolved(const json& j, ResolvedRecord& r) {
  read_candidate(j, r.candidate);
  r.time = integer(j, "time");
  r.dns = text(j, "dns");
  r.flags = flags_of(j, "flags");
}

std::string encode(const ResolvedRecord& r) { return resolved_json(r).dump(); }

std::string encode(const AlertRecord& r) {
  return json{{"id", r.id}, {"name", r.name}, {"change", r.change}, {"time", r.time}}.dump();
}

std::string encode(const BrandRecord& r) {
  return json{{"domain", r.domain}, {"keywords", r.keywords}, {"owned", r.owned}}.dump();
}

std::string encode(const NameRecord& r) { return json{{"name", r.name}, {"source", r.source}}.dump(); }

std::expected<CandidateRecord, Error> decode_candidate(std::string_view t) {
  return decode<CandidateRecord>(t, "candidate", read_candidate);
}

std::expected<ResolvedRecord, Error> decode_resolved(std::string_view t) {
  return decode<ResolvedRecord>(t, "resolved", read_resolved);
}

std::string encode(const ProbedRecord& r) {
  json j = resolved_json(r.resolved);
  if (!r.probe.empty()) j["probe"] = embedded(r.probe);
  return j.dump();
}

std::expected<ProbedRecord, Error> decode_probed(std::string_view t) {
  return decode<ProbedRecord>(t, "probed", [](const json& j, ProbedRecord& r) {
    read_resolved(j, r.resolved);
    if (j.contains("probe")) r.probe = object_text(j, "probe");
  });
}

std::string encode(const CheckpointRecord& r) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(r.state.data());
  return json{{"log", r.log_id},
              {"name", r.name},
              {"next_index", r.next_index},
              {"state", util::base64_encode(std::span<const std::uint8_t>(bytes, r.state.size()))}}
      .dump();
}

std::expected<CheckpointRecord, Error> decode_checkpoint(std::string_view t) {
  return decode<CheckpointRecord>(t, "checkpoint", [](const json& j, CheckpointRecord& r) {
    r.log_id = text(j, "log");
    r.name = j.contains("name") ? text(j, "name") : std::string();
    const json& n = j.at("next_index");
    if (!n.is_number_unsigned()) throw json::type_error::create(302, "next_index must be an unsigned integer", &j);
    r.next_index = n.get<std::uint64_t>();
    auto bytes = util::base64_decode(text(j, "state"));
    if (!bytes) throw json::other_error::create(501, "state is not base64", &j);
    r.state.assign(bytes->begin(), bytes->end());
  });
}

std::expected<AlertRecord, Error> decode_alert(std::string_view t) {
  return decode<AlertRecord>(t, "alert", [](const json& j, AlertRecord& r) {
    r.id = text(j, "id");
    r.name = text(j, "name");
    r.change = text(j, "change");
    r.time = integer(j, "time");
  });
}

std::expected<BrandRecord, Error> decode_brand(std::string_view t) {
  return decode<BrandRecord>(t, "brand", [](const json& j, BrandRecord& r) {
    r.domain = text(j, "domain");
    r.keywords = strings(j, "keywords");
    r.owned = strings(j, "owned");
  });
}

std::expected<NameRecord, Error> decode_name(std::string_view t) {
  return decode<NameRecord>(t, "name", [](const json& j, NameRecord& r) {
    r.name = text(j, "name");
    r.source = j.contains("source") ? text(j, "source") : std::string();
  });
}

std::expected<IndexStateRecord, Error> decode_index_state(std::string_view t) {
  return decode<IndexStateRecord>(t, "index state", [](const json& j, IndexStateRecord& r) {
    read_candidate(j, r.candidate);
    r.first_seen = integer(j, "first_seen");
    r.last_seen = integer(j, "last_seen");
    if (j.contains("state")) {
      const json& st = j.at("state");
      if (!st.is_object()) throw json::type_error::create(302, "state must be an object", &j);
      r.state = IndexStateRecord::State{integer(st, "time"), text(st, "dns"), flags_of(st, "flags")};
    }
    if (j.contains("probe")) {
      const json& pr = j.at("probe");
      if (!pr.is_object()) throw json::type_error::create(302, "probe must be an object", &j);
      r.probe = IndexStateRecord::Probe{integer(pr, "time"), object_text(pr, "observation")};
    }
  });
}

std::string alert_id(std::string_view name, std::string_view change, std::string_view cause) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](std::string_view s) {
    for (const char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 0x100000001b3ULL;
    }
    h *= 0x100000001b3ULL;  // a 0 byte between fields: ("ab","c") and ("a","bc") differ
  };
  mix(name);
  mix(change);
  mix(cause);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<std::size_t>(i)] = kHex[h & 0xf];
  return out;
}

}  // namespace lookalike::queue
