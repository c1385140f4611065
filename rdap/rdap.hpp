// RDAP enrichment (RFC 7480-7484, RFC 9082/9083/9224): which registry serves a TLD (the IANA
// bootstrap file, a dated snapshot bundled in data/rdap/), the registry's domain record over
// verified HTTPS, and the registrar/abuse facts a takedown request needs. Lookups are cached in
// the index (ObservationKind::rdap) and rate-limited per server. Only std types in this header.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lookalike::index {
class Store;
}

namespace lookalike::rdap {

using Time = std::int64_t;  // Unix milliseconds, like index::Time

// What went wrong and where ("rdap.example: HTTP 503", "response: no objectClassName at /").
struct Error {
  std::string what;
  unsigned http_status = 0;  // the server's final HTTP status, or an RDAP errorCode (404: not registered)
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

// Parses an RFC 9083 domain response for `name`. Malformed JSON, an RDAP error object, a wrong
// objectClassName or a member of the wrong type are Errors naming the JSON path ("response:
// /entities/0/roles is not an array"); missing facts are warnings. Depth and sizes are bounded.
[[nodiscard]] std::expected<Record, Error> parse_domain(std::string_view json, std::string_view name);

// Record <-> JSON (the cache payload in the index and the `rdap --json` output).
[[nodiscard]] std::string to_json(const Record& record);
[[nodiscard]] std::expected<Record, Error> from_json(std::string_view json);
// A failed lookup as one JSON line: {"name":…,"error":…,"http_status":404|null}.
[[nodiscard]] std::string error_json(std::string_view name, const Error& error);
// The record for people (`lookalike rdap`): registrar, abuse contact, dates, status, name servers,
// source (" (cached)" when `from_cache`) and warnings, one labelled line each, controls escaped.
void write_record_text(std::ostream& out, const Record& record, bool from_cache);

// The IANA RDAP bootstrap registry for DNS (RFC 9224).
class Bootstrap {
 public:
  // Parses an IANA dns.json document.
  [[nodiscard]] static std::expected<Bootstrap, Error> parse(std::string_view json);
  // Reads a file; with an empty `path`, the refreshed user_bootstrap_path() when it exists and
  // parses, else the embedded snapshot.
  [[nodiscard]] static std::expected<Bootstrap, Error> load(const std::string& path = {});
  // Base URLs (ending in '/') serving `domain`'s TLD, https first; empty when none is known.
  [[nodiscard]] std::vector<std::string> servers_for(std::string_view domain) const;
  [[nodiscard]] const std::string& publication() const noexcept { return publication_; }
  [[nodiscard]] std::size_t size() const noexcept { return services_.size(); }  // TLDs covered
  // Where it was read from ("embedded snapshot" or a path).
  [[nodiscard]] const std::string& source() const noexcept { return source_; }

 private:
  std::string publication_;
  std::string source_;
  std::vector<std::pair<std::string, std::vector<std::string>>> services_;  // tld -> urls, sorted
};

// The source-tree copy of the bundled snapshot (data/rdap/dns.json); the library embeds the
// same bytes, so an installed binary needs no file.
[[nodiscard]] std::string bundled_bootstrap_path();
// The embedded snapshot itself (IANA's dns.json, dated by its "publication" member).
[[nodiscard]] std::string_view bundled_bootstrap_json() noexcept;
// Where `rdap --update-bootstrap` keeps a refreshed copy: $XDG_DATA_HOME/lookalike-data/rdap/dns.json
// (~/.local/share when unset). Bootstrap::load() prefers it over the embedded snapshot.
[[nodiscard]] std::string user_bootstrap_path();
inline constexpr std::string_view kBootstrapUrl = "https://data.iana.org/rdap/dns.json";

// One HTTP answer as the client sees it (the injectable transport returns these).
struct Response {
  unsigned status = 0;
  std::string body;
  std::optional<std::chrono::seconds> retry_after;
};
// GETs an absolute URL; transport failures are Errors. Default: ctlog's verified HTTPS client.
using Transport = std::function<std::expected<Response, Error>(const std::string& url)>;

struct Options {
  std::string bootstrap_path;                  // empty: the bundled snapshot
  std::string server;  // a base URL to ask for every name instead of the bootstrap's (a registrar's
                       // RDAP service, a TLD missing from IANA's file); cached answers of other
                       // servers are then not reused
  std::chrono::milliseconds timeout{15000};
  std::string ca_file;                         // extra trust anchor (tests)
  std::chrono::milliseconds min_interval{1000};  // per server, between requests
  std::chrono::hours max_age{24 * 7};           // cached records younger than this are reused
  unsigned max_retries = 3;                    // on 429/5xx, honouring Retry-After
  std::chrono::seconds max_retry_after{60};     // a longer Retry-After gives up instead of waiting
  // Servers on loopback are refused unless allowed (tests, a user's own bootstrap file); literal
  // private, link-local and metadata addresses are always refused.
  bool allow_loopback = false;
  Transport transport;                         // empty: net::make_http_client per thread
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

// What a bootstrap refresh did.
struct BootstrapUpdate {
  std::string path;         // the file written
  std::string publication;  // IANA's publication date of the new file
  std::size_t services = 0; // TLDs it covers
};
// Fetches a dns.json from `url` (verified HTTPS; http only on loopback), checks that it parses and
// covers at least one TLD, and replaces `output` (default user_bootstrap_path()) atomically.
[[nodiscard]] std::expected<BootstrapUpdate, Error> update_bootstrap(const Options& options,
                                                                     std::string_view url = kBootstrapUrl,
                                                                     const std::string& output = {});

}  // namespace lookalike::rdap
