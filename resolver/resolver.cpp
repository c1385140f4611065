#include "resolver/resolver.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "resolver/engine.hpp"
#include "resolver/transport.hpp"

namespace lookalike::resolver {
namespace {

constexpr double kSystemResolverQps = 300;

bool valid_ip(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

std::expected<Upstream, std::string> parse_one(std::string_view item) {
  const std::string original(item);
  Upstream u;
  std::string_view port_text;
  if (item.starts_with('[')) {
    const auto close = item.find(']');
    if (close == std::string_view::npos) return std::unexpected("missing ']' in resolver '" + original + "'");
    u.address = std::string(item.substr(1, close - 1));
    const auto rest = item.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':')) return std::unexpected("expected ':PORT' after ']' in resolver '" + original + "'");
      port_text = rest.substr(1);
    }
  } else if (std::count(item.begin(), item.end(), ':') == 1) {
    const auto colon = item.find(':');
    u.address = std::string(item.substr(0, colon));
    port_text = item.substr(colon + 1);
  } else {
    u.address = std::string(item);  // IPv4 without port, or bare IPv6
  }
  if (!valid_ip(u.address)) return std::unexpected("resolver '" + original + "' is not an IP address");
  if (!port_text.empty()) {
    unsigned port = 0;
    const auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || p != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      return std::unexpected("bad port in resolver '" + original + "'");
    }
    u.port = static_cast<std::uint16_t>(port);
  }
  return u;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool randomizes_case(const Config& config, const Upstream& u) {
  switch (config.case_randomization) {
    case CaseRandomization::always: return true;
    case CaseRandomization::never: return false;
    case CaseRandomization::remote: break;
  }
  unsigned char v4[4];
  if (inet_pton(AF_INET, u.address.c_str(), v4) == 1) return v4[0] != 127;
  unsigned char v6[16];
  if (inet_pton(AF_INET6, u.address.c_str(), v6) != 1) return true;
  static constexpr unsigned char kLoopback6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  if (std::equal(v6, v6 + 16, kLoopback6)) return false;
  return !(std::equal(v6, v6 + 12, kMapped) && v6[12] == 127);
}

const TypeResult* NameResult::find(RecordType t) const {
  for (const auto& r : types) {
    if (r.type == t) return &r;
  }
  return nullptr;
}

bool NameResult::exists() const {
  return std::any_of(types.begin(), types.end(), [](const TypeResult& t) {
    return t.outcome == Outcome::answer || t.outcome == Outcome::nodata || t.outcome == Outcome::referral;
  });
}

bool NameResult::nxdomain() const {
  return !types.empty() &&
         std::all_of(types.begin(), types.end(), [](const TypeResult& t) {
           return t.outcome == Outcome::nxdomain || t.type == RecordType::dmarc;
         }) &&
         std::any_of(types.begin(), types.end(), [](const TypeResult& t) { return t.outcome == Outcome::nxdomain; });
}

Resolver::Resolver(Config config)
    : Resolver(config, config.backend == Backend::c_ares ? make_cares_transport() : make_udp_transport()) {}

Resolver::Resolver(Config config, std::unique_ptr<Transport> transport)
    : config_(std::move(config)), transport_(std::move(transport)) {
  if (config_.types.empty()) throw std::invalid_argument("no record types to resolve");
  if (config_.upstreams.empty()) {
    auto sys = system_upstreams();
    if (!sys) throw std::invalid_argument(sys.error());
    config_.upstreams = std::move(*sys);
    // Public resolvers ban abusers: be a good citizen unless the user asked for a rate.
    if (!config_.qps) config_.qps = kSystemResolverQps;
  }
  for (const auto& u : config_.upstreams) {
    if (!valid_ip(u.address)) throw std::invalid_argument("resolver '" + u.address + "' is not an IP address");
  }
  if (config_.qps && *config_.qps < 0) throw std::invalid_argument("--qps must not be negative");
  if (config_.timeout.count() <= 0) throw std::invalid_argument("--timeout must be positive");
}

Resolver::~Resolver() = default;

Stats Resolver::resolve(const NameSource& next, const ResultSink& sink) {
  IndexedSink indexed = [&sink](std::uint64_t, NameResult&& r) { sink(std::move(r)); };
  return run_engine(config_, config_.upstreams, *transport_, next, indexed);
}

std::vector<NameResult> Resolver::resolve_all(const std::vector<std::string>& names, Stats* stats) {
  std::vector<NameResult> out(names.size());
  std::size_t i = 0;
  NameSource next = [&]() -> std::optional<std::string> {
    if (i >= names.size()) return std::nullopt;
    return names[i++];
  };
  IndexedSink sink = [&out](std::uint64_t index, NameResult&& r) { out[index] = std::move(r); };
  Stats s = run_engine(config_, config_.upstreams, *transport_, next, sink);
  if (stats != nullptr) *stats = s;
  return out;
}

std::expected<std::vector<Upstream>, std::string> parse_upstreams(std::string_view spec) {
  std::vector<std::string> items;
  std::ifstream file{std::string(spec)};
  if (!spec.empty() && spec.find(',') == std::string_view::npos && file) {
    std::string line;
    while (std::getline(file, line)) {
      const auto hash = line.find('#');
      if (hash != std::string::npos) line.resize(hash);
      const auto t = trim(line);
      if (!t.empty()) items.emplace_back(t);
    }
    if (items.empty()) return std::unexpected("resolver file '" + std::string(spec) + "' lists no resolvers");
  } else {
    std::string_view rest = spec;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto t = trim(rest.substr(0, comma));
      if (!t.empty()) items.emplace_back(t);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    if (items.empty()) return std::unexpected(std::string("no resolvers given"));
  }
  std::vector<Upstream> out;
  for (const auto& item : items) {
    auto u = parse_one(item);
    if (!u) return std::unexpected(u.error());
    out.push_back(std::move(*u));
  }
  return out;
}

std::expected<std::vector<Upstream>, std::string> system_upstreams(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::unexpected("cannot read " + path + " to find the system's resolvers; pass --resolvers");
  std::vector<Upstream> out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    std::string key;
    std::string value;
    if (ss >> key >> value && key == "nameserver") {
      if (const auto pct = value.find('%'); pct != std::string::npos) value.resize(pct);  // fe80::1%eth0
      if (valid_ip(value)) out.push_back(Upstream{value, 53});
    }
  }
  if (out.empty()) return std::unexpected(path + " lists no nameserver; pass --resolvers");
  return out;
}

std::string_view to_string(RecordType t) {
  switch (t) {
    case RecordType::a: return "A";
    case RecordType::aaaa: return "AAAA";
    case RecordType::mx: return "MX";
    case RecordType::ns: return "NS";
    case RecordType::txt: return "TXT";
    case RecordType::dmarc: return "DMARC";
  }
  return "?";
}

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::answer: return "answer";
    case Outcome::nodata: return "nodata";
    case Outcome::nxdomain: return "nxdomain";
    case Outcome::servfail: return "servfail";
    case Outcome::refused: return "refused";
    case Outcome::timeout: return "timeout";
    case Outcome::referral: return "referral";
    case Outcome::error: return "error";
  }
  return "?";
}

std::optional<RecordType> parse_record_type(std::string_view s) {
  std::string up(s);
  for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (RecordType t : {RecordType::a, RecordType::aaaa, RecordType::mx, RecordType::ns, RecordType::txt,
                       RecordType::dmarc}) {
    if (to_string(t) == up) return t;
  }
  return std::nullopt;
}

}  // namespace lookalike::resolver
