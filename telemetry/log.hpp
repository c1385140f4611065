// Structured logging for long-running commands (`lookalike watch`): one line per event on stderr,
// human-readable text or JSON lines, with key/value fields. spdlog stays inside log.cpp; code that
// calls spdlog directly after init_logging() gets the same sink and format.
#pragma once

#include <concepts>
#include <cstdint>
#include <expected>
#include <initializer_list>
#include <string>
#include <string_view>

namespace lookalike::telemetry {

enum class LogLevel : std::uint8_t { trace, debug, info, warn, error, off };

// "trace" | "debug" | "info" | "warn" (or "warning") | "error" | "off"; other text is an error.
[[nodiscard]] std::expected<LogLevel, std::string> parse_log_level(std::string_view name);

// Routes every log line to stderr at `level` and above: JSON lines {"time","level","msg",fields...}
// when `json`, else "2026-11-28T14:00:00.123Z info msg key=value". Safe to call again (replaces).
[[nodiscard]] std::expected<void, std::string> init_logging(std::string_view level, bool json);

// A field value: text is quoted in JSON, numbers and booleans are not.
struct LogValue {
  std::string text;
  bool bare = false;  // a JSON number or boolean, written without quotes

  LogValue(std::string_view s) : text(s) {}  // NOLINT(google-explicit-constructor)
  LogValue(const char* s) : text(s) {}        // NOLINT(google-explicit-constructor)
  LogValue(const std::string& s) : text(s) {}  // NOLINT(google-explicit-constructor)
  LogValue(bool b) : text(b ? "true" : "false"), bare(true) {}  // NOLINT(google-explicit-constructor)
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  LogValue(T v) : text(std::to_string(v)), bare(true) {}  // NOLINT(google-explicit-constructor)
  LogValue(double v);                                      // NOLINT(google-explicit-constructor)
};

// One key/value of an event. Keys that name a secret (ending in "secret", "password", "token",
// "authorization", "signature", "api_key", any case) are logged as "[redacted]", whatever the value.
struct LogField {
  std::string_view key;
  LogValue value;
};

// Logs `msg` with `fields` (text is made printable: control characters and invalid UTF-8 are
// escaped, so a hostile string cannot forge a line). Before init_logging(): info level, text.
void log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields = {});
inline void log_debug(std::string_view msg, std::initializer_list<LogField> fields = {}) {
  log(LogLevel::debug, msg, fields);
}
inline void log_info(std::string_view msg, std::initializer_list<LogField> fields = {}) {
  log(LogLevel::info, msg, fields);
}
inline void log_warn(std::string_view msg, std::initializer_list<LogField> fields = {}) {
  log(LogLevel::warn, msg, fields);
}
inline void log_error(std::string_view msg, std::initializer_list<LogField> fields = {}) {
  log(LogLevel::error, msg, fields);
}

// True when a field named `key` must never be logged in clear.
[[nodiscard]] bool is_secret_key(std::string_view key) noexcept;

// `s` as a JSON string literal (quotes included): control characters escaped, bytes that are not
// UTF-8 replaced by U+FFFD, so the result always parses.
[[nodiscard]] std::string json_quote(std::string_view s);

}  // namespace lookalike::telemetry
