// RDAP enrichment (RFC 7480-7484, RFC 9082/9083/9224): which registry serves a TLD (the IANA
// bootstrap file, a dated snapshot bundled in data/rdap/), the registry's domain record over
// verified HTTPS, and the registrar/abuse facts a takedown request needs. Lookups are cached in
// the index (ObservationKind::rdap) and rate-limited per server. Only std types in this header.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::index {
class Store;
}

namespace lookalike::rdap {

using Time = std::int64_t;  // Unix milliseconds, like index::Time

// What went wrong and where ("rdap.example: HTTP 503", "response: no objectClassName at /").
struct Error {
  std::string what;
};

// The facts a registrar abuse desk needs, taken from an RFC 9083 domain object.
struct Record {
  std::string name;                  // the queried domain (A-label)
  std::string handle;                // the registry's handle, if given
  std::string server;                // base URL that answered
  std::string registrar;             // fn of the entity with role "registrar"
  std::optional<std::uint32_t> registrar_iana_id;  // publicIds "IANA Registrar ID"
  std::string abuse_email;           // entity with role "abuse" (usually inside the registrar)
  std::string abuse_phone;
  std::optional<Time> registered;    // events "registration"
  std::optional<Time> expires;       // events "expiration"
  std::optional<Time> last_changed;  // events "last changed"
  std::vector<std::string> status;   // e.g. "client transfer prohibited"
  std::vector<std::string> nameservers;  // ldhName, lower case
  Time fetched = 0;                  // when it was retrieved
  std::vector<std::string> warnings; // non-fatal oddities in the response (missing abuse contact...)
  bool operator==(const Record&) const = default;
};

// Parses an RFC 9083 domain response for `name`. Malformed JSON, a wrong objectClassName or an
// RDAP error object are Errors naming the place; missing optional members are warnings.
[[nodiscard]] std::expected<Record, Error> parse_domain(std::string_view json, std::string_view name);

// Record <-> JSON (the cache payload in the index and the `rdap --json` output).
[[nodiscard]] std::string to_json(const Record& record);
[[nodiscard]] std::expected<Record, Error> from_json(std::string_view json);

// The IANA RDAP bootstrap registry for DNS (RFC 9224).
class Bootstrap {
 public:
  // Parses an IANA dns.json document.
  [[nodiscard]] static std::expected<Bootstrap, Error> parse(std::string_view json);
  // Reads a file (the bundled snapshot when `path` is empty).
  [[nodiscard]] static std::expected<Bootstrap, Error> load(const std::string& path = {});
  // Base URLs (ending in '/') serving `domain`'s TLD, https first; empty when none is known.
  [[nodiscard]] std::vector<std::string> servers_for(std::string_view domain) const;
  [[nodiscard]] const std::string& publication() const noexcept { return publication_; }
  [[nodiscard]] std::size_t size() const noexcept { return services_.size(); }

 private:
  std::string publication_;
  std::vector<std::pair<std::string, std::vector<std::string>>> services_;  // tld -> urls, sorted
};

// Where the bundled snapshot lives and where refreshes are fetched from.
[[nodiscard]] std::string bundled_bootstrap_path();
inline constexpr std::string_view kBootstrapUrl = "https://data.iana.org/rdap/dns.json";

struct Options {
  std::string bootstrap_path;                  // empty: the bundled snapshot
  std::chrono::milliseconds timeout{15000};
  std::string ca_file;                         // extra trust anchor (tests)
  std::chrono::milliseconds min_interval{1000};  // per server, between requests
  std::chrono::hours max_age{24 * 7};           // cached records younger than this are reused
  unsigned max_retries = 3;                    // on 429/5xx, honouring Retry-After
};

// Looks domains up; thread-safe (rate limits are shared between threads).
class Client {
 public:
  [[nodiscard]] static std::expected<Client, Error> make(const Options& options);
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  ~Client();

  // The registry's record for `name` (its registrable domain is queried). With a store, a cached
  // record younger than max_age is returned without network traffic, and a fresh one is cached.
  [[nodiscard]] std::expected<Record, Error> lookup(std::string_view name, index::Store* store = nullptr,
                                                    bool refresh = false);

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The newest cached record of `name` in the store, whatever its age (no network).
[[nodiscard]] std::expected<std::optional<Record>, Error> cached(const index::Store& store, std::string_view name);

}  // namespace lookalike::rdap
