// The HTTP(S) client every stage that talks to a server uses (CT logs, RDAP registries, webhook
// receivers): HTTP/1.1 keep-alive, TLS with certificates and host names verified, gzip bodies,
// per-operation timeouts, plain http only on loopback, Retry-After parsed. Boost.Beast, Asio,
// OpenSSL and zlib stay inside net/; this header only uses std types.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lookalike::net {

// A transport failure with the URL and what went wrong ("https://x/: TLS handshake: ...").
struct Error {
  std::string what;
};

struct HttpResponse {
  unsigned status = 0;
  std::string body;  // already gunzipped
  std::optional<std::chrono::seconds> retry_after;
};

// A Retry-After value (RFC 9110 section 10.2.3): delay-seconds, or an HTTP-date in any of its
// three forms (IMF-fixdate, RFC 850, asctime) turned into the wait from `now` (zero for a date
// already past, at most a year); nullopt for anything else.
[[nodiscard]] std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                                   std::chrono::system_clock::time_point now);

// One client; injectable, so callers are unit-tested with fakes.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // GETs an absolute URL (http only on loopback, https verified). Transport errors are values.
  [[nodiscard]] virtual std::expected<HttpResponse, Error> get(const std::string& url) = 0;
  // POSTs `body` with extra `headers` (name, value) under the same rules; any status is a value.
  // The default (for test fakes that only GET) returns an error.
  [[nodiscard]] virtual std::expected<HttpResponse, Error> post(
      const std::string& url, std::string_view body,
      const std::vector<std::pair<std::string, std::string>>& headers);
};

// Which addresses a client connects to, checked on every address a host name resolves to (and on
// literal ones). Cloud metadata, unspecified and multicast addresses are refused under all three.
enum class Reach : std::uint8_t {
  any,                 // CT logs, webhooks: whatever the user configured, loopback and private too
  global_only,         // servers named by third-party data (RDAP bootstrap): public addresses only
  global_or_loopback,  // the same plus 127.0.0.0/8 and ::1 (tests, a user's own bootstrap file)
};

struct HttpOptions {
  std::chrono::milliseconds timeout{30000};
  Reach reach = Reach::any;
  std::string ca_file;  // extra trust anchor (tests); SSL_CERT_FILE is honoured as well
  std::size_t body_limit = 256u << 20;
};

// A Beast client keeping one connection per host alive; the verifying TLS context is shared by
// every client of the process. Not thread-safe: one per worker.
[[nodiscard]] std::unique_ptr<HttpClient> make_http_client(const HttpOptions& options = {});
// True for 127.0.0.0/8, ::1 and "localhost" (where plain http is allowed).
[[nodiscard]] bool is_loopback_host(std::string_view host);
// The User-Agent every request carries: "lookalike/<project version>".
[[nodiscard]] std::string_view user_agent() noexcept;

}  // namespace lookalike::net
