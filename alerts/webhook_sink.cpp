// The webhook sink: an HTTP POST of the alert JSON through net's verified HTTP client, HMAC-signed
// when a secret is set, retried with backoff (408/429/5xx), https only (plain http to loopback).
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <stdexcept>

#include "alerts/delivery.hpp"
#include "alerts/sinks.hpp"
#include "domain/domain.hpp"
#include "net/http.hpp"
#include "util/encoding.hpp"
#include "util/utf8.hpp"

namespace lookalike::alerts {
namespace {

// The URL without its query string (it may carry a token) for logs and errors.
std::string redact_url(std::string_view url) {
  const auto q = url.find_first_of("?#");
  std::string out = util::printable(url.substr(0, q));
  if (q != std::string_view::npos) out += "?[redacted]";
  return out;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
           data.size(), md, &len) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");  // only on allocation failure
  }
  return util::hex_encode(std::span<const std::uint8_t>(md, len));
}

bool header_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// The host of an http(s) URL, without brackets; empty when the URL has none.
std::string url_host(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    return close == std::string_view::npos ? std::string() : std::string(rest.substr(1, close - 1));
  }
  return std::string(rest.substr(0, rest.rfind(':')));
}

class WebhookSink final : public Sink {
 public:
  static std::expected<std::unique_ptr<Sink>, std::string> open(const SinkConfig& c) {
    const std::string where = "webhook sink";
    if (c.url.empty()) return std::unexpected(where + ": url is required");
    const bool tls = c.url.starts_with("https://");
    if (!tls && !c.url.starts_with("http://")) {
      return std::unexpected(where + ": url \"" + redact_url(c.url) + "\": scheme must be https (or http to loopback)");
    }
    const std::string host = url_host(c.url);
    if (host.empty()) return std::unexpected(where + ": url \"" + redact_url(c.url) + "\": no host");
    if (host.find('@') != std::string::npos) {
      return std::unexpected(where + ": url \"" + redact_url(c.url) + "\": credentials in the URL are not allowed");
    }
    if (!tls && !net::is_loopback_host(host)) {
      return std::unexpected(where + ": url \"" + redact_url(c.url) +
                             "\": plain http is only allowed to loopback; use https");
    }
    if (!c.ca_file.empty() && ::access(c.ca_file.c_str(), R_OK) != 0) {
      return std::unexpected(where + ": ca_file \"" + util::printable(c.ca_file) + "\": " + errno_text(errno));
    }
    for (const auto& [name, value] : c.headers) {
      if (!header_token(name))
        return std::unexpected(where + ": headers: \"" + util::printable(name) + "\" is not a header name");
      if (value.find_first_of("\r\n") != std::string::npos || value.find('\0') != std::string::npos) {
        return std::unexpected(where + ": headers." + name + ": value contains a line break");
      }
      for (std::string_view reserved : {"host", "content-length", "transfer-encoding", "connection", "content-type",
                                        "x-lookalike-alert-id", "x-lookalike-signature"}) {
        if (iequals(name, reserved)) return std::unexpected(where + ": headers." + name + ": set by the sink itself");
      }
    }
    if (c.timeout.count() <= 0) return std::unexpected(where + ": timeout must be positive");
    return std::unique_ptr<Sink>(new WebhookSink(c));
  }

  [[nodiscard]] std::string describe() const override { return "webhook " + redact_url(config_.url); }

  [[nodiscard]] std::expected<void, std::string> deliver(const Alert& alert) override {
    if (!wanted(config_.kinds, alert.kind)) return {};
    std::vector<std::pair<std::string, std::string>> headers;
    headers.emplace_back("Content-Type", "application/json");
    headers.emplace_back("X-Lookalike-Alert-Id", alert_id(alert));
    if (!config_.secret.empty()) {
      headers.emplace_back("X-Lookalike-Signature", "sha256=" + hmac_sha256_hex(config_.secret, alert.json));
    }
    for (const auto& h : config_.headers) headers.push_back(h);
    const std::string what = describe();
    return with_retries(config_, rng_, what, alert, [&]() -> Attempt {
      auto r = client_->post(config_.url, alert.json, headers);
      Attempt a;
      if (!r) {
        // net's errors start with the URL: keep a query-string token out of the logs.
        std::string e = r.error().what;
        if (const auto at = e.find(config_.url); at != std::string::npos)
          e.replace(at, config_.url.size(), redact_url(config_.url));
        a.error = std::move(e);
        return a;
      }
      const unsigned s = r->status;
      if (s >= 200 && s < 300) {
        a.delivered = true;
        return a;
      }
      a.error = "HTTP " + std::to_string(s);
      if (!r->body.empty()) a.error += ": " + util::printable(std::string_view(r->body).substr(0, 200));
      if (r->retry_after) a.retry_after = std::chrono::duration_cast<milliseconds>(*r->retry_after);
      // 408/429 and 5xx are the receiver's temporary trouble; other answers will not change.
      a.permanent = !(s == 408 || s == 429 || (s >= 500 && s < 600));
      if (s >= 300 && s < 400) a.error += " (redirects are not followed)";
      return a;
    });
  }

 private:
  explicit WebhookSink(const SinkConfig& c) : config_(c), rng_(std::random_device{}()) {
    net::HttpOptions o;
    o.timeout = c.timeout;
    o.ca_file = c.ca_file;
    o.body_limit = 64 * 1024;  // we only read the status; a huge error page is not worth memory
    client_ = net::make_http_client(o);
  }

  SinkConfig config_;
  std::mt19937_64 rng_;
  std::unique_ptr<net::HttpClient> client_;
};

}  // namespace

std::optional<SinkConfigProblem> check_webhook_sink(const SinkConfig& c) {
  if (c.url.empty()) return SinkConfigProblem{"url", "a webhook sink needs a url"};
  return std::nullopt;
}

std::expected<std::unique_ptr<Sink>, std::string> open_webhook_sink(const SinkConfig& c) {
  return WebhookSink::open(c);
}

}  // namespace lookalike::alerts
