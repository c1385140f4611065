// DKIM key records for test zones: a fresh public key at test time, and TXT rdata in zone-file
// form (the posture world and the look-alike mail readiness tests both publish keys).
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <string>
#include <vector>

#include "util/encoding.hpp"

namespace lookalike::test_support {

// "p=" value of a fresh key: RSA of `bits`, or Ed25519 when bits == 0.
inline std::string dkim_public_key(int bits) {
  EVP_PKEY* key = bits == 0 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519") : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
  std::vector<std::uint8_t> der;
  if (bits == 0) {
    std::size_t len = 32;
    der.resize(len);
    EVP_PKEY_get_raw_public_key(key, der.data(), &len);
  } else {
    const int len = i2d_PUBKEY(key, nullptr);
    der.resize(static_cast<std::size_t>(len));
    unsigned char* p = der.data();
    i2d_PUBKEY(key, &p);
  }
  EVP_PKEY_free(key);
  return util::base64_encode(der);
}

// A TXT rdata in zone-file form, split into <= 255-byte character-strings.
inline std::string txt(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 200) out += (out.empty() ? "\"" : " \"") + text.substr(i, 200) + "\"";
  return out.empty() ? "\"\"" : out;
}

}  // namespace lookalike::test_support
