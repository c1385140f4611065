#include "util/encoding.hpp"

#include <array>

namespace lookalike::util {
namespace {

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Character -> 6-bit value; 0x80 marks characters outside the alphabet (including '=').
constexpr std::array<std::uint8_t, 256> kB64Values = [] {
  std::array<std::uint8_t, 256> t{};
  t.fill(0x80);
  for (std::uint8_t i = 0; i < 64; ++i) t[static_cast<unsigned char>(kB64[i])] = i;
  return t;
}();

}  // namespace

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
  // Table driven, 4 characters -> 3 bytes per step into a pre-sized buffer: get-entries bodies
  // are megabytes of base64, and this was the follower's hottest function.
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  if (!text.empty() && text.back() == '=') pad = text[text.size() - 2] == '=' ? 2 : 1;
  std::vector<std::uint8_t> out(text.size() / 4 * 3 - pad);
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  std::uint8_t* o = out.data();
  const std::size_t full = text.empty() ? 0 : text.size() / 4 - 1;  // quanta before the last one
  std::uint32_t bad = 0;
  for (std::size_t q = 0; q < full; ++q, in += 4, o += 3) {
    const std::uint32_t a = kB64Values[in[0]], b = kB64Values[in[1]], c = kB64Values[in[2]], d = kB64Values[in[3]];
    bad |= a | b | c | d;
    const std::uint32_t n = (a << 18) | (b << 12) | (c << 6) | d;
    o[0] = static_cast<std::uint8_t>(n >> 16);
    o[1] = static_cast<std::uint8_t>(n >> 8);
    o[2] = static_cast<std::uint8_t>(n);
  }
  if (bad & 0x80) return std::nullopt;
  if (text.empty()) return out;
  // The last quantum: '=' only at its end, at most two of them.
  std::uint32_t v[4];
  for (std::size_t j = 0; j < 4; ++j) {
    if (j >= 4 - pad) {
      v[j] = 0;
      continue;
    }
    v[j] = kB64Values[in[j]];
    if (v[j] & 0x80) return std::nullopt;
  }
  const std::uint32_t n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
  o[0] = static_cast<std::uint8_t>(n >> 16);
  if (pad < 2) o[1] = static_cast<std::uint8_t>(n >> 8);
  if (pad < 1) o[2] = static_cast<std::uint8_t>(n);
  return out;
}

std::string base64_encode(std::span<const std::uint8_t> data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t n = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    out += kB64[(n >> 18) & 63];
    out += kB64[(n >> 12) & 63];
    out += kB64[(n >> 6) & 63];
    out += kB64[n & 63];
  }
  if (const std::size_t rest = data.size() - i; rest > 0) {
    std::uint32_t n = std::uint32_t{data[i]} << 16;
    if (rest == 2) n |= std::uint32_t{data[i + 1]} << 8;
    out += kB64[(n >> 18) & 63];
    out += kB64[(n >> 12) & 63];
    out += rest == 2 ? kB64[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string hex_encode(std::span<const std::uint8_t> data) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (const std::uint8_t b : data) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace lookalike::util
