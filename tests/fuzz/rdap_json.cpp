// Fuzz target: everything the rdap stage parses from outside: a registry's RDAP domain response,
// the IANA bootstrap file and a cached record read back from the index. A parsed record must
// survive the cache format unchanged.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rdap/rdap.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lookalike::rdap;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto r = parse_domain(in, "example.com")) {
    auto back = from_json(to_json(*r));
    if (!back || !(*back == *r)) __builtin_trap();
  }
  if (auto b = Bootstrap::parse(in)) {
    (void)b->servers_for("www.example.co.uk");
    (void)b->servers_for("com");
  }
  if (auto c = from_json(in)) {
    auto again = from_json(to_json(*c));
    if (!again || !(*again == *c)) __builtin_trap();
  }
  return 0;
}
