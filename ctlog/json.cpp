// JSON bodies from logs (get-sth, get-entries, get-sth-consistency) and log list v3, via simdjson.
#include <simdjson.h>

#include <cstring>

#include "ctlog/ctlog.hpp"
#include "ctlog/json.hpp"
#include "ctlog/signature.hpp"
#include "util/encoding.hpp"

namespace lookalike::ctlog {
namespace {

simdjson::dom::parser& parser() {
  thread_local simdjson::dom::parser p;
  return p;
}

std::unexpected<Error> json_error(std::string_view what, simdjson::error_code ec) {
  return std::unexpected(Error{std::string(what) + ": " + simdjson::error_message(ec)});
}

std::expected<Hash, Error> hash_field(simdjson::dom::element e, std::string_view field, std::string_view what) {
  std::string_view s;
  if (auto ec = e[field].get_string().get(s)) return json_error(std::string(what) + "." + std::string(field), ec);
  auto b = util::base64_decode(s);
  if (!b || b->size() != 32) return std::unexpected(Error{std::string(what) + "." + std::string(field) + ": not a base64 SHA-256"});
  Hash h;
  std::memcpy(h.data(), b->data(), 32);
  return h;
}

// simdjson copies its input with memcpy: never hand it the null pointer an empty view may carry.
simdjson::simdjson_result<simdjson::dom::element> parse_json(std::string_view json) {
  static constexpr char kEmpty[] = "";
  return parser().parse(json.empty() ? kEmpty : json.data(), json.size());
}

std::string lower(std::string_view s) {
  std::string o(s);
  for (char& c : o) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return o;
}

}  // namespace

std::expected<SignedTreeHead, Error> parse_sth_json(std::string_view json) {
  simdjson::dom::element doc;
  if (auto ec = parse_json(json).get(doc)) return json_error("get-sth", ec);
  SignedTreeHead sth;
  if (auto ec = doc["tree_size"].get_uint64().get(sth.tree_size)) return json_error("get-sth.tree_size", ec);
  if (auto ec = doc["timestamp"].get_uint64().get(sth.timestamp)) return json_error("get-sth.timestamp", ec);
  auto root = hash_field(doc, "sha256_root_hash", "get-sth");
  if (!root) return std::unexpected(root.error());
  sth.root = *root;
  std::string_view sig;
  if (auto ec = doc["tree_head_signature"].get_string().get(sig)) return json_error("get-sth.tree_head_signature", ec);
  auto s = util::base64_decode(sig);
  if (!s) return std::unexpected(Error{"get-sth.tree_head_signature: not base64"});
  sth.signature = std::move(*s);
  return sth;
}

std::expected<std::vector<RawEntry>, Error> parse_get_entries_json(std::string_view json) {
  simdjson::dom::element doc;
  if (auto ec = parse_json(json).get(doc)) return json_error("get-entries", ec);
  simdjson::dom::array entries;
  if (auto ec = doc["entries"].get_array().get(entries)) return json_error("get-entries.entries", ec);
  std::vector<RawEntry> out;
  out.reserve(entries.size());
  std::size_t i = 0;
  for (simdjson::dom::element e : entries) {
    std::string_view leaf, extra;
    const std::string where = "get-entries.entries[" + std::to_string(i) + "]";
    if (auto ec = e["leaf_input"].get_string().get(leaf)) return json_error(where + ".leaf_input", ec);
    if (auto ec = e["extra_data"].get_string().get(extra)) return json_error(where + ".extra_data", ec);
    auto l = util::base64_decode(leaf);
    auto x = util::base64_decode(extra);
    if (!l) return std::unexpected(Error{where + ".leaf_input: not base64"});
    if (!x) return std::unexpected(Error{where + ".extra_data: not base64"});
    out.push_back(RawEntry{std::move(*l), std::move(*x)});
    ++i;
  }
  return out;
}

std::expected<std::vector<Hash>, Error> parse_consistency_json(std::string_view json) {
  simdjson::dom::element doc;
  if (auto ec = parse_json(json).get(doc)) return json_error("get-sth-consistency", ec);
  simdjson::dom::array arr;
  if (auto ec = doc["consistency"].get_array().get(arr)) return json_error("get-sth-consistency.consistency", ec);
  std::vector<Hash> out;
  for (simdjson::dom::element e : arr) {
    std::string_view s;
    if (auto ec = e.get_string().get(s)) return json_error("get-sth-consistency.consistency[]", ec);
    auto b = util::base64_decode(s);
    if (!b || b->size() != 32) return std::unexpected(Error{"get-sth-consistency: hash is not base64 SHA-256"});
    Hash h;
    std::memcpy(h.data(), b->data(), 32);
    out.push_back(h);
  }
  if (out.size() > 64) return std::unexpected(Error{"get-sth-consistency: more than 64 hashes"});
  return out;
}

bool LogInfo::followed_by_default() const {
  return state == "usable" || state == "qualified" || state == "readonly";
}

std::string LogInfo::short_name() const {
  // "Google 'Argon2020' log" -> "Argon2020"; otherwise the description itself.
  // The quoted name is the last quoted part ("Let's Encrypt 'Oak2026h1'" has an apostrophe).
  const std::size_t b = description.rfind('\'');
  const std::size_t a = b == std::string::npos || b == 0 ? std::string::npos : description.rfind('\'', b - 1);
  if (a != std::string::npos && b > a + 1) return description.substr(a + 1, b - a - 1);
  return description;
}

std::expected<LogList, Error> parse_log_list(std::string_view json) {
  simdjson::dom::element doc;
  if (auto ec = parse_json(json).get(doc)) return json_error("log list", ec);
  LogList list;
  std::string_view sv;
  if (doc["version"].get_string().get(sv) == simdjson::SUCCESS) list.version = std::string(sv);
  if (doc["log_list_timestamp"].get_string().get(sv) == simdjson::SUCCESS) list.timestamp = std::string(sv);
  simdjson::dom::array ops;
  if (auto ec = doc["operators"].get_array().get(ops)) return json_error("log list.operators", ec);
  for (simdjson::dom::element op : ops) {
    std::string op_name;
    if (op["name"].get_string().get(sv) == simdjson::SUCCESS) op_name = std::string(sv);
    for (const bool tiled : {false, true}) {
      simdjson::dom::array logs;
      if (op[tiled ? "tiled_logs" : "logs"].get_array().get(logs) != simdjson::SUCCESS) continue;
      for (simdjson::dom::element l : logs) {
        LogInfo info;
        info.operator_name = op_name;
        info.api = tiled ? "static-ct" : "rfc6962";  // the list's two arrays: the two APIs
        const std::string where = "log list: operator \"" + op_name + "\" log " + std::to_string(list.logs.size());
        if (l["description"].get_string().get(sv) == simdjson::SUCCESS) info.description = std::string(sv);
        if (auto ec = l["log_id"].get_string().get(sv)) return json_error(where + ".log_id", ec);
        info.log_id_b64 = std::string(sv);
        if (auto ec = l["key"].get_string().get(sv)) return json_error(where + ".key", ec);
        auto key = util::base64_decode(sv);
        if (!key) return std::unexpected(Error{where + ".key: not base64"});
        info.key_der = std::move(*key);
        if (tiled) {
          if (auto ec = l["monitoring_url"].get_string().get(sv)) return json_error(where + ".monitoring_url", ec);
          info.url = std::string(sv);
          if (l["submission_url"].get_string().get(sv) == simdjson::SUCCESS) info.submission_url = std::string(sv);
        } else {
          if (auto ec = l["url"].get_string().get(sv)) return json_error(where + ".url", ec);
          info.url = std::string(sv);
        }
        if (!info.url.ends_with('/')) info.url += '/';
        std::uint64_t mmd = 0;
        if (l["mmd"].get_uint64().get(mmd) == simdjson::SUCCESS) info.mmd = static_cast<std::uint32_t>(mmd);
        simdjson::dom::object st;
        if (l["state"].get_object().get(st) == simdjson::SUCCESS) {
          for (auto field : st) {
            info.state = lower(field.key);
            break;
          }
        }
        list.logs.push_back(std::move(info));
      }
    }
  }
  return list;
}

}  // namespace lookalike::ctlog
