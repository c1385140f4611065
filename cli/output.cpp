#include "cli/output.hpp"

#include "domain/domain.hpp"

namespace lookalike::cli {

std::expected<std::string, std::string> parse_format(std::string_view value, std::initializer_list<std::string_view> allowed) {
  std::string list;
  for (std::string_view a : allowed) {
    if (a == value) return std::string(value);
    if (!list.empty()) list += ", ";
    list += a;
  }
  return std::unexpected("unknown format \"" + std::string(value) + "\" (use " + list + ")");
}

}  // namespace lookalike::cli
