// Fuzz target: the parser of servers' answers to our hand-written SSLv2/SSLv3/TLS ClientHellos
// (posture/client_hello).
#include <cstddef>
#include <cstdint>
#include <initializer_list>
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
  for (const std::uint16_t version : std::initializer_list<std::uint16_t>{0x0301, 0x0302, 0x0303}) {
    const auto reply = lookalike::posture::parse_tls_reply(version, bytes, size % 2 == 0);
    if (reply.verdict == lookalike::posture::LegacyHelloReply::Verdict::accepted && reply.ciphers.size() != 1) __builtin_trap();
  }
  return 0;
}
