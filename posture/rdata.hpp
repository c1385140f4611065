#pragma once
// Wire-format rdata of the record types posture reads (as libunbound hands them over: no rdlength,
// names uncompressed). Bounded: every parser checks lengths and returns nullopt on malformed data.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lookalike::posture {

struct MxRecord {
  std::uint16_t preference = 0;
  std::string host;  // lower-case, no trailing dot; "." (RFC 7505 null MX) stays "."
};

struct TlsaRecord {
  std::uint8_t usage = 0, selector = 0, matching = 0;
  std::string data;  // raw association data bytes
};

// TXT rdata: the character-strings joined without separators (RFC 7208 §3.3, RFC 7489 §6.4).
[[nodiscard]] std::optional<std::string> txt_text(std::string_view rdata);
// MX rdata: preference and exchange name.
[[nodiscard]] std::optional<MxRecord> mx_record(std::string_view rdata);
// TLSA rdata (RFC 6698 §2.1).
[[nodiscard]] std::optional<TlsaRecord> tlsa_record(std::string_view rdata);
// A (4 bytes) or AAAA (16 bytes) rdata as text ("192.0.2.1", "2001:db8::1").
[[nodiscard]] std::optional<std::string> address_text(std::string_view rdata);
// An uncompressed wire name at the start of `wire` as dotted lower-case text ("." for the root);
// `consumed` gets its length.
[[nodiscard]] std::optional<std::string> wire_name(std::string_view wire, std::size_t& consumed);
// "3 1 1 abcd..." presentation form of a TLSA record, for evidence.
[[nodiscard]] std::string to_text(const TlsaRecord& record);

}  // namespace lookalike::posture
