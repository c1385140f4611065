#include "posture/rdata.hpp"

#include <arpa/inet.h>

#include <array>
#include <cctype>
#include <span>

#include "util/encoding.hpp"

namespace lookalike::posture {

std::optional<std::string> txt_text(std::string_view rdata) {
  std::string out;
  std::size_t i = 0;
  while (i < rdata.size()) {
    const std::size_t len = static_cast<unsigned char>(rdata[i]);
    if (i + 1 + len > rdata.size()) return std::nullopt;
    out.append(rdata.substr(i + 1, len));
    i += 1 + len;
  }
  return out;
}

std::optional<std::string> wire_name(std::string_view wire, std::size_t& consumed) {
  std::string out;
  std::size_t i = 0;
  while (true) {
    if (i >= wire.size()) return std::nullopt;
    const std::size_t len = static_cast<unsigned char>(wire[i]);
    if (len == 0) {
      ++i;
      break;
    }
    if (len > 63 || i + 1 + len > wire.size()) return std::nullopt;  // compression is not expected here
    if (!out.empty()) out.push_back('.');
    for (char c : wire.substr(i + 1, len)) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    i += 1 + len;
    if (out.size() > 253) return std::nullopt;
  }
  consumed = i;
  return out.empty() ? std::string(".") : out;
}

std::optional<MxRecord> mx_record(std::string_view rdata) {
  if (rdata.size() < 3) return std::nullopt;
  MxRecord mx;
  mx.preference = static_cast<std::uint16_t>((static_cast<unsigned char>(rdata[0]) << 8) | static_cast<unsigned char>(rdata[1]));
  std::size_t used = 0;
  auto host = wire_name(rdata.substr(2), used);
  if (!host || 2 + used != rdata.size()) return std::nullopt;
  mx.host = std::move(*host);
  return mx;
}

std::optional<TlsaRecord> tlsa_record(std::string_view rdata) {
  if (rdata.size() < 4) return std::nullopt;
  TlsaRecord t;
  t.usage = static_cast<std::uint8_t>(rdata[0]);
  t.selector = static_cast<std::uint8_t>(rdata[1]);
  t.matching = static_cast<std::uint8_t>(rdata[2]);
  t.data.assign(rdata.substr(3));
  return t;
}

std::optional<std::string> address_text(std::string_view rdata) {
  std::array<char, INET6_ADDRSTRLEN> buf{};
  if (rdata.size() == 4) {
    if (!::inet_ntop(AF_INET, rdata.data(), buf.data(), buf.size())) return std::nullopt;
  } else if (rdata.size() == 16) {
    if (!::inet_ntop(AF_INET6, rdata.data(), buf.data(), buf.size())) return std::nullopt;
  } else {
    return std::nullopt;
  }
  return std::string(buf.data());
}

std::string to_text(const TlsaRecord& record) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(record.data.data());
  return std::to_string(record.usage) + " " + std::to_string(record.selector) + " " +
         std::to_string(record.matching) + " " + util::hex_encode(std::span(bytes, record.data.size()));
}

}  // namespace lookalike::posture
