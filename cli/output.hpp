// Output helpers shared by the commands: format names, JSON string escaping, CSV quoting.
#pragma once

#include <expected>
#include <initializer_list>
#include <string>
#include <string_view>

#include "util/csv.hpp"
#include "util/json.hpp"

namespace lookalike::cli {

// Checks `value` against the allowed format names; the error lists them.
std::expected<std::string, std::string> parse_format(std::string_view value, std::initializer_list<std::string_view> allowed);

// JSON string literals and CSV fields: one escaper and one quoting rule for every stage.
using util::append_json_string;
using util::append_csv_field;

}  // namespace lookalike::cli
