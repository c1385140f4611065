// The work-topic records (queue/work.hpp) read from Kafka: any bytes either decode or give an
// Error value (never throw, crash or leak), and whatever decodes re-encodes to an equal record.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "queue/work.hpp"

namespace {

template <class Decode>
void round_trip(std::string_view in, Decode decode) {
  auto r = decode(in);
  if (!r) return;
  auto again = decode(lookalike::queue::encode(*r));
  if (!again || !(*again == *r)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace q = lookalike::queue;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  round_trip(in, q::decode_candidate);
  round_trip(in, q::decode_resolved);
  round_trip(in, q::decode_alert);
  round_trip(in, q::decode_brand);
  round_trip(in, q::decode_name);
  round_trip(in, q::decode_index_state);
  round_trip(in, q::decode_probed);
  round_trip(in, q::decode_checkpoint);
  return 0;
}
