// Fuzz target: the metrics endpoint's request-head check (anyone who can connect sends it).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "telemetry/metrics.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view head(reinterpret_cast<const char*>(data), size);
  const auto answer = lookalike::telemetry::classify_scrape_request(head);
  // Metrics only for an exact GET/HEAD of /metrics (optionally with a query) over HTTP/1.x.
  if (answer == lookalike::telemetry::ScrapeAnswer::metrics && !head.starts_with("GET /metrics")) __builtin_trap();
  if (answer == lookalike::telemetry::ScrapeAnswer::metrics_head && !head.starts_with("HEAD /metrics")) __builtin_trap();
  return 0;
}
