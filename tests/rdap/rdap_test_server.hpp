// A loopback RDAP server for tests: HTTP/1.1 on 127.0.0.1 (ephemeral port), plain or over TLS
// with a given certificate, answered by a handler, counting requests. Stops (and joins) on
// destruction.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace lookalike::rdap::testing {

struct Reply {
  unsigned status = 200;
  std::string body;
  std::optional<unsigned> retry_after;
  std::string content_type = "application/rdap+json";
};

// A reply with `status` and `body` and nothing else.
[[nodiscard]] inline Reply reply(unsigned status, std::string body) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

class RdapTestServer {
 public:
  // `handler` gets the request target ("/domain/example.com"); it runs on connection threads
  // (one per connection), so it must be thread-safe.
  explicit RdapTestServer(std::function<Reply(const std::string& target)> handler);
  // The same over TLS with a PEM certificate (chain) and key; url() is then https.
  RdapTestServer(std::function<Reply(const std::string& target)> handler, const std::string& cert_pem,
                 const std::string& key_pem);
  ~RdapTestServer();
  RdapTestServer(const RdapTestServer&) = delete;
  RdapTestServer& operator=(const RdapTestServer&) = delete;

  [[nodiscard]] unsigned short port() const { return port_; }
  // "http://127.0.0.1:<port>/" (https with TLS)
  [[nodiscard]] std::string url() const;
  // Requests whose target starts with `prefix` so far.
  [[nodiscard]] std::size_t requests(const std::string& prefix = "/") const;
  void stop();

 private:
  void start();
  void run();
  void serve(int fd);

  struct SslCtxFree {
    void operator()(void* p) const;
  };
  std::unique_ptr<void, SslCtxFree> ssl_ctx_;  // SSL_CTX, when serving TLS

  std::function<Reply(const std::string&)> handler_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  unsigned short port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::string> targets_;
};

// A dns.json bootstrap document mapping each of `tlds` to `base_url`.
[[nodiscard]] std::string bootstrap_json(const std::vector<std::string>& tlds, const std::string& base_url);

// Reads tests/rdap/fixtures/<name>; throws when missing (a test failure, never a skip).
[[nodiscard]] std::string fixture(const std::string& name);

}  // namespace lookalike::rdap::testing
