// Internal to ctlog/: the JSON bodies of RFC 6962 logs (get-sth, get-entries,
// get-sth-consistency), via simdjson (the log list parser is declared in ctlog.hpp).
#pragma once

#include <expected>
#include <string_view>
#include <vector>

#include "ctlog/ctlog.hpp"
#include "ctlog/signature.hpp"

namespace lookalike::ctlog {

// Parses a get-sth JSON body.
[[nodiscard]] std::expected<SignedTreeHead, Error> parse_sth_json(std::string_view json);

// Parses a get-entries JSON body into (leaf_input, extra_data) pairs.
struct RawEntry {
  Bytes leaf_input;
  Bytes extra_data;
};
[[nodiscard]] std::expected<std::vector<RawEntry>, Error> parse_get_entries_json(std::string_view json);
// Parses a get-sth-consistency JSON body.
[[nodiscard]] std::expected<std::vector<Hash>, Error> parse_consistency_json(std::string_view json);

}  // namespace lookalike::ctlog
