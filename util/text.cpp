#include "util/text.hpp"

namespace lookalike::util {

std::string join(const std::vector<std::string>& items, std::string_view sep, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < limit; ++i) {
    if (i != 0) out += sep;
    out += items[i];
  }
  return out;
}

}  // namespace lookalike::util
