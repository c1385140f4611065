// Retry-After header values (RFC 9110 section 10.2.3), for CT logs, RDAP servers and webhooks alike.
#include <time.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <ctime>
#include <string>

#include "net/http.hpp"

namespace lookalike::net {

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty() || value.size() > 64) return std::nullopt;
  if (value.front() >= '0' && value.front() <= '9') {
    unsigned secs = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), secs);
    if (ec != std::errc() || ptr != value.data() + value.size()) return std::nullopt;
    return std::chrono::seconds(secs);
  }
  // HTTP-date; the program runs in the C locale, so %a and %b are the English names HTTP uses.
  const std::string text(value);
  for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
    std::tm tm{};
    const char* end = strptime(text.c_str(), format, &tm);
    if (end == nullptr || *end != '\0') continue;
    const std::time_t at = timegm(&tm);
    if (at == static_cast<std::time_t>(-1)) return std::nullopt;
    // In whole seconds: a far-future year must not overflow the clock's nanoseconds. Capped at a
    // year (callers cap far lower) so that no caller's conversion overflows either.
    const std::int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    constexpr std::int64_t kYear = 365LL * 24 * 3600;
    return std::chrono::seconds(std::clamp<std::int64_t>(static_cast<std::int64_t>(at) - now_s, 0, kYear));
  }
  return std::nullopt;
}

}  // namespace lookalike::net
