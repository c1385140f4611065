// Fuzz target: the tag-value list parser (DMARC, TLS-RPT, DKIM keys, BIMI, MTA-STS TXT records)
// and the readers built on it (DMARC policy, DKIM key).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "posture/records.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto tags = lookalike::posture::parse_tags(in)) {
    // Names are unique and non-empty; every one is found again.
    if (tags->size() > 64) __builtin_trap();
    for (const auto& t : *tags)
      if (t.name.empty() || lookalike::posture::find_tag(*tags, t.name) != &t.value) __builtin_trap();
  }
  // The look-alike score's DMARC reader: only the three policies, and only from a tag list.
  if (auto p = lookalike::posture::dmarc_policy(in)) {
    if (*p != "none" && *p != "quarantine" && *p != "reject") __builtin_trap();
    if (!lookalike::posture::parse_tags(in)) __builtin_trap();
  }
  // The DKIM key reader (posture's dkim check and the look-alike score): a key that signs is
  // an RSA or Ed25519 key of a sane size, never a testing one, and only from a tag list.
  if (auto key = lookalike::posture::read_dkim_key(in); key && lookalike::posture::dkim_key_signs(*key)) {
    using Kind = lookalike::posture::DkimKey::Kind;
    if (key->testing || !lookalike::posture::parse_tags(in)) __builtin_trap();
    if (key->kind == Kind::rsa && key->bits < 1024) __builtin_trap();
    if (key->kind != Kind::rsa && key->kind != Kind::ed25519) __builtin_trap();
  }
  return 0;
}
