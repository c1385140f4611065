// RDAP lookups: bootstrap -> registry base URL -> GET <base>domain/<name> over verified HTTPS
// (net's client), with a per-server rate limit shared by all threads, retries on 429/5xx that
// honour Retry-After, and the index as a cache.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "domain/domain.hpp"
#include "index/index.hpp"
#include "net/address.hpp"
#include "net/http.hpp"
#include "rdap/rdap.hpp"

namespace lookalike::rdap {
namespace {

using Clock = std::chrono::steady_clock;

struct Origin {
  std::string scheme, host, port;
  [[nodiscard]] std::string key() const { return scheme + "://" + host + ":" + port; }
};

// scheme://host[:port]/... of a base URL; nullopt when it is not one we can use.
std::optional<Origin> origin_of(std::string_view url) {
  std::string_view scheme, port;
  if (url.starts_with("https://")) {
    scheme = "https";
    port = "443";
  } else if (url.starts_with("http://")) {
    scheme = "http";
    port = "80";
  } else {
    return std::nullopt;
  }
  url.remove_prefix(scheme.size() + 3);
  std::string_view authority = url.substr(0, url.find_first_of("/?#"));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  std::string_view host;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    authority.remove_prefix(close + 1);
    if (!authority.empty()) {
      if (authority.front() != ':') return std::nullopt;
      port = authority.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (host.empty() || port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  Origin o{std::string(scheme), std::string(host), std::string(port)};
  for (char& c : o.host) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return o;
}

enum class HostClass { public_host, loopback, forbidden };

// Literal addresses we never query (private, link-local incl. cloud metadata, CGNAT, multicast...);
// the addresses a name resolves to are checked by the HTTP client at connect time (Reach).
HostClass classify(const std::string& host) {
  if (host == "localhost" || host.ends_with(".localhost")) return HostClass::loopback;
  const auto a = net::parse_address(host);
  if (!a) return HostClass::public_host;
  const auto c = net::classify(*a);
  if (c == net::AddressClass::loopback) return HostClass::loopback;
  return c == net::AddressClass::global ? HostClass::public_host : HostClass::forbidden;
}

std::expected<void, Error> check_server(const std::string& base, const Options& o) {
  auto origin = origin_of(base);
  if (!origin) return std::unexpected(Error{base + ": not an http(s) base URL"});
  switch (classify(origin->host)) {
    case HostClass::public_host: break;
    case HostClass::loopback:
      if (!o.allow_loopback) return std::unexpected(Error{base + ": refusing a loopback RDAP server"});
      break;
    case HostClass::forbidden:
      return std::unexpected(Error{base + ": refusing a private, link-local or reserved address"});
  }
  return {};
}

}  // namespace

struct Client::Impl {
  Options opts;
  Bootstrap boot;
  std::mutex rate_mu;
  std::map<std::string, Clock::time_point> next_slot;  // origin -> earliest next request
  std::mutex pool_mu;
  std::vector<std::unique_ptr<net::HttpClient>> pool;  // idle connections, one in use per thread

  Impl(Options o, Bootstrap b) : opts(std::move(o)), boot(std::move(b)) {}

  // The default transport: a pooled net client (not thread-safe, so one per concurrent call).
  std::expected<Response, Error> http_get(const std::string& url) {
    std::unique_ptr<net::HttpClient> c;
    {
      std::lock_guard lock(pool_mu);
      if (!pool.empty()) {
        c = std::move(pool.back());
        pool.pop_back();
      }
    }
    if (!c) {
      net::HttpOptions h;
      h.timeout = opts.timeout;
      h.ca_file = opts.ca_file;
      h.body_limit = 4u << 20;  // RDAP domain objects are a few KiB
      // Registry host names come from IANA's file or a user's: whatever they resolve to must be
      // public (or loopback when allowed), never private or a cloud metadata service.
      h.reach = opts.allow_loopback ? net::Reach::global_or_loopback : net::Reach::global_only;
      c = net::make_http_client(h);
    }
    auto r = c->get(url);
    {
      std::lock_guard lock(pool_mu);
      pool.push_back(std::move(c));
    }
    if (!r) return std::unexpected(Error{r.error().what});
    return Response{r->status, std::move(r->body), r->retry_after};
  }

  std::expected<Response, Error> get(const std::string& url) {
    return opts.transport ? opts.transport(url) : http_get(url);
  }

  // Waits for this server's next free slot and books the one after it.
  void wait_turn(const std::string& origin) {
    Clock::time_point slot;
    {
      std::lock_guard lock(rate_mu);
      auto& next = next_slot[origin];
      slot = std::max(Clock::now(), next);
      next = slot + opts.min_interval;
    }
    std::this_thread::sleep_until(slot);
  }

  // Every thread backs off from a server that asked us to.
  void push_back_server(const std::string& origin, std::chrono::milliseconds delay) {
    std::lock_guard lock(rate_mu);
    auto& next = next_slot[origin];
    next = std::max(next, Clock::now() + delay);
  }

  // GET with the rate limit and retries; the body of a 200 answer.
  std::expected<std::string, Error> fetch(const std::string& url, const std::string& origin) {
    for (unsigned attempt = 0;; ++attempt) {
      wait_turn(origin);
      auto r = get(url);
      if (!r) return std::unexpected(Error{url + ": " + r.error().what});
      if (r->status == 200) return std::move(r->body);
      const bool retryable = r->status == 429 || r->status == 500 || r->status == 502 || r->status == 503 ||
                             r->status == 504;
      if (!retryable) {
        std::string what = url + ": HTTP " + std::to_string(r->status);
        if (r->status == 404) what += " (not registered, or unknown to this registry)";
        if (r->status >= 300 && r->status < 400) what += " (redirects are not followed)";
        return std::unexpected(Error{std::move(what), r->status});
      }
      if (attempt >= opts.max_retries) {
        return std::unexpected(Error{url + ": HTTP " + std::to_string(r->status) + " after " +
                                         std::to_string(attempt + 1) + " attempts",
                                     r->status});
      }
      std::chrono::milliseconds delay{500 << std::min(attempt, 6u)};
      if (r->retry_after) {
        if (*r->retry_after > opts.max_retry_after) {
          return std::unexpected(Error{url + ": HTTP " + std::to_string(r->status) + ", Retry-After " +
                                           std::to_string(r->retry_after->count()) + " s is over the " +
                                           std::to_string(opts.max_retry_after.count()) + " s cap",
                                       r->status});
        }
        delay = *r->retry_after;
      }
      push_back_server(origin, delay);
    }
  }
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

std::expected<Client, Error> Client::make(const Options& options) {
  Options o = options;
  if (!o.server.empty()) {
    if (!origin_of(o.server)) return std::unexpected(Error{o.server + ": not an http(s) base URL"});
    if (o.server.back() != '/') o.server.push_back('/');
  }
  auto boot = Bootstrap::load(o.bootstrap_path);
  if (!boot) return std::unexpected(boot.error());
  return Client(std::make_unique<Impl>(std::move(o), std::move(*boot)));
}

std::expected<Record, Error> Client::lookup(std::string_view name, index::Store* store, bool refresh) {
  auto parsed = domain::parse(name);
  if (!parsed) return std::unexpected(Error{parsed.error().message()});
  const std::string reg = parsed->registrable();
  if (store != nullptr && !refresh) {
    auto c = cached(*store, reg);
    const auto max_age_ms = std::chrono::duration_cast<std::chrono::milliseconds>(impl_->opts.max_age).count();
    // A damaged cache entry is not fatal: the registry is asked again.
    // With a chosen server, only that server's answer will do.
    if (c && *c && (*c)->fetched >= index::now_ms() - max_age_ms &&
        (impl_->opts.server.empty() || (*c)->server == impl_->opts.server)) {
      return **c;
    }
  }
  std::vector<std::string> servers;
  if (!impl_->opts.server.empty()) {
    servers.push_back(impl_->opts.server);
  } else {
    servers = impl_->boot.servers_for(reg);
  }
  if (servers.empty()) {
    return std::unexpected(Error{reg + ": no RDAP server for ." + parsed->suffix.substr(parsed->suffix.rfind('.') + 1) +
                                 " in the bootstrap file (" + impl_->boot.source() + ", published " +
                                 impl_->boot.publication() + ")"});
  }
  Error last{reg + ": no usable RDAP server"};
  for (const std::string& base : servers) {
    if (auto ok = check_server(base, impl_->opts); !ok) {
      last = ok.error();
      continue;
    }
    const std::string origin = origin_of(base)->key();
    const std::string url = base + "domain/" + reg;
    auto body = impl_->fetch(url, origin);
    if (!body) {
      // 404 is the registry's answer, not a server fault: another mirror would say the same.
      if (body.error().http_status == 404) return std::unexpected(body.error());
      last = body.error();
      continue;
    }
    auto rec = parse_domain(*body, reg);
    if (!rec) {
      Error e = rec.error();
      e.what = url + ": " + e.what;
      return std::unexpected(std::move(e));
    }
    rec->server = base;
    rec->fetched = index::now_ms();
    if (store != nullptr) {
      index::Observation o{reg, rec->fetched, index::ObservationKind::rdap, to_json(*rec)};
      if (auto w = store->record_observation(o); !w) rec->warnings.push_back("not cached: " + w.error().message);
    }
    return rec;
  }
  return std::unexpected(last);
}

std::expected<std::optional<Record>, Error> cached(const index::Store& store, std::string_view name) {
  std::optional<std::string> newest;
  auto r = store.observations(name, [&](const index::Observation& o) {
    if (o.kind == index::ObservationKind::rdap) newest = o.payload;
    return true;
  });
  if (!r) return std::unexpected(Error{"cache: " + r.error().message});
  if (!newest) return std::optional<Record>{};
  auto rec = from_json(*newest);
  if (!rec) return std::unexpected(Error{std::string(name) + ": " + rec.error().what});
  return std::optional<Record>(std::move(*rec));
}

std::expected<BootstrapUpdate, Error> update_bootstrap(const Options& options, std::string_view url,
                                                       const std::string& output) {
  const std::string target = output.empty() ? user_bootstrap_path() : output;
  if (target.empty()) return std::unexpected(Error{"no output file: set --output, XDG_DATA_HOME or HOME"});
  const std::string u(url);
  if (auto ok = check_server(u, options); !ok) return std::unexpected(ok.error());
  std::string body;
  if (options.transport) {
    auto r = options.transport(u);
    if (!r) return std::unexpected(Error{u + ": " + r.error().what});
    if (r->status != 200) return std::unexpected(Error{u + ": HTTP " + std::to_string(r->status), r->status});
    body = std::move(r->body);
  } else {
    net::HttpOptions h;
    h.timeout = options.timeout;
    h.ca_file = options.ca_file;
    h.body_limit = 16u << 20;
    auto r = net::make_http_client(h)->get(u);
    if (!r) return std::unexpected(Error{u + ": " + r.error().what});
    if (r->status != 200) return std::unexpected(Error{u + ": HTTP " + std::to_string(r->status), r->status});
    body = std::move(r->body);
  }
  auto boot = Bootstrap::parse(body);
  if (!boot) return std::unexpected(Error{u + ": " + boot.error().what});
  // Write beside the target, then rename: readers see the old file or the new one, never half.
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path path(target);
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  if (ec) return std::unexpected(Error{path.parent_path().string() + ": " + ec.message()});
  const fs::path tmp = path.string() + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(body.data(), static_cast<std::streamsize>(body.size()));
    f.flush();
    if (!f) {
      fs::remove(tmp, ec);
      return std::unexpected(Error{tmp.string() + ": write failed"});
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return std::unexpected(Error{path.string() + ": " + ec.message()});
  }
  return BootstrapUpdate{path.string(), boot->publication(), boot->size()};
}

}  // namespace lookalike::rdap
