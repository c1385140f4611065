// spdlog behind telemetry/log.hpp: one stderr logger shared by the whole process, a JSON-lines formatter
// (spdlog's patterns cannot escape a message) and the key/value rendering of log().
#include "telemetry/log.hpp"

#include <spdlog/details/log_msg.h>
#include <spdlog/formatter.h>
#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <charconv>
#include <cmath>
#include <ctime>
#include <memory>
#include <mutex>

#include "domain/domain.hpp"
#include "util/utf8.hpp"

namespace lookalike::telemetry {
namespace {

// A payload that log() already rendered as JSON members starts with this byte; anything else
// (spdlog::info("...") called directly) is plain text and gets quoted by the formatter.
constexpr char prerendered = '\x1f';

std::atomic<bool> g_json{false};
std::atomic<bool> g_initialised{false};
std::mutex g_init_mutex;

void append_iso_time(std::string& out, std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::array<char, 40> buf{};
  const std::size_t n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%S", &tm);
  out.append(buf.data(), n);
  const auto frac = static_cast<int>(ms % 1000);
  out += '.';
  out += static_cast<char>('0' + frac / 100);
  out += static_cast<char>('0' + frac / 10 % 10);
  out += static_cast<char>('0' + frac % 10);
  out += 'Z';
}

std::string_view level_name(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace: return "trace";
    case spdlog::level::debug: return "debug";
    case spdlog::level::info: return "info";
    case spdlog::level::warn: return "warn";
    case spdlog::level::err: return "error";
    case spdlog::level::critical: return "critical";
    default: return "off";
  }
}

spdlog::level::level_enum to_spdlog(LogLevel l) {
  switch (l) {
    case LogLevel::trace: return spdlog::level::trace;
    case LogLevel::debug: return spdlog::level::debug;
    case LogLevel::info: return spdlog::level::info;
    case LogLevel::warn: return spdlog::level::warn;
    case LogLevel::error: return spdlog::level::err;
    case LogLevel::off: return spdlog::level::off;
  }
  return spdlog::level::info;
}

// {"time":"...","level":"...","msg":"...",<fields>}
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string line = "{\"time\":\"";
    append_iso_time(line, msg.time);
    line += "\",\"level\":\"";
    line += level_name(msg.level);
    line += "\",";
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    if (!payload.empty() && payload.front() == prerendered) {
      line.append(payload.substr(1));
    } else {
      line += "\"msg\":";
      line += json_quote(payload);
    }
    line += "}\n";
    dest.append(line.data(), line.data() + line.size());
  }
  [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

// 2026-11-28T14:00:00.123Z info msg key=value
class TextFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string line;
    append_iso_time(line, msg.time);
    line += ' ';
    line += level_name(msg.level);
    line += ' ';
    std::string_view payload(msg.payload.data(), msg.payload.size());
    if (!payload.empty() && payload.front() == prerendered) {
      line.append(payload.substr(1));
    } else {
      line += util::printable(payload);
    }
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }
  [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<TextFormatter>();
  }
};

void install(LogLevel level, bool json) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  if (json) {
    sink->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    sink->set_formatter(std::make_unique<TextFormatter>());
  }
  auto logger = std::make_shared<spdlog::logger>("lookalike", std::move(sink));
  logger->set_level(to_spdlog(level));
  // Warnings and errors reach the journal at once; info lines may wait for the next flush.
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  g_json.store(json);
  g_initialised.store(true);
}

void ensure_initialised() {
  if (g_initialised.load()) return;
  std::lock_guard lock(g_init_mutex);
  if (!g_initialised.load()) install(LogLevel::info, false);
}

bool ends_with_icase(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  s = s.substr(s.size() - suffix.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != suffix[i]) return false;
  }
  return true;
}

// Text values: bare when they are plain tokens, quoted (printable, \" escaped) otherwise.
void append_text_value(std::string& out, const LogValue& v) {
  const std::string p = util::printable(v.text);
  const bool plain = !p.empty() && p.find_first_of(" \"=\\") == std::string::npos;
  if (v.bare || plain) {
    out += p;
    return;
  }
  out += '"';
  for (char c : p) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

}  // namespace

LogValue::LogValue(double v) : bare(true) {
  if (!std::isfinite(v)) {
    // JSON has no NaN or infinity: keep them as text.
    text = std::isnan(v) ? "NaN" : (v > 0 ? "+Inf" : "-Inf");
    bare = false;
    return;
  }
  std::array<char, 64> buf{};
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  text.assign(buf.data(), r.ptr);
}

std::expected<LogLevel, std::string> parse_log_level(std::string_view name) {
  if (name == "trace") return LogLevel::trace;
  if (name == "debug") return LogLevel::debug;
  if (name == "info") return LogLevel::info;
  if (name == "warn" || name == "warning") return LogLevel::warn;
  if (name == "error") return LogLevel::error;
  if (name == "off") return LogLevel::off;
  return std::unexpected("unknown log level \"" + util::printable(name) +
                         "\" (expected trace, debug, info, warn, error or off)");
}

std::expected<void, std::string> init_logging(std::string_view level, bool json) {
  auto l = parse_log_level(level);
  if (!l) return std::unexpected(l.error());
  std::lock_guard lock(g_init_mutex);
  install(*l, json);
  return {};
}

bool is_secret_key(std::string_view key) noexcept {
  for (std::string_view s : {"secret", "password", "passwd", "token", "authorization", "signature", "api_key", "apikey"}) {
    if (ends_with_icase(key, s)) return true;
  }
  return false;
}

std::string json_quote(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c < 0x20 || c == 0x7f) {
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 0xf];
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    const std::size_t len = util::utf8_sequence_length(s, i);
    if (len == 0) {
      out += "\\ufffd";
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  out += '"';
  return out;
}

void log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) {
  ensure_initialised();
  auto logger = spdlog::default_logger();
  const auto l = to_spdlog(level);
  if (!logger || !logger->should_log(l)) return;
  std::string payload(1, prerendered);
  if (g_json.load()) {
    payload += "\"msg\":";
    payload += json_quote(msg);
    for (const auto& f : fields) {
      // "time", "level" and "msg" belong to the line itself.
      std::string key(f.key);
      if (key == "time" || key == "level" || key == "msg") key.insert(0, "field_");
      payload += ',';
      payload += json_quote(key);
      payload += ':';
      if (is_secret_key(f.key)) {
        payload += "\"[redacted]\"";
      } else if (f.value.bare) {
        payload += f.value.text;
      } else {
        payload += json_quote(f.value.text);
      }
    }
  } else {
    payload += util::printable(msg);
    for (const auto& f : fields) {
      payload += ' ';
      payload += util::printable(f.key);
      payload += '=';
      if (is_secret_key(f.key)) {
        payload += "[redacted]";
      } else {
        append_text_value(payload, f.value);
      }
    }
  }
  logger->log(l, spdlog::string_view_t(payload.data(), payload.size()));
}

}  // namespace lookalike::telemetry
