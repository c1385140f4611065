#pragma once
// Small text helpers shared by every folder that writes lists for people to read.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::util {

// The first `limit` items joined with `sep`.
[[nodiscard]] std::string join(const std::vector<std::string>& items, std::string_view sep = ",",
                               std::size_t limit = SIZE_MAX);

}  // namespace lookalike::util
