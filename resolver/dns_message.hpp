// DNS wire format (RFC 1035): a bounds-checked parser for responses from untrusted servers and
// a query encoder. Internal to the resolver (and its tests, fuzz target and benchmark).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::resolver::dns {

inline constexpr std::uint16_t kTypeA = 1;
inline constexpr std::uint16_t kTypeNs = 2;
inline constexpr std::uint16_t kTypeCname = 5;
inline constexpr std::uint16_t kTypeSoa = 6;
inline constexpr std::uint16_t kTypeMx = 15;
inline constexpr std::uint16_t kTypeTxt = 16;
inline constexpr std::uint16_t kTypeAaaa = 28;
inline constexpr std::uint16_t kClassIn = 1;

inline constexpr std::uint8_t kRcodeNoError = 0;
inline constexpr std::uint8_t kRcodeFormErr = 1;
inline constexpr std::uint8_t kRcodeServFail = 2;
inline constexpr std::uint8_t kRcodeNxDomain = 3;
inline constexpr std::uint8_t kRcodeNotImp = 4;
inline constexpr std::uint8_t kRcodeRefused = 5;

// One resource record, decoded for the types the resolver uses. Names are lower case, without
// the trailing dot, with non-LDH bytes escaped as \DDD (and '.' inside a label as "\.").
struct Record {
  std::string owner;
  std::uint16_t type = 0;
  std::uint16_t klass = 0;
  std::uint32_t ttl = 0;
  std::string target;        // NS/CNAME target, MX exchange, SOA mname
  std::string text;          // A/AAAA address, TXT strings joined (RFC 7208 §3.3), SOA rname
  std::uint16_t preference = 0;                 // MX
  std::array<std::uint32_t, 5> soa_numbers{};  // SOA serial, refresh, retry, expire, minimum
};

struct Message {
  std::uint16_t id = 0;
  bool qr = false;
  bool aa = false;
  bool tc = false;
  std::uint8_t rcode = 0;
  std::string qname;  // lower case, no trailing dot ("" for the root)
  std::uint16_t qtype = 0;
  std::vector<Record> answer;
  std::vector<Record> authority;
  std::vector<Record> additional;
};

// Where and why a message could not be decoded.
struct ParseError {
  std::string what;
  std::size_t offset = 0;
};

// Decodes a complete DNS message (UDP payload or TCP message without its length prefix).
// Never reads outside `wire`; compression pointers must point backwards; exactly one question.
std::expected<Message, ParseError> parse(std::span<const std::uint8_t> wire);

// Encodes a query with one question (class IN); fails on an empty label, a label over 63
// bytes or a name over 255 bytes on the wire.
std::expected<std::vector<std::uint8_t>, std::string> encode_query(std::uint16_t id, std::string_view name,
                                                                   std::uint16_t qtype, bool recursion_desired);

// 0x20 (draft-vixie-dnsext-dns0x20): flips the case of each letter of the question name of an
// encoded query where the matching bit of `bits()` is set; `bits` returns 64 bits per call.
template <class Bits>
void randomize_question_case(std::vector<std::uint8_t>& query, Bits&& bits) {
  std::size_t p = 12;
  std::uint64_t pool = bits();
  unsigned left = 64;
  while (p < query.size() && query[p] != 0) {
    const std::size_t end = p + 1 + query[p];
    for (std::size_t i = p + 1; i < end && i < query.size(); ++i) {
      const std::uint8_t c = query[i];
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) continue;
      if (left == 0) {
        pool = bits();
        left = 64;
      }
      if ((pool & 1u) != 0) query[i] = static_cast<std::uint8_t>(c ^ 0x20);
      pool >>= 1;
      --left;
    }
    p = end;
  }
}

// True when `reply` (a whole message) carries one question equal to the question of `query` (an
// encoded query): byte for byte when `exact_case` (0x20), else with ASCII case folded.
bool same_question(std::span<const std::uint8_t> reply, std::span<const std::uint8_t> query, bool exact_case);

// Case-insensitive ASCII comparison of two presentation-form names.
bool same_name(std::string_view a, std::string_view b);

// "A", "MX", ... or "TYPE<n>".
std::string type_name(std::uint16_t type);

}  // namespace lookalike::resolver::dns
