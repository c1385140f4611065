#include "rdap/json_util.hpp"

namespace lookalike::rdap::detail {

simdjson::dom::parser& parser() {
  thread_local simdjson::dom::parser p(kMaxDocument);
  // max_depth is kept by every later reallocation (parser::ensure_capacity).
  thread_local const bool sized = p.allocate(64 * 1024, kMaxJsonDepth) == simdjson::SUCCESS;
  (void)sized;
  return p;
}

simdjson::simdjson_result<simdjson::dom::element> parse(std::string_view json) {
  static constexpr char kEmpty[] = "";
  if (json.size() > kMaxDocument) return simdjson::CAPACITY;
  return parser().parse(json.empty() ? kEmpty : json.data(), json.size());
}

std::string lower(std::string_view s) {
  std::string o(s);
  for (char& c : o) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return o;
}

}  // namespace lookalike::rdap::detail
