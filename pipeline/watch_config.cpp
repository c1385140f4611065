#include "pipeline/watch_config.hpp"

#include "ingest/parse.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <limits>
#include <sstream>

#include "generator/brand_input.hpp"
#include "index/index.hpp"
#include "ingest/parse.hpp"

namespace lookalike::pipeline {
namespace {

// A failure with the place it refers to; converted to "file:line:col: key: message" once.
struct Failure {
  std::string key;
  toml::source_position where;
  std::string message;
};

std::string position_text(const toml::source_position& p) {
  return std::to_string(p.line) + ":" + std::to_string(p.column);
}

std::string join_key(std::string_view prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : std::string(prefix) + "." + std::string(key);
}

// Reads one table, remembering which keys were consumed so unknown ones can be reported.
class Section {
 public:
  Section(const toml::table& table, std::string prefix) : table_(table), prefix_(std::move(prefix)) {}

  [[nodiscard]] const toml::node* find(std::string_view key) {
    seen_.emplace_back(key);
    return table_.get(key);
  }
  [[nodiscard]] std::string name(std::string_view key) const { return join_key(prefix_, key); }

  // Every key that no reader asked for is an error (typos must not pass silently).
  [[nodiscard]] std::expected<void, Failure> no_unknown_keys() const {
    for (const auto& [k, v] : table_) {
      if (std::find(seen_.begin(), seen_.end(), k.str()) == seen_.end()) {
        return std::unexpected(Failure{name(k.str()), k.source().begin, "unknown key"});
      }
    }
    return {};
  }

  [[nodiscard]] const toml::table& table() const { return table_; }
  [[nodiscard]] const std::string& prefix() const { return prefix_; }

  std::expected<void, Failure> string(std::string_view key, std::string& out) {
    const toml::node* n = find(key);
    if (n == nullptr) return {};
    if (!n->is_string()) return std::unexpected(Failure{name(key), n->source().begin, "expected a string"});
    out = n->value<std::string>().value_or("");
    return {};
  }

  std::expected<void, Failure> boolean(std::string_view key, bool& out) {
    const toml::node* n = find(key);
    if (n == nullptr) return {};
    if (!n->is_boolean()) return std::unexpected(Failure{name(key), n->source().begin, "expected true or false"});
    out = n->value<bool>().value_or(false);
    return {};
  }

  template <class T>
  std::expected<void, Failure> integer(std::string_view key, T& out, std::int64_t min, std::int64_t max) {
    const toml::node* n = find(key);
    if (n == nullptr) return {};
    if (!n->is_integer()) return std::unexpected(Failure{name(key), n->source().begin, "expected an integer"});
    const std::int64_t v = n->value<std::int64_t>().value_or(0);
    if (v < min || v > max) {
      return std::unexpected(Failure{name(key), n->source().begin,
                                     "must be between " + std::to_string(min) + " and " + std::to_string(max)});
    }
    out = static_cast<T>(v);
    return {};
  }

  std::expected<void, Failure> number(std::string_view key, std::optional<double>& out, double min) {
    const toml::node* n = find(key);
    if (n == nullptr) return {};
    double v = 0;
    if (n->is_integer()) {
      v = static_cast<double>(n->value<std::int64_t>().value_or(0));
    } else if (n->is_floating_point()) {
      v = n->value<double>().value_or(0);
    } else {
      return std::unexpected(Failure{name(key), n->source().begin, "expected a number"});
    }
    if (!std::isfinite(v) || v < min) {
      return std::unexpected(Failure{name(key), n->source().begin, "must be a number >= " + std::to_string(min)});
    }
    out = v;
    return {};
  }

  std::expected<void, Failure> duration(std::string_view key, std::chrono::milliseconds& out) {
    const toml::node* n = find(key);
    if (n == nullptr) return {};
    if (!n->is_string()) {
      return std::unexpected(Failure{name(key), n->source().begin, "expected a duration string such as \"15m\""});
    }
    auto d = parse_duration(n->value<std::string>().value_or(""));
    if (!d) return std::unexpected(Failure{name(key), n->source().begin, d.error()});
    if (d->count() <= 0) return std::unexpected(Failure{name(key), n->source().begin, "must be longer than 0"});
    out = *d;
    return {};
  }

  std::expected<void, Failure> strings(std::string_view key, std::vector<std::string>& out) {
    const toml::node* n = find(key);
    if (n == nullptr) return {};
    const toml::array* a = n->as_array();
    if (a == nullptr) return std::unexpected(Failure{name(key), n->source().begin, "expected an array of strings"});
    out.clear();
    for (const toml::node& e : *a) {
      if (!e.is_string()) return std::unexpected(Failure{name(key), e.source().begin, "expected a string"});
      out.push_back(e.value<std::string>().value_or(""));
    }
    return {};
  }

