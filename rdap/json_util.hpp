// Internal helpers of the rdap stage (not part of its API): the simdjson parser with our limits,
// JSON string output and ASCII lower case.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "util/json.hpp"

namespace lookalike::rdap::detail {

inline constexpr std::size_t kMaxDocument = 16u << 20;  // bootstrap files and responses
inline constexpr std::size_t kMaxJsonDepth = 64;        // RDAP objects nest a dozen levels at most

// A per-thread DOM parser refusing documents over kMaxDocument bytes or kMaxJsonDepth levels.
simdjson::dom::parser& parser();
// Parses `json` (never hands simdjson the null pointer an empty view may carry).
simdjson::simdjson_result<simdjson::dom::element> parse(std::string_view json);

// JSON string literals: the escaper every stage shares (see util/json.hpp).
using util::append_json_string;

// ASCII lower case.
[[nodiscard]] std::string lower(std::string_view s);

}  // namespace lookalike::rdap::detail
