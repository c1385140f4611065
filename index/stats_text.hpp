// `lookalike db stats` and `db compact` as text: the per-family table and human-readable sizes.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include "index/index.hpp"

namespace lookalike::index {

// "512 B", "1.5 KiB", "3.2 GiB" (binary units, one decimal above bytes).
[[nodiscard]] std::string human_bytes(std::uint64_t bytes);

// The store at `path`: schema, one line per column family (records, logical bytes, SST bytes),
// the bytes on disk and the last event sequence.
void write_stats(std::ostream& out, std::string_view path, const Stats& stats);

}  // namespace lookalike::index
