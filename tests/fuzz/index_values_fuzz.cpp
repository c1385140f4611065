// Fuzz target: every decoder of a stored index value or key (a corrupt DB value must be an
// error, never a crash). The first byte picks the decoder; decoded values must re-encode and
// decode to themselves, and the candidate merge must be idempotent.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "index/codec.hpp"

namespace codec = lookalike::index::codec;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 9) {
    case 0: {
      auto c = codec::decode_candidate(in);
      if (!c) break;
      auto again = codec::decode_candidate(codec::encode_candidate(*c));
      if (!again || !(*again == *c)) __builtin_trap();
      lookalike::index::Candidate once, twice;
      codec::merge_into(once, *c);
      twice = once;
      codec::merge_into(twice, *c);
      if (!(once == twice)) __builtin_trap();
      break;
    }
    case 1: {
      auto b = codec::decode_brand("example.com", in);
      if (b && !(codec::decode_brand("example.com", codec::encode_brand(*b)) == b)) __builtin_trap();
      break;
    }
    case 2: {
      auto s = codec::decode_ct_state(in);
      if (s && !(codec::decode_ct_state(codec::encode_ct_state(*s)) == s)) __builtin_trap();
      break;
    }
    case 3: {
      auto v = codec::decode_verdict(in);
      if (v && !(codec::decode_verdict(codec::encode_verdict(*v)) == v)) __builtin_trap();
      break;
    }
    case 4: {
      auto e = codec::decode_event(in);
      if (e && !(codec::decode_event(codec::encode_event(*e)) == e)) __builtin_trap();
      break;
    }
    case 5: {
      // Version-2 values (with a recorded time) re-encode to the same bytes.
      auto o = codec::decode_observation_value(in);
      if (o && o->recorded != 0 && codec::encode_observation_value(o->recorded, o->payload) != in) __builtin_trap();
      (void)codec::decode_u64(in);
      break;
    }
    case 6: {
      auto k = codec::parse_by_brand_key(in);
      if (k && codec::by_brand_key(k->brand, k->score, k->name) != in) __builtin_trap();
      break;
    }
    case 7: {
      auto k = codec::parse_observation_key(in);
      if (k && codec::observation_key(k->name, k->time, k->kind, k->seq) != in) __builtin_trap();
      break;
    }
    default:
      (void)codec::parse_u64_key(in);
      (void)codec::validate_key_name(in);
      (void)codec::from_hex(in);
  }
  return 0;
}
