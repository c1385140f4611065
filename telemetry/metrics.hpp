// Prometheus text-format metrics for `lookalike watch`, served over plain HTTP on a loopback
// address only (GET /metrics). Updates and render() are thread-safe (one mutex; updates are rare next to the work they count).
#pragma once

#include <atomic>
#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace lookalike::telemetry {

// A set of named series. Names follow Prometheus rules; labels are given pre-rendered
// ("log=\"argon2026\"") and escaped by the caller with escape_label_value().
class Metrics {
 public:
  // Adds `delta` to a counter (created at 0 on first use); `help` is kept from the first call.
  // A bad name or label syntax, a negative delta or a name used as both kinds throws
  // std::invalid_argument (a programming error, found by any test that touches the metric).
  void add(std::string_view name, std::string_view labels, double delta, std::string_view help = {});
  // Sets a gauge.
  void set(std::string_view name, std::string_view labels, double value, std::string_view help = {});
  // The exposition text (version 0.0.4): HELP and TYPE lines, then samples, sorted by name.
  [[nodiscard]] std::string render() const;

 private:
  struct Series {
    bool counter = true;
    std::string help;
    std::map<std::string, double, std::less<>> samples;  // labels -> value
  };
  mutable std::mutex mutex_;
  std::map<std::string, Series, std::less<>> series_;
};

// Escapes a label value (backslash, double quote, newline).
[[nodiscard]] std::string escape_label_value(std::string_view value);
// One rendered label: name="escaped value" (join several with ',').
[[nodiscard]] std::string label(std::string_view name, std::string_view value);

// What the metrics endpoint answers to one request head (request line and headers, as received
// from an untrusted client): GET/HEAD /metrics (query ignored), else the error to send.
enum class ScrapeAnswer : std::uint8_t { metrics, metrics_head, bad_request, not_found, method_not_allowed };
[[nodiscard]] ScrapeAnswer classify_scrape_request(std::string_view head) noexcept;

// Serves metrics.render() at http://<address>:<port>/metrics until destroyed. Refuses a
// non-loopback address unless allow_public. Port 0 picks a free port (see port()).
class MetricsServer {
 public:
  [[nodiscard]] static std::expected<std::unique_ptr<MetricsServer>, std::string> start(
      const Metrics& metrics, const std::string& address, std::uint16_t port, bool allow_public = false);
  virtual ~MetricsServer() = default;
  [[nodiscard]] virtual std::uint16_t port() const noexcept = 0;
};

}  // namespace lookalike::telemetry
