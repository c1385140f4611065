// Fuzz target: one line of `lookalike db import` input. A parsed record must print back to a
// line that parses to the same record.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "index/jsonl.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = lookalike::index::jsonl::parse_line(in);
  if (!r) return 0;
  auto again = lookalike::index::jsonl::parse_line(lookalike::index::jsonl::to_line(*r));
  if (!again) __builtin_trap();
  // Invalid UTF-8 in free text is replaced on output, so the first printed form is canonical:
  // printing what was read back must give exactly the same line.
  if (lookalike::index::jsonl::to_line(*again) != lookalike::index::jsonl::to_line(*r)) __builtin_trap();
  return 0;
}
