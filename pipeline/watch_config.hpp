// The TOML configuration of `lookalike watch` (see contrib/watch.example.toml). Parsing is strict:
// an unknown key, a wrong type, a bad duration or address is an error naming the key and its
// line:column, so a typo never silently falls back to a default.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/alert.hpp"
#include "generator/generator.hpp"
#include "pipeline/schedule.hpp"
#include "resolver/resolver.hpp"

namespace lookalike::pipeline {

// A brand as configured; added to (or updated in) the store when watch starts.
struct WatchBrand {
  std::string domain;  // registrable domain, A-label after parsing
  std::vector<std::string> keywords;
  std::vector<std::string> owned;
  std::string tlds = "common";
  // Generated look-alikes stored and scheduled like CT hits: the `budget` most likely (0: none,
  // CT only).
  std::size_t budget = generator::kDefaultBudget;
};

struct WatchConfig {
  std::string source;  // the file it came from (for messages)
  std::string db;      // empty: the global --db (or its default)
  // Days observations are kept, counted from when the store recorded them; 0 = forever. Empty:
  // the global --retention (or its default, 365).
  std::optional<std::int64_t> retention_days;
  std::vector<WatchBrand> brands;
  // A Kafka cluster (bootstrap servers "HOST:PORT,..."): when set, the brands, generated
  // candidates and CT names are published there for `lookalike worker` processes instead of
  // being resolved here (README "Scaling out"); `kafka_config` is a librdkafka properties file.
  std::string brokers;
  std::string kafka_config;

  struct Ct {
    bool enabled = true;
    bool all = true;                 // logs = "all": every log the list says to follow
    std::vector<std::string> logs;   // else these (short name, description, log ID or URL)
    std::string log_list;            // file; empty: the bundled snapshot; an https:// URL only if given
    std::string ca_file;
    bool from_start = false;         // start = "start" | "end" (logs never followed before)
    unsigned parallel = 4;
    std::uint64_t batch = 1024;
    std::chrono::milliseconds poll{std::chrono::seconds(10)};
  } ct;

  struct Dns {
    std::vector<resolver::Upstream> servers;  // empty: /etc/resolv.conf
    std::optional<double> qps;                // unset: 300 with system resolvers, none otherwise
    std::chrono::milliseconds timeout{1500};
    unsigned attempts = 4;                    // tries per query (1 + retries)
    unsigned concurrency = 0;                 // 0: adaptive
  } dns;

  struct Probe {
    bool enabled = true;
    bool allow_private = false;  // probe private/loopback addresses too (tests only)
    bool mx_check = false;
    std::chrono::milliseconds timeout{5000};           // per step
    std::chrono::milliseconds session_timeout{20000};  // per session
    std::string ca_file;
    std::uint16_t smtp_port = 25, http_port = 80, https_port = 443;
  } probe;

  ScheduleConfig schedule;

  // [posture]: re-check each brand's own email posture (DNS-only checks of `lookalike posture`)
  // every `interval`, storing each run and raising posture-regressed / posture-improved alerts.
  // Opt-in; asks the [dns] servers (or the system's), fetches MTA-STS policies with [probe]'s
  // allow_private, ca_file and https_port.
  struct Posture {
    bool enabled = false;
    std::chrono::milliseconds interval{std::chrono::hours(24)};
    std::vector<std::string> dkim_selectors;
    std::string trust_anchor;  // DNSSEC trust anchor file; empty: the system's root key
  } posture;

  std::vector<alerts::SinkConfig> sinks;  // none: one jsonl sink on stdout

  // Feed directories watch polls: every new file (zone file or domain list, as `lookalike ingest
  // --dir`) is ingested once, its matches stored and scheduled like CT hits.
  struct Feed {
    std::string dir;     // required
    std::string format = "auto";  // auto, zone or list
    std::string source;  // zone origin or feed name (default: from each file)
    bool strict = false;  // a malformed line fails the file
    std::chrono::milliseconds poll{std::chrono::minutes(5)};
  };
  std::vector<Feed> feeds;

  struct MetricsEndpoint {
    bool enabled = false;
    std::string address = "127.0.0.1";
    std::uint16_t port = 9464;
  } metrics;

  struct Log {
    std::string level = "info";  // trace|debug|info|warn|error|off
    bool json = false;           // format = "json" | "text"
  } log;
};

// Parses "500ms", "30s", "15m", "6h", "7d" or sums such as "1h30m"; the error says what is wrong.
[[nodiscard]] std::expected<std::chrono::milliseconds, std::string> parse_duration(std::string_view text);

// Parses TOML text; `source` names the file in errors ("watch.toml:12:9: dns.qps: ...").
[[nodiscard]] std::expected<WatchConfig, std::string> parse_watch_config(std::string_view text,
                                                                         std::string_view source);
// Reads and parses a file.
[[nodiscard]] std::expected<WatchConfig, std::string> load_watch_config(const std::string& path);

}  // namespace lookalike::pipeline
