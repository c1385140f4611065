#include "cli/common.hpp"

#include <ostream>

namespace lookalike::cli {

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t comma = s.find(',', start);
    if (comma == std::string_view::npos) comma = s.size();
    std::string_view item = s.substr(start, comma - start);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    start = comma + 1;
  }
  return out;
}

index::Options store_options(const Context& ctx) {
  index::Options o;
  o.observation_retention = std::chrono::days(ctx.retention_days);
  return o;
}

std::optional<index::Store> open_store(Context& ctx, bool write, bool create) {
  index::Options o = store_options(ctx);
  o.read_only = !write;
  o.create_if_missing = create;
  auto s = index::Store::open(ctx.db_path, o);
  if (!s) {
    ctx.err << "lookalike: " << s.error().message << "\n";
    ctx.exit_code = 1;
    return std::nullopt;
  }
  return std::move(*s);
}

void fail(Context& ctx, const index::Error& e) {
  ctx.err << "lookalike: " << e.message << "\n";
  ctx.exit_code = 1;
}

}  // namespace lookalike::cli
