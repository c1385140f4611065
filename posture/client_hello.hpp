#pragma once
// SSLv2 and SSLv3 ClientHellos written by hand, and a bounded parser of what a server answers to
// them. OpenSSL 3 cannot offer either protocol, yet a mail server that still accepts them is the
// policy's worst TLS finding (RFC 6176, RFC 7568), so tls-versions asks with these bytes.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::posture {

enum class LegacyProtocol : std::uint8_t { ssl2, ssl3 };

// "SSLv2" / "SSLv3".
[[nodiscard]] std::string_view to_string(LegacyProtocol protocol) noexcept;

// The ClientHello bytes for `protocol`: SSLv3 as one handshake record offering the SSLv3 suites
// (no extensions), SSLv2 as a CLIENT-HELLO with the seven SSLv2 cipher kinds. `random` fills the
// 32-byte random / 16-byte challenge (repeated or cut as needed).
[[nodiscard]] std::string legacy_client_hello(LegacyProtocol protocol, std::string_view random);

// What the server's first bytes say.
struct LegacyHelloReply {
  enum class Verdict : std::uint8_t {
    accepted,    // a ServerHello / SERVER-HELLO for the protocol offered
    refused,     // an alert, another protocol version, or the connection closed
    incomplete,  // more bytes are needed
    malformed,   // not a TLS/SSL answer at all
  };
  Verdict verdict = Verdict::incomplete;
  std::uint16_t version = 0;           // version in the ServerHello (0x0300, 0x0002, 0x0303...)
  std::vector<std::uint32_t> ciphers;  // SSLv3: the chosen suite; SSLv2: the server's cipher kinds
  std::string detail;                  // "alert 2/40 handshake_failure", "ServerHello TLSv1.2", ...
};

// Most bytes a reply is read up to before the parser has to decide (a whole SSLv2 SERVER-HELLO
// with a certificate fits).
inline constexpr std::size_t max_legacy_reply_bytes = 20 * 1024;

// The suites OpenSSL 3 (as Debian builds it) cannot offer at any security level, which a server
// may still accept: RC4, DES, 3DES, export grade, IDEA, SEED. Asked with tls_client_hello.
struct LegacySuite {
  std::uint16_t code = 0;  // IANA code point
  const char* name = "";   // OpenSSL's name
  int bits = 0;            // symmetric strength
  bool forward_secret = false;
  bool anonymous = false;
  bool rc4 = false;
  bool triple_des = false;
  bool export_grade = false;
};
[[nodiscard]] std::span<const LegacySuite> legacy_suites() noexcept;
// The entry for `code`, nullptr when it is not one of legacy_suites().
[[nodiscard]] const LegacySuite* find_legacy_suite(std::uint16_t code) noexcept;
[[nodiscard]] const LegacySuite* find_legacy_suite(std::string_view openssl_name) noexcept;

// A TLS 1.0-1.2 ClientHello (`version` 0x0301..0x0303) offering exactly `suites`, with SNI
// `sni` (none when empty or an IP literal), the EC groups, point formats, signature algorithms
// (TLS 1.2) and renegotiation_info a real client sends.
[[nodiscard]] std::string tls_client_hello(std::uint16_t version, std::span<const std::uint16_t> suites,
                                           std::string_view sni, std::string_view random);

// Parses a server's answer to tls_client_hello(version, ...): accepted = a ServerHello of that
// version (ciphers holds the chosen suite); an alert or another version is a refusal.
[[nodiscard]] LegacyHelloReply parse_tls_reply(std::uint16_t version, std::string_view data, bool eof);

// Parses the first bytes a server sent back to legacy_client_hello(protocol); `eof` says the
// server closed after them. Never reads past `data`; everything beyond the first message is ignored.
[[nodiscard]] LegacyHelloReply parse_legacy_reply(LegacyProtocol protocol, std::string_view data, bool eof);

}  // namespace lookalike::posture
