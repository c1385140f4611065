// Fuzz target: a static-ct data tile (a stream of TileLeaf entries) and the names in each entry.
#include <cstddef>
#include <cstdint>
#include <span>

#include "ctlog/ctlog.hpp"
#include "ctlog/entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lookalike::ctlog;
  std::span<const std::uint8_t> in(data, size);
  for (int i = 0; i < 256 && !in.empty(); ++i) {
    const std::size_t before = in.size();
    auto e = parse_tile_entry(in);
    if (!e) break;
    if (in.size() >= before) __builtin_trap();  // must consume input
    (void)tile_leaf_hash(*e);
    (void)certificate_names(e->entry.certificate, e->entry.type == EntryType::precert);
  }
  return 0;
}
