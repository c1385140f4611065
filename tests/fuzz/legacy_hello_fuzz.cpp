// Fuzz target: the parser of servers' answers to our SSLv2/SSLv3 ClientHellos (posture/client_hello).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "posture/client_hello.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (const auto protocol : {lookalike::posture::LegacyProtocol::ssl2, lookalike::posture::LegacyProtocol::ssl3}) {
    for (const bool eof : {false, true}) {
      const auto reply = lookalike::posture::parse_legacy_reply(protocol, bytes, eof);
      if (reply.ciphers.size() > bytes.size()) __builtin_trap();  // every cipher comes from the input
    }
  }
  return 0;
}
