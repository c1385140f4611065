#include "posture/client_hello.hpp"

#include <array>

namespace lookalike::posture {
namespace {

using Verdict = LegacyHelloReply::Verdict;

// SSLv3 cipher suites (RFC 6101 appendix A.6 plus the AES/ECDHE suites SSLv3 stacks also took),
// strongest first, so an SSLv3 server that answers at all has something to pick.
constexpr std::array<std::uint16_t, 24> kSsl3Suites = {
    0xc014, 0xc00a, 0xc013, 0xc009, 0x0039, 0x0038, 0x0035, 0x0033, 0x0032, 0x002f, 0x0016, 0x0013,
    0x000a, 0x0005, 0x0004, 0x0015, 0x0012, 0x0009, 0x0014, 0x0011, 0x0008, 0x0006, 0x0003, 0x0000};

// SSLv2 cipher kinds (SSLv2 draft, appendix): RC4, RC4 export, RC2, RC2 export, IDEA, DES, 3DES.
constexpr std::array<std::uint32_t, 7> kSsl2Kinds = {0x010080, 0x020080, 0x030080, 0x040080,
                                                     0x050080, 0x060040, 0x0700c0};

void put16(std::string& out, std::size_t v) {
  out += static_cast<char>((v >> 8) & 0xff);
  out += static_cast<char>(v & 0xff);
}

void put24(std::string& out, std::size_t v) {
  out += static_cast<char>((v >> 16) & 0xff);
  put16(out, v & 0xffff);
}

std::string fill(std::string_view random, std::size_t n) {
  std::string out;
  while (out.size() < n) out += random.empty() ? std::string_view("\x5a") : random;
  out.resize(n);
  return out;
}

std::uint8_t byte(std::string_view d, std::size_t i) { return static_cast<std::uint8_t>(d[i]); }
std::uint16_t be16(std::string_view d, std::size_t i) {
  return static_cast<std::uint16_t>((byte(d, i) << 8) | byte(d, i + 1));
}

std::string_view alert_name(std::uint8_t description) {
  switch (description) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 40: return "handshake_failure";
    case 47: return "illegal_parameter";
    case 50: return "decode_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    default: return "alert";
  }
}

std::string version_name(std::uint16_t v) {
  switch (v) {
    case 0x0002: return "SSLv2";
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLSv1.0";
    case 0x0302: return "TLSv1.1";
    case 0x0303: return "TLSv1.2";
    case 0x0304: return "TLSv1.3";
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      std::string s = "0x";
      for (int shift = 12; shift >= 0; shift -= 4) s += kHex[(v >> shift) & 15];
      return s;
    }
  }
}

LegacyHelloReply verdict(Verdict v, std::string detail) {
  LegacyHelloReply r;
  r.verdict = v;
  r.detail = std::move(detail);
  return r;
}

LegacyHelloReply closed_or_incomplete(bool eof, std::string_view data) {
  if (!eof) return verdict(Verdict::incomplete, "");
  return verdict(Verdict::refused, data.empty() ? "connection closed" : "connection closed mid-message");
}

// A TLS-framed answer (SSLv3, TLS, or a modern server answering an SSLv2 hello): an alert, or the
// ServerHello at the start of the first handshake record. `offered`: the version asked for (0
// for SSLv2, which a TLS-framed answer never accepts).
LegacyHelloReply parse_tls_record(std::uint16_t offered, std::string_view d, bool eof) {
  if (d.size() < 5) return closed_or_incomplete(eof, d);
  const std::uint8_t type = byte(d, 0);
  const std::uint16_t record_version = be16(d, 1);
  const std::size_t length = be16(d, 3);
  if ((record_version >> 8) != 0x03 || length == 0 || length > 16384 + 2048) {
    return verdict(Verdict::malformed, "not a TLS record");
  }
  const std::string_view body = d.substr(5, length);
  if (type == 0x15) {
    if (body.size() < 2) return closed_or_incomplete(eof, d);
    auto r = verdict(Verdict::refused, "alert " + std::to_string(byte(body, 0)) + "/" + std::to_string(byte(body, 1)) +
                                           " " + std::string(alert_name(byte(body, 1))));
    r.version = record_version;
    return r;
  }
  if (type != 0x16) return verdict(Verdict::malformed, "unexpected record type " + std::to_string(type));
  // ServerHello: type(1) length(3) version(2) random(32) session_id(1+n) suite(2). Servers send
  // it whole in the first record; one split across records is treated as malformed.
  if (!body.empty() && byte(body, 0) != 0x02) {
    return verdict(Verdict::malformed, "first handshake message is not a ServerHello");
  }
  const bool record_complete = body.size() == length;
  auto short_hello = [&] {
    return record_complete ? verdict(Verdict::malformed, "ServerHello cut short by its record")
                           : closed_or_incomplete(eof, d);
  };
  if (body.size() < 4 + 2 + 32 + 1) return short_hello();
  const std::uint16_t version = be16(body, 4);
  const std::size_t sid = byte(body, 38);
  if (sid > 32) return verdict(Verdict::malformed, "session id longer than 32 bytes");
  if (body.size() < 39 + sid + 2) return short_hello();
  LegacyHelloReply r;
  r.version = version;
  r.ciphers.push_back(be16(body, 39 + sid));
  const bool match = offered != 0 && version == offered;
  r.verdict = match ? Verdict::accepted : Verdict::refused;
  r.detail = "ServerHello " + version_name(version);
  return r;
}

