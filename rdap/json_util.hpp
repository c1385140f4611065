// Internal helpers of the rdap stage (not part of its API): the simdjson parser with our limits,
// JSON string output and RFC 3339 times.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "domain/domain.hpp"

namespace lookalike::rdap::detail {

inline constexpr std::size_t kMaxDocument = 16u << 20;  // bootstrap files and responses
inline constexpr std::size_t kMaxJsonDepth = 64;        // RDAP objects nest a dozen levels at most

// A per-thread DOM parser refusing documents over kMaxDocument bytes or kMaxJsonDepth levels.
simdjson::dom::parser& parser();
// Parses `json` (never hands simdjson the null pointer an empty view may carry).
simdjson::simdjson_result<simdjson::dom::element> parse(std::string_view json);

// JSON string literals: the escaper every stage shares (see domain.hpp).
using domain::append_json_string;

// RFC 3339 date-time ("2024-03-05T14:12:09Z", "…T14:12:09.5+02:00") to Unix milliseconds.
[[nodiscard]] std::optional<std::int64_t> parse_rfc3339(std::string_view s);
// Unix milliseconds to "2024-03-05T14:12:09Z" (".123Z" when there are milliseconds).
[[nodiscard]] std::string format_rfc3339(std::int64_t ms);

// ASCII lower case.
[[nodiscard]] std::string lower(std::string_view s);

}  // namespace lookalike::rdap::detail
