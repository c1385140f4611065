// Fuzz target: static-ct checkpoints (signed notes) with and without a matching key ID.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ctlog/ctlog.hpp"
#include "ctlog/signature.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lookalike::ctlog;
  const std::string_view note(reinterpret_cast<const char*>(data), size);
  const Hash log_id{};
  // Take the origin from the note itself so the signature-line search is reached.
  const std::string_view origin = note.substr(0, note.find('\n'));
  if (auto cp = parse_checkpoint(note, origin, log_id)) {
    if (cp->origin != origin) __builtin_trap();
  }
  (void)parse_checkpoint(note, "example.org/log", log_id);
  return 0;
}