// An SSLv2 record: 2-byte header (high bit set) or 3-byte header (with padding).
LegacyHelloReply parse_ssl2(std::string_view d, bool eof) {
  if (d.size() < 3) return closed_or_incomplete(eof, d);
  std::size_t header = 0, length = 0;
  if ((byte(d, 0) & 0x80) != 0) {
    header = 2;
    length = static_cast<std::size_t>(((byte(d, 0) & 0x7f) << 8) | byte(d, 1));
  } else {
    header = 3;
    length = static_cast<std::size_t>(((byte(d, 0) & 0x3f) << 8) | byte(d, 1));
  }
  if (length < 1) return verdict(Verdict::malformed, "empty SSLv2 record");
  if (d.size() < header + 1) return closed_or_incomplete(eof, d);
  const std::string_view body = d.substr(header, length);
  if (byte(body, 0) == 0x00) {
    if (body.size() < 3) return closed_or_incomplete(eof, d);
    // SSLv2 ERROR message: 2-byte error code.
    return verdict(Verdict::refused, "SSLv2 error " + std::to_string(be16(body, 1)));
  }
  if (byte(body, 0) != 0x04) return verdict(Verdict::malformed, "not an SSLv2 SERVER-HELLO");
  // SERVER-HELLO: type(1) session-id-hit(1) cert-type(1) version(2) cert-len(2) specs-len(2) conn-id-len(2).
  if (body.size() < 11) return closed_or_incomplete(eof, d);
  const std::uint16_t version = be16(body, 3);
  const std::size_t cert_len = be16(body, 5);
  const std::size_t specs_len = be16(body, 7);
  if (specs_len % 3 != 0) return verdict(Verdict::malformed, "SSLv2 cipher specs not a multiple of 3 bytes");
  if (11 + cert_len + specs_len > length) return verdict(Verdict::malformed, "SSLv2 SERVER-HELLO lengths exceed record");
  if (body.size() < 11 + cert_len + specs_len) return closed_or_incomplete(eof, d);
  LegacyHelloReply r;
  r.version = version;
  for (std::size_t i = 11 + cert_len; i + 3 <= 11 + cert_len + specs_len; i += 3) {
    r.ciphers.push_back((static_cast<std::uint32_t>(byte(body, i)) << 16) | be16(body, i + 1));
  }
  r.verdict = version == 0x0002 ? Verdict::accepted : Verdict::refused;
  r.detail = "SSLv2 SERVER-HELLO version " + version_name(version) + ", " + std::to_string(r.ciphers.size()) +
             " cipher kinds";
  return r;
}