 private:
  const toml::table& table_;
  std::string prefix_;
  std::vector<std::string> seen_;
};

// A sub-table `key` of `parent` (absent: nullptr); anything else there is a type error.
std::expected<const toml::table*, Failure> sub_table(Section& parent, std::string_view key) {
  const toml::node* n = parent.find(key);
  if (n == nullptr) return nullptr;
  if (!n->is_table()) return std::unexpected(Failure{parent.name(key), n->source().begin, "expected a table"});
  return n->as_table();
}

// Checks the last failure-returning call and propagates it.
#define TRY(expr)                                              \
  do {                                                         \
    if (auto r_ = (expr); !r_) return std::unexpected(r_.error()); \
  } while (0)

std::expected<void, Failure> read_brand(const toml::table& t, std::string prefix, WatchBrand& b) {
  Section s(t, std::move(prefix));
  const toml::node* d = s.find("domain");
  if (d == nullptr) return std::unexpected(Failure{s.name("domain"), t.source().begin, "missing (every brand needs a domain)"});
  if (!d->is_string()) return std::unexpected(Failure{s.name("domain"), d->source().begin, "expected a string"});
  // The same rules as `brand add` (generator/brand_input), so a brand is accepted in both or neither.
  auto domain = generator::brand_domain(d->value<std::string>().value_or(""));
  if (!domain) return std::unexpected(Failure{s.name("domain"), d->source().begin, domain.error()});
  b.domain = std::move(*domain);
  TRY(s.strings("keywords", b.keywords));
  if (auto k = generator::brand_keywords(std::move(b.keywords)); k) {
    b.keywords = std::move(*k);
  } else {
    return std::unexpected(Failure{s.name("keywords"), s.find("keywords")->source().begin, k.error()});
  }
  TRY(s.strings("owned", b.owned));
  if (auto o = generator::brand_owned(b.owned); o) {
    b.owned = std::move(*o);
  } else {
    return std::unexpected(Failure{s.name("owned"), s.find("owned")->source().begin, o.error()});
  }
  TRY(s.string("tlds", b.tlds));
  TRY(s.integer("budget", b.budget, 0, 1'000'000));
  return s.no_unknown_keys();
}

std::expected<void, Failure> read_ct(const toml::table& t, WatchConfig::Ct& ct) {
  Section s(t, "ct");
  TRY(s.boolean("enabled", ct.enabled));
  if (const toml::node* n = s.find("logs")) {
    if (n->is_string()) {
      const std::string v = n->value<std::string>().value_or("");
      if (v != "all") return std::unexpected(Failure{"ct.logs", n->source().begin, "expected \"all\" or an array of log names"});
      ct.all = true;
    } else if (n->is_array()) {
      TRY(s.strings("logs", ct.logs));
      ct.all = ct.logs.empty();
    } else {
      return std::unexpected(Failure{"ct.logs", n->source().begin, "expected \"all\" or an array of log names"});
    }
  }
  TRY(s.string("log_list", ct.log_list));
  if (ct.log_list.starts_with("http://")) {
    return std::unexpected(Failure{"ct.log_list", s.find("log_list")->source().begin, "plain http is refused; use https:// or a file"});
  }
  TRY(s.string("ca_file", ct.ca_file));
  if (const toml::node* n = s.find("start")) {
    const auto v = n->value<std::string>();
    if (!n->is_string() || (v != "start" && v != "end")) {
      return std::unexpected(Failure{"ct.start", n->source().begin, "expected \"start\" or \"end\""});
    }
    ct.from_start = *v == "start";
  }
  TRY(s.integer("parallel", ct.parallel, 1, 64));
  TRY(s.integer("batch", ct.batch, 1, 100000));
  TRY(s.duration("poll", ct.poll));
  return s.no_unknown_keys();
}

std::expected<void, Failure> read_dns(const toml::table& t, WatchConfig::Dns& dns) {
  Section s(t, "dns");
  std::vector<std::string> servers;
  TRY(s.strings("servers", servers));
  for (std::size_t i = 0; i < servers.size(); ++i) {
    auto u = resolver::parse_upstreams(servers[i]);
    const toml::node& where = *(*s.find("servers")->as_array()).get(i);
    if (!u) return std::unexpected(Failure{"dns.servers", where.source().begin, u.error()});
    dns.servers.insert(dns.servers.end(), u->begin(), u->end());
  }
  TRY(s.number("qps", dns.qps, 0.1));
  TRY(s.duration("timeout", dns.timeout));
  TRY(s.integer("attempts", dns.attempts, 1, 20));
  TRY(s.integer("concurrency", dns.concurrency, 0, 100000));
  return s.no_unknown_keys();
}

std::expected<void, Failure> read_probe(const toml::table& t, WatchConfig::Probe& p) {
  Section s(t, "probe");
  TRY(s.boolean("enabled", p.enabled));
  TRY(s.boolean("allow_private", p.allow_private));
  TRY(s.boolean("mx_check", p.mx_check));
  TRY(s.duration("timeout", p.timeout));
  TRY(s.duration("session_timeout", p.session_timeout));
  TRY(s.string("ca_file", p.ca_file));
  TRY(s.integer("smtp_port", p.smtp_port, 1, 65535));
  TRY(s.integer("http_port", p.http_port, 1, 65535));
  TRY(s.integer("https_port", p.https_port, 1, 65535));
  return s.no_unknown_keys();
}

std::expected<void, Failure> read_posture(const toml::table& t, WatchConfig::Posture& p) {
  Section s(t, "posture");
  TRY(s.boolean("enabled", p.enabled));
  TRY(s.duration("interval", p.interval));
  TRY(s.strings("dkim_selectors", p.dkim_selectors));
  TRY(s.string("trust_anchor", p.trust_anchor));
  return s.no_unknown_keys();
}

std::expected<void, Failure> read_schedule(const toml::table& t, ScheduleConfig& c) {
  Section s(t, "schedule");
  TRY(s.duration("new", c.fresh));
  TRY(s.duration("changing", c.changing));
  TRY(s.duration("registered", c.registered));
  TRY(s.duration("unregistered", c.unregistered));
  TRY(s.duration("dead", c.dead));
  TRY(s.duration("new_window", c.new_window));
  TRY(s.duration("changing_window", c.changing_window));
  TRY(s.duration("dead_after", c.dead_after));
  TRY(s.integer("batch", c.batch, 1, 1000000));
  return s.no_unknown_keys();
}

std::expected<void, Failure> read_sink(const toml::table& t, std::string prefix, alerts::SinkConfig& c) {
  Section s(t, std::move(prefix));
  const toml::node* type = s.find("type");
  if (type == nullptr) return std::unexpected(Failure{s.name("type"), t.source().begin, "missing (" + alerts::sink_type_names() + ")"});
  const auto tv = type->value<std::string>();
  if (!type->is_string() || !alerts::is_sink_type(*tv)) {
    return std::unexpected(Failure{s.name("type"), type->source().begin, "expected " + alerts::sink_type_names(true)});
  }
  c.type = *tv;
  TRY(s.string("path", c.path));
  TRY(s.string("url", c.url));
  TRY(s.string("secret", c.secret));
  TRY(s.string("ca_file", c.ca_file));
  TRY(s.strings("argv", c.argv));
  if (auto h = sub_table(s, "headers"); !h) {
    return std::unexpected(h.error());
  } else if (*h != nullptr) {
    for (const auto& [k, v] : **h) {
      if (!v.is_string()) return std::unexpected(Failure{s.name("headers." + std::string(k.str())), v.source().begin, "expected a string"});
      c.headers[std::string(k.str())] = v.value<std::string>().value_or("");
    }
  }
  std::vector<std::string> kinds;
  TRY(s.strings("kinds", kinds));
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    auto k = alerts::parse_alert_kind(kinds[i]);
    if (!k) return std::unexpected(Failure{s.name("kinds"), s.find("kinds")->as_array()->get(i)->source().begin, k.error()});
    c.kinds.push_back(*k);
  }
  TRY(s.integer("max_attempts", c.max_attempts, 1, 1000));
  TRY(s.duration("initial_backoff", c.initial_backoff));
  TRY(s.duration("timeout", c.timeout));
  // What the sink's type needs (alerts' registry): a missing key is reported at `type`, a wrong value at the key.
  if (auto problem = alerts::check_sink_config(c)) {
    const toml::node* key = problem->missing ? nullptr : s.find(problem->key);
    return std::unexpected(Failure{s.name(problem->key), (key != nullptr ? key : type)->source().begin, problem->message});
  }
  return s.no_unknown_keys();
}

std::expected<void, Failure> read_metrics(const toml::table& t, WatchConfig::MetricsEndpoint& m) {
  Section s(t, "metrics");
  m.enabled = true;  // a [metrics] table turns the endpoint on unless it says otherwise
  TRY(s.boolean("enabled", m.enabled));
  TRY(s.string("address", m.address));
  if (const toml::node* n = s.find("address")) {
    // Only loopback: the endpoint has no authentication.
    const std::string& a = m.address;
    if (!(a == "localhost" || a == "::1" || a.starts_with("127."))) {
      return std::unexpected(Failure{"metrics.address", n->source().begin, "must be a loopback address (127.0.0.0/8 or ::1), got \"" + a + "\""});
    }
    if (a.starts_with("127.")) {
      int parts = 0;
      for (std::string_view rest = a; !rest.empty();) {
        const auto dot = rest.find('.');
        const std::string_view part = rest.substr(0, dot);
        unsigned v = 0;
        const auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
        if (ec != std::errc() || p != part.data() + part.size() || part.empty() || v > 255) parts = 99;
        ++parts;
        rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
        if (dot != std::string_view::npos && rest.empty()) parts = 99;
      }
      if (parts != 4) return std::unexpected(Failure{"metrics.address", n->source().begin, "\"" + a + "\" is not an IPv4 address"});
    }
  }
  TRY(s.integer("port", m.port, 0, 65535));
  return s.no_unknown_keys();
}

std::expected<void, Failure> read_log(const toml::table& t, WatchConfig::Log& l) {
  Section s(t, "log");
  if (const toml::node* n = s.find("level")) {
    static constexpr std::string_view kLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
    const auto v = n->value<std::string>();
    if (!n->is_string() || std::find(std::begin(kLevels), std::end(kLevels), *v) == std::end(kLevels)) {
      return std::unexpected(Failure{"log.level", n->source().begin, "expected trace, debug, info, warn, error or off"});
    }
    l.level = *v;
  }
  if (const toml::node* n = s.find("format")) {
    const auto v = n->value<std::string>();
    if (!n->is_string() || (v != "text" && v != "json")) {
      return std::unexpected(Failure{"log.format", n->source().begin, "expected \"text\" or \"json\""});
    }
    l.json = *v == "json";
  }
  return s.no_unknown_keys();
}

std::expected<void, Failure> read_feed(const toml::table& t, std::string prefix, WatchConfig::Feed& f) {
  Section s(t, std::move(prefix));
  const toml::node* d = s.find("dir");
  if (d == nullptr) return std::unexpected(Failure{s.name("dir"), t.source().begin, "missing (every feed needs a dir)"});
  TRY(s.string("dir", f.dir));
  if (f.dir.empty()) return std::unexpected(Failure{s.name("dir"), d->source().begin, "empty"});
  TRY(s.string("format", f.format));
  if (auto fmt = ingest::parse_format(f.format); !fmt) {
    return std::unexpected(Failure{s.name("format"), s.find("format")->source().begin, fmt.error()});
  }
  TRY(s.string("source", f.source));
  TRY(s.boolean("strict", f.strict));
  TRY(s.duration("poll", f.poll));
  return s.no_unknown_keys();
}

// [[name]]: an array of tables.
std::expected<const toml::array*, Failure> table_array(Section& s, std::string_view key) {
  const toml::node* n = s.find(key);
  if (n == nullptr) return nullptr;
  const toml::array* a = n->as_array();
  if (a == nullptr || !a->is_array_of_tables()) {
    return std::unexpected(Failure{std::string(key), n->source().begin, "expected [[" + std::string(key) + "]] tables"});
  }
  return a;
}

std::expected<WatchConfig, Failure> read_config(const toml::table& root) {
  WatchConfig c;
  Section s(root, "");
  TRY(s.string("db", c.db));
  TRY(s.string("brokers", c.brokers));
  TRY(s.string("kafka_config", c.kafka_config));
  if (s.find("retention_days") != nullptr) {
    std::int64_t days = 0;
    TRY(s.integer("retention_days", days, 0, index::kMaxRetentionDays));
    c.retention_days = days;
  }
  auto brands = table_array(s, "brands");
  if (!brands) return std::unexpected(brands.error());
  if (*brands != nullptr) {
    std::size_t i = 0;
    for (const toml::node& n : **brands) {
      WatchBrand b;
      TRY(read_brand(*n.as_table(), "brands[" + std::to_string(i++) + "]", b));
      for (const auto& other : c.brands) {
        if (other.domain == b.domain) return std::unexpected(Failure{"brands", n.source().begin, "brand " + b.domain + " is listed twice"});
      }
      c.brands.push_back(std::move(b));
    }
  }
  auto sinks = table_array(s, "sinks");
  if (!sinks) return std::unexpected(sinks.error());
  if (*sinks != nullptr) {
    std::size_t i = 0;
    for (const toml::node& n : **sinks) {
      alerts::SinkConfig sc;
      TRY(read_sink(*n.as_table(), "sinks[" + std::to_string(i++) + "]", sc));
      c.sinks.push_back(std::move(sc));
    }
  }
  auto feeds = table_array(s, "feeds");
  if (!feeds) return std::unexpected(feeds.error());
  if (*feeds != nullptr) {
    std::size_t i = 0;
    for (const toml::node& n : **feeds) {
      WatchConfig::Feed f;
      TRY(read_feed(*n.as_table(), "feeds[" + std::to_string(i++) + "]", f));
      c.feeds.push_back(std::move(f));
    }
  }
  struct Part {
    std::string_view key;
    std::function<std::expected<void, Failure>(const toml::table&)> read;
  };
  const Part parts[] = {
      {"ct", [&](const toml::table& t) { return read_ct(t, c.ct); }},
      {"dns", [&](const toml::table& t) { return read_dns(t, c.dns); }},
      {"probe", [&](const toml::table& t) { return read_probe(t, c.probe); }},
      {"schedule", [&](const toml::table& t) { return read_schedule(t, c.schedule); }},
      {"posture", [&](const toml::table& t) { return read_posture(t, c.posture); }},
      {"metrics", [&](const toml::table& t) { return read_metrics(t, c.metrics); }},
      {"log", [&](const toml::table& t) { return read_log(t, c.log); }},
  };
  for (const Part& p : parts) {
    auto t = sub_table(s, p.key);
    if (!t) return std::unexpected(t.error());
    if (*t != nullptr) TRY(p.read(**t));
  }
  TRY(s.no_unknown_keys());
  return c;
}

#undef TRY

}  // namespace

