// Alerts of `lookalike watch` and where they go. An alert is an index change-feed event
// (committed atomically with the state change that caused it), rendered with its evidence and
// delivered to every sink in sequence order; the feed consumer is acknowledged only after every
// sink took it, and sinks skip sequence numbers they already delivered, so kill -9 and a restart
// neither lose nor repeat an alert.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::alerts {

// What changed. Names are the `kind` member of the alert JSON.
enum class AlertKind : std::uint8_t {
  new_lookalike,  // "new-lookalike": a look-alike first seen in a CT certificate
  registered,     // "registered": NXDOMAIN (or never resolved) -> exists
  mx_appeared,    // "mx-appeared": an MX record appeared
  web_live,       // "web-live": a web server answers
  certificate,    // "certificate": a new certificate names it (CT)
  level_changed,  // "level-changed": the score crossed a level
  deleted,        // "deleted": a zone no longer delegates it (ingest, day over day)
  posture_regressed,  // "posture-regressed": a brand's own email posture got worse (lookalike posture)
  posture_improved,   // "posture-improved": ... got better
};
[[nodiscard]] std::string_view alert_kind_name(AlertKind kind) noexcept;
[[nodiscard]] std::expected<AlertKind, std::string> parse_alert_kind(std::string_view name);

// One alert, ready to deliver. `json` is the whole rendered object (one line, no newline):
// {"seq":..,"id":"<store-id>-<seq>","time":"RFC 3339","kind":"..", then the candidate members
//  of report/candidate.hpp ("name","unicode","brands","score","level",...), "detail","evidence":{...}}
struct Alert {
  std::uint64_t seq = 0;  // the change-feed sequence number: unique and increasing
  AlertKind kind = AlertKind::new_lookalike;
  std::string name;
  std::string json;
};

// A sink's configuration, as read from the [[sinks]] tables of the watch config.
struct SinkConfig {
  std::string type;  // a name in the registry (alerts/registry.cpp): "jsonl" | "webhook" | "exec"
  std::string path;  // jsonl: file path, "-" = stdout
  std::string url;   // webhook: http(s) URL (plain http only to loopback)
  std::string secret;  // webhook: HMAC-SHA256 key; header X-Lookalike-Signature: sha256=<hex>
  std::map<std::string, std::string> headers;  // webhook: extra headers
  std::vector<std::string> argv;  // exec: program and arguments (no shell), alert JSON on stdin
  std::vector<AlertKind> kinds;   // empty: every kind
  unsigned max_attempts = 6;      // webhook/exec: attempts before the alert is given up
  std::chrono::milliseconds initial_backoff{500};  // doubled per attempt, capped at 60 s
  std::chrono::milliseconds timeout{10000};
  std::string ca_file;            // webhook: extra trust anchor (tests)
  // Set (e.g. on SIGTERM) to cut retry waits short: deliver() then returns an error at once and
  // the alert stays in the feed for the next run. Not read from the config file.
  const std::atomic<bool>* stop = nullptr;
};

// A destination for alerts. deliver() is called in sequence order from one thread.
class Sink {
 public:
  virtual ~Sink() = default;
  // A short description for logs ("jsonl /var/lib/lookalike/alerts.jsonl").
  [[nodiscard]] virtual std::string describe() const = 0;
  // Delivers one alert (retrying as configured). An error after the last attempt is returned
  // and the caller logs it and moves on (the alert stays in the store's feed).
  [[nodiscard]] virtual std::expected<void, std::string> deliver(const Alert& alert) = 0;
};

// Builds a sink of config.type through the registry; a bad configuration is an error naming the field.
[[nodiscard]] std::expected<std::unique_ptr<Sink>, std::string> make_sink(const SinkConfig& config);

// The sink used when the config names none: JSON lines on stdout.
[[nodiscard]] SinkConfig default_sink_config();

// True when `type` names a sink in the registry.
[[nodiscard]] bool is_sink_type(std::string_view type) noexcept;
// The registered type names for messages: "jsonl, webhook or exec" (quoted: "\"jsonl\", ...").
[[nodiscard]] std::string sink_type_names(bool quoted = false);

// What a sink's configuration lacks, found before anything is opened (the config file reports
// it at the key's position).
struct SinkConfigProblem {
  std::string key;  // the [[sinks]] key at fault ("path", "url", "argv")
  std::string message;
  bool missing = true;  // the key is absent or empty (reported where the sink's type is), else its value is wrong
};
// The first problem of `config` for its type, nullopt when it has what its type needs.
[[nodiscard]] std::optional<SinkConfigProblem> check_sink_config(const SinkConfig& config);

}  // namespace lookalike::alerts