constexpr LegacySuite kLegacySuites[] = {
    // code, name, bits, forward secret, anonymous, rc4, 3des, export
    {0x0003, "EXP-RC4-MD5", 40, false, false, true, false, true},
    {0x0004, "RC4-MD5", 128, false, false, true, false, false},
    {0x0005, "RC4-SHA", 128, false, false, true, false, false},
    {0x0006, "EXP-RC2-CBC-MD5", 40, false, false, false, false, true},
    {0x0007, "IDEA-CBC-SHA", 128, false, false, false, false, false},
    {0x0008, "EXP-DES-CBC-SHA", 40, false, false, false, false, true},
    {0x0009, "DES-CBC-SHA", 56, false, false, false, false, false},
    {0x000a, "DES-CBC3-SHA", 112, false, false, false, true, false},
    {0x0011, "EXP-DHE-DSS-DES-CBC-SHA", 40, true, false, false, false, true},
    {0x0012, "DHE-DSS-DES-CBC-SHA", 56, true, false, false, false, false},
    {0x0013, "DHE-DSS-DES-CBC3-SHA", 112, true, false, false, true, false},
    {0x0014, "EXP-DHE-RSA-DES-CBC-SHA", 40, true, false, false, false, true},
    {0x0015, "DHE-RSA-DES-CBC-SHA", 56, true, false, false, false, false},
    {0x0016, "DHE-RSA-DES-CBC3-SHA", 112, true, false, false, true, false},
    {0x0017, "EXP-ADH-RC4-MD5", 40, false, true, true, false, true},
    {0x0018, "ADH-RC4-MD5", 128, false, true, true, false, false},
    {0x0019, "EXP-ADH-DES-CBC-SHA", 40, false, true, false, false, true},
    {0x001a, "ADH-DES-CBC-SHA", 56, false, true, false, false, false},
    {0x001b, "ADH-DES-CBC3-SHA", 112, false, true, false, true, false},
    {0x0062, "EXP1024-DES-CBC-SHA", 56, false, false, false, false, true},
    {0x0064, "EXP1024-RC4-SHA", 56, false, false, true, false, true},
    {0x0066, "DHE-DSS-RC4-SHA", 128, true, false, true, false, false},
    {0x0096, "SEED-SHA", 128, false, false, false, false, false},
    {0x009a, "DHE-RSA-SEED-SHA", 128, true, false, false, false, false},
    {0xc002, "ECDH-ECDSA-RC4-SHA", 128, false, false, true, false, false},
    {0xc003, "ECDH-ECDSA-DES-CBC3-SHA", 112, false, false, false, true, false},
    {0xc007, "ECDHE-ECDSA-RC4-SHA", 128, true, false, true, false, false},
    {0xc008, "ECDHE-ECDSA-DES-CBC3-SHA", 112, true, false, false, true, false},
    {0xc00c, "ECDH-RSA-RC4-SHA", 128, false, false, true, false, false},
    {0xc00d, "ECDH-RSA-DES-CBC3-SHA", 112, false, false, false, true, false},
    {0xc011, "ECDHE-RSA-RC4-SHA", 128, true, false, true, false, false},
    {0xc012, "ECDHE-RSA-DES-CBC3-SHA", 112, true, false, false, true, false},
    {0xc016, "AECDH-RC4-SHA", 128, false, true, true, false, false},
    {0xc017, "AECDH-DES-CBC3-SHA", 112, false, true, false, true, false},
};

void put_extension(std::string& out, std::uint16_t type, const std::string& body) {
  put16(out, type);
  put16(out, body.size());
  out += body;
}

bool host_name(std::string_view s) {
  if (s.empty() || s.size() > 253 || s.find(':') != std::string_view::npos) return false;
  bool letter = false;
  for (const char c : s) {
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
    if (!alpha && !(c >= '0' && c <= '9') && c != '.') return false;
    letter = letter || alpha;
  }
  return letter;  // all digits and dots: an IPv4 literal, which SNI must not carry
}

}  // namespace

std::span<const LegacySuite> legacy_suites() noexcept { return kLegacySuites; }

const LegacySuite* find_legacy_suite(std::uint16_t code) noexcept {
  for (const auto& s : kLegacySuites) {
    if (s.code == code) return &s;
  }
  return nullptr;
}

const LegacySuite* find_legacy_suite(std::string_view openssl_name) noexcept {
  for (const auto& s : kLegacySuites) {
    if (openssl_name == s.name) return &s;
  }
  return nullptr;
}

