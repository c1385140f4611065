// Fuzz target: the wire-format rdata readers (TXT, MX, TLSA, A/AAAA) posture applies to answers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "posture/rdata.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto t = lookalike::posture::txt_text(in); t && t->size() > in.size()) __builtin_trap();
  if (auto mx = lookalike::posture::mx_record(in); mx && (mx->host.empty() || mx->host.size() > 253)) __builtin_trap();
  if (auto tlsa = lookalike::posture::tlsa_record(in)) (void)lookalike::posture::to_text(*tlsa);
  (void)lookalike::posture::address_text(in);
  return 0;
}
