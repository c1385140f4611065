// Binary-to-text encodings: lower-case hex and standard base64 (RFC 4648 section 4, with padding).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::util {

// Standard base64 (with padding) decode; nullopt on any invalid character or length.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);
// Standard base64 with padding.
[[nodiscard]] std::string base64_encode(std::span<const std::uint8_t> data);
// Lower-case hex.
[[nodiscard]] std::string hex_encode(std::span<const std::uint8_t> data);

}  // namespace lookalike::util
