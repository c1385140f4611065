// Small helpers shared by the command files: lists, times, opening the store, brands.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/context.hpp"
#include "index/index.hpp"
#include "util/time.hpp"

namespace lookalike::cli {

// Splits "a, b,c" at commas, trimming spaces and dropping empty items.
[[nodiscard]] std::vector<std::string> split_list(std::string_view s);
// "2026-11-28T11:50:00Z" for milliseconds since the Unix epoch.
using util::utc_iso;

// A duration given in (fractional) seconds on the command line, to the millisecond.
[[nodiscard]] inline std::chrono::milliseconds seconds_option(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
}

// The store options every command opens with: the user's --retention, else the defaults.
[[nodiscard]] index::Options store_options(const Context& ctx);

// Opens the store at ctx.db_path (read-only, or read-write creating it when `create`); on failure
// prints the store's one-line error, sets ctx.exit_code = 1 and returns nullopt.
[[nodiscard]] std::optional<index::Store> open_store(Context& ctx, bool write, bool create);
[[nodiscard]] inline std::optional<index::Store> open_store(Context& ctx, bool write) {
  return open_store(ctx, write, write);
}

// Prints a store error as one line and sets ctx.exit_code = 1.
void fail(Context& ctx, const index::Error& e);

}  // namespace lookalike::cli