std::expected<std::chrono::milliseconds, std::string> parse_duration(std::string_view text) {
  if (text.empty()) return std::unexpected(std::string("empty duration (expected e.g. \"15m\", \"6h\", \"7d\")"));
  std::chrono::milliseconds total{0};
  std::string_view rest = text;
  while (!rest.empty()) {
    std::uint64_t n = 0;
    const auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
    if (ec != std::errc() || p == rest.data()) {
      return std::unexpected("bad duration \"" + std::string(text) + "\" (expected e.g. \"15m\", \"6h\", \"7d\", \"1h30m\")");
    }
    rest.remove_prefix(static_cast<std::size_t>(p - rest.data()));
    std::uint64_t unit_ms = 0;
    if (rest.starts_with("ms")) {
      unit_ms = 1;
      rest.remove_prefix(2);
    } else if (!rest.empty()) {
      switch (rest.front()) {
        case 's': unit_ms = 1000; break;
        case 'm': unit_ms = 60'000; break;
        case 'h': unit_ms = 3'600'000; break;
        case 'd': unit_ms = 86'400'000; break;
        case 'w': unit_ms = 7 * 86'400'000ull; break;
        default: break;
      }
      if (unit_ms != 0) rest.remove_prefix(1);
    }
    if (unit_ms == 0) {
      return std::unexpected("bad duration \"" + std::string(text) + "\": every number needs a unit (ms, s, m, h, d, w)");
    }
    constexpr std::uint64_t kMax = 100ull * 365 * 86'400'000;  // a century is plenty
    if (n > kMax / unit_ms || static_cast<std::uint64_t>(total.count()) + n * unit_ms > kMax) {
      return std::unexpected("duration \"" + std::string(text) + "\" is too long");
    }
    total += std::chrono::milliseconds(static_cast<std::int64_t>(n * unit_ms));
  }
  return total;
}

std::expected<WatchConfig, std::string> parse_watch_config(std::string_view text, std::string_view source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return std::unexpected(std::string(source) + ":" + position_text(e.source().begin) + ": " +
                           std::string(e.description()));
  }
  auto c = read_config(root);
  if (!c) {
    return std::unexpected(std::string(source) + ":" + position_text(c.error().where) + ": " + c.error().key + ": " +
                           c.error().message);
  }
  c->source = std::string(source);
  return std::move(*c);
}

std::expected<WatchConfig, std::string> load_watch_config(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return std::unexpected("cannot read config " + path);
  std::ostringstream s;
  s << f.rdbuf();
  if (f.bad()) return std::unexpected("cannot read config " + path);
  return parse_watch_config(s.str(), path);
}

}  // namespace lookalike::pipeline
