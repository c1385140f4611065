#include "posture/policy_fetch.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "posture/rdata.hpp"
#include "posture/records.hpp"
#include "scoring/probe.hpp"

namespace lookalike::posture {
namespace {


struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};
struct SslCtxDeleter {
  void operator()(SSL_CTX* c) const noexcept { SSL_CTX_free(c); }
};
struct SslDeleter {
  void operator()(SSL* s) const noexcept { SSL_free(s); }
};

std::string ssl_error() {
  const unsigned long e = ERR_get_error();
  if (e == 0) return "connection closed";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

class HttpsPolicyFetcher final : public PolicyFetcher {
 public:
  HttpsPolicyFetcher(Dns& dns, FetchOptions options) : dns_(dns), options_(std::move(options)) {}

  std::expected<FetchedPolicy, std::string> fetch(std::string_view policy_host) override {
    std::vector<Question> qs{{std::string(policy_host), rrtype::a}, {std::string(policy_host), rrtype::aaaa}};
    const auto answers = dns_.resolve(qs);
    std::vector<std::string> addresses, refused;
    for (const auto& a : answers)
      for (const auto& rd : a.rdata)
        if (auto t = address_text(rd)) {
          auto parsed = scoring::parse_address(*t);
          if (parsed && scoring::may_connect(*parsed, options_.allow_private))
            addresses.push_back(*t);
          else
            refused.push_back(*t + " (" + std::string(parsed ? scoring::address_class_name(scoring::classify(*parsed)) : "invalid") + ")");
        }
    if (addresses.empty()) {
      if (!refused.empty()) {
        std::string r;
        for (const auto& x : refused) r += (r.empty() ? "" : ", ") + x;
        return std::unexpected(std::string(policy_host) + ": refused by the address guard: " + r);
      }
      return std::unexpected(std::string(policy_host) + " does not resolve");
    }
    std::string last_error;
    for (const auto& address : addresses) {
      auto got = get(policy_host, address);
      if (got) return got;
      last_error = got.error();
    }
    return std::unexpected(last_error);
  }

 private:
  std::expected<FetchedPolicy, std::string> get(std::string_view host, const std::string& address) {
    const std::string where = "https://" + std::string(host) + " at " + address;
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (address.find(':') != std::string::npos) {
      auto* a6 = reinterpret_cast<sockaddr_in6*>(&ss);
      a6->sin6_family = AF_INET6;
      a6->sin6_port = htons(options_.port);
      ::inet_pton(AF_INET6, address.c_str(), &a6->sin6_addr);
      len = sizeof(sockaddr_in6);
    } else {
      auto* a4 = reinterpret_cast<sockaddr_in*>(&ss);
      a4->sin_family = AF_INET;
      a4->sin_port = htons(options_.port);
      ::inet_pton(AF_INET, address.c_str(), &a4->sin_addr);
      len = sizeof(sockaddr_in);
    }
    Fd sock{::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)};
    if (sock.fd < 0) return std::unexpected(where + ": socket: " + std::strerror(errno));
    if (::connect(sock.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS)
      return std::unexpected(where + ": connect: " + std::strerror(errno));
    pollfd pfd{sock.fd, POLLOUT, 0};
    if (::poll(&pfd, 1, options_.timeout_ms) <= 0) return std::unexpected(where + ": connect timed out");
    int so_error = 0;
    socklen_t so_len = sizeof so_error;
    ::getsockopt(sock.fd, SOL_SOCKET, SO_ERROR, &so_error, &so_len);
    if (so_error != 0) return std::unexpected(where + ": connect: " + std::strerror(so_error));
    // Blocking from here on, each read and write bounded by the socket timeouts.
    ::fcntl(sock.fd, F_SETFL, ::fcntl(sock.fd, F_GETFL) & ~O_NONBLOCK);
    timeval tv{options_.timeout_ms / 1000, (options_.timeout_ms % 1000) * 1000};
    ::setsockopt(sock.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(sock.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

    std::unique_ptr<SSL_CTX, SslCtxDeleter> ctx(SSL_CTX_new(TLS_client_method()));
    if (!ctx) return std::unexpected(where + ": TLS context: " + ssl_error());
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_default_verify_paths(ctx.get());
    if (!options_.ca_file.empty() && SSL_CTX_load_verify_locations(ctx.get(), options_.ca_file.c_str(), nullptr) != 1)
      return std::unexpected("cannot load " + options_.ca_file + ": " + ssl_error());
    std::unique_ptr<SSL, SslDeleter> ssl(SSL_new(ctx.get()));
    const std::string host_z(host);
    SSL_set_tlsext_host_name(ssl.get(), host_z.c_str());
    SSL_set1_host(ssl.get(), host_z.c_str());
    SSL_set_fd(ssl.get(), sock.fd);
    if (SSL_connect(ssl.get()) != 1) {
      const long verify = SSL_get_verify_result(ssl.get());
      if (verify != X509_V_OK)
        return std::unexpected(where + ": certificate not valid: " + X509_verify_cert_error_string(verify));
      return std::unexpected(where + ": TLS handshake: " + ssl_error());
    }
    const std::string request = "GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: " + host_z +
                                "\r\nUser-Agent: lookalike-posture\r\nAccept: text/plain\r\nConnection: close\r\n\r\n";
    if (SSL_write(ssl.get(), request.data(), static_cast<int>(request.size())) <= 0)
      return std::unexpected(where + ": write: " + ssl_error());
    std::string raw;
    char buf[8192];
    while (raw.size() <= kMaxHttpHead + kMaxRecordText + 64) {  // a little over the cap, to tell "too big"
      const int n = SSL_read(ssl.get(), buf, sizeof buf);
      if (n <= 0) break;
      raw.append(buf, static_cast<std::size_t>(n));
    }
    auto parsed = parse_http_response(raw);
    if (!parsed) return std::unexpected(where + ": " + parsed.error());
    parsed->peer = address;
    return parsed;
  }

  Dns& dns_;
  FetchOptions options_;
};

}  // namespace

std::unique_ptr<PolicyFetcher> make_policy_fetcher(Dns& dns, const FetchOptions& options) {
  return std::make_unique<HttpsPolicyFetcher>(dns, options);
}

}  // namespace lookalike::posture
