// Fuzz target: Retry-After header values (delay-seconds or an HTTP-date) from CT logs, RDAP
// servers and webhook receivers.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/http.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  const auto now = std::chrono::system_clock::from_time_t(1'700'000'000);
  if (auto wait = lookalike::net::parse_retry_after(value, now)) {
    if (wait->count() < 0) __builtin_trap();  // a wait is never negative
  }
  return 0;
}