std::string tls_client_hello(std::uint16_t version, std::span<const std::uint16_t> suites, std::string_view sni,
                             std::string_view random) {
  std::string hello;
  put16(hello, version);
  hello += fill(random, 32);
  hello += '\0';  // no session id
  put16(hello, suites.size() * 2);
  for (const std::uint16_t s : suites) put16(hello, s);
  hello += '\x01';
  hello += '\0';
  std::string extensions;
  if (host_name(sni)) {
    std::string entry = "\0";  // host_name
    put16(entry, sni.size());
    entry += sni;
    std::string list;
    put16(list, entry.size());
    put_extension(extensions, 0x0000, list + entry);
  }
  std::string groups;
  put16(groups, 8);
  constexpr std::uint16_t kGroups[] = {0x001d, 0x0017, 0x0018, 0x0019};  // x25519, P-256, P-384, P-521
  for (const std::uint16_t g : kGroups) put16(groups, g);
  put_extension(extensions, 0x000a, groups);
  put_extension(extensions, 0x000b, std::string("\x01\x00", 2));
  if (version >= 0x0303) {
    std::string algs;
    constexpr std::uint16_t kAlgs[] = {0x0401, 0x0501, 0x0601, 0x0201, 0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0402, 0x0202};
    put16(algs, sizeof kAlgs);
    for (const std::uint16_t a : kAlgs) put16(algs, a);
    put_extension(extensions, 0x000d, algs);
  }
  put_extension(extensions, 0xff01, std::string("\x00", 1));  // renegotiation_info, empty
  put16(hello, extensions.size());
  hello += extensions;
  std::string handshake = "\x01";
  put24(handshake, hello.size());
  handshake += hello;
  std::string out = "\x16";
  put16(out, 0x0301);  // record version: what clients send for compatibility
  put16(out, handshake.size());
  out += handshake;
  return out;
}

LegacyHelloReply parse_tls_reply(std::uint16_t version, std::string_view data, bool eof) {
  if (data.size() > max_legacy_reply_bytes) data = data.substr(0, max_legacy_reply_bytes);
  if (data.empty()) return closed_or_incomplete(eof, data);
  LegacyHelloReply r = parse_tls_record(version, data, eof);
  if (r.verdict == Verdict::incomplete && data.size() >= max_legacy_reply_bytes) {
    return verdict(Verdict::malformed, "reply larger than the read limit");
  }
  return r;
}

std::string_view to_string(LegacyProtocol protocol) noexcept {
  return protocol == LegacyProtocol::ssl2 ? "SSLv2" : "SSLv3";
}

std::string legacy_client_hello(LegacyProtocol protocol, std::string_view random) {
  std::string out;
  if (protocol == LegacyProtocol::ssl3) {
    std::string hello;
    put16(hello, 0x0300);
    hello += fill(random, 32);
    hello += '\0';  // no session id
    put16(hello, kSsl3Suites.size() * 2);
    for (const std::uint16_t s : kSsl3Suites) put16(hello, s);
    hello += '\x01';
    hello += '\0';  // compression: null only
    std::string handshake = "\x01";
    put24(handshake, hello.size());
    handshake += hello;
    out = "\x16";
    put16(out, 0x0300);
    put16(out, handshake.size());
    out += handshake;
    return out;
  }
  std::string body = "\x01";
  put16(body, 0x0002);
  put16(body, kSsl2Kinds.size() * 3);
  put16(body, 0);   // session id length
  put16(body, 16);  // challenge length
  for (const std::uint32_t k : kSsl2Kinds) put24(body, k);
  body += fill(random, 16);
  put16(out, 0x8000 | body.size());
  out += body;
  return out;
}

LegacyHelloReply parse_legacy_reply(LegacyProtocol protocol, std::string_view data, bool eof) {
  if (data.size() > max_legacy_reply_bytes) data = data.substr(0, max_legacy_reply_bytes);
  if (data.empty()) return closed_or_incomplete(eof, data);
  const std::uint8_t first = byte(data, 0);
  // Record types 20-23 mean TLS framing, whichever hello was sent.
  if (first >= 0x14 && first <= 0x17) {
    LegacyHelloReply r = parse_tls_record(protocol == LegacyProtocol::ssl3 ? 0x0300 : 0, data, eof);
    if (r.verdict == Verdict::incomplete && data.size() >= max_legacy_reply_bytes) {
      return verdict(Verdict::malformed, "reply larger than the read limit");
    }
    return r;
  }
  if (protocol == LegacyProtocol::ssl2) {
    LegacyHelloReply r = parse_ssl2(data, eof);
    if (r.verdict == Verdict::incomplete && data.size() >= max_legacy_reply_bytes) {
      return verdict(Verdict::malformed, "reply larger than the read limit");
    }
    return r;
  }
  return verdict(Verdict::malformed, "not a TLS record");
}

}  // namespace lookalike::posture
