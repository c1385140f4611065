// Fuzz target: the domain-name parser (what users type, names from CT and feeds).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "domain/domain.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto n = lookalike::domain::parse(in)) {
    // A parsed name must be valid, and re-parsing its canonical forms must give the same name.
    if (!lookalike::domain::validate_ascii(n->ascii)) __builtin_trap();
    auto again = lookalike::domain::parse(n->ascii);
    if (!again || again->ascii != n->ascii || again->unicode != n->unicode) __builtin_trap();
  } else {
    (void)n.error().message();
  }
  (void)lookalike::domain::validate_ascii(in);
  return 0;
}
