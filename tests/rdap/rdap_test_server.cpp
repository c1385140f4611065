#include "tests/rdap/rdap_test_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/time.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace lookalike::rdap::testing {
namespace {

const char* reason(unsigned status) {
  switch (status) {
    case 200: return "OK";
    case 301: return "Moved Permanently";
    case 404: return "Not Found";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

bool send_all(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

void RdapTestServer::SslCtxFree::operator()(void* p) const { SSL_CTX_free(static_cast<SSL_CTX*>(p)); }

RdapTestServer::RdapTestServer(std::function<Reply(const std::string&)> handler) : handler_(std::move(handler)) {
  start();
}

RdapTestServer::RdapTestServer(std::function<Reply(const std::string&)> handler, const std::string& cert_pem,
                               const std::string& key_pem)
    : handler_(std::move(handler)) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) throw std::runtime_error("SSL_CTX_new failed");
  ssl_ctx_.reset(ctx);
  BIO* cb = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
  BIO_free(cb);
  BIO* kb = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
  BIO_free(kb);
  const bool ok = cert != nullptr && key != nullptr && SSL_CTX_use_certificate(ctx, cert) == 1 &&
                  SSL_CTX_use_PrivateKey(ctx, key) == 1;
  X509_free(cert);
  EVP_PKEY_free(key);
  if (!ok) throw std::runtime_error("bad test certificate or key");
  start();
}

void RdapTestServer::start() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("socket failed");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 16) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("bind/listen on 127.0.0.1 failed");
  }
  socklen_t len = sizeof a;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  if (::pipe2(wake_, O_CLOEXEC) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("pipe failed");
  }
  thread_ = std::thread([this] { run(); });
}

RdapTestServer::~RdapTestServer() { stop(); }

void RdapTestServer::stop() {
  if (thread_.joinable()) {
    const char c = 'x';
    (void)!::write(wake_[1], &c, 1);
    thread_.join();
  }
  for (int* fd : {&listen_fd_, &wake_[0], &wake_[1]}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

std::string RdapTestServer::url() const {
  return std::string(ssl_ctx_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + "/";
}

std::size_t RdapTestServer::requests(const std::string& prefix) const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& t : targets_) n += t.starts_with(prefix) ? 1 : 0;
  return n;
}

void RdapTestServer::run() {
  // One thread per connection (clients keep connections alive); all end when wake_ is signalled.
  std::vector<std::thread> connections;
  for (;;) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) continue;
    if (p[1].revents != 0) break;
    if (p[0].revents & POLLIN) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        connections.emplace_back([this, fd] {
          serve(fd);
          ::close(fd);
        });
      }
    }
  }
  for (auto& t : connections) t.join();
}

// One connection, keep-alive: requests until the client closes or the server is stopped.
void RdapTestServer::serve(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // A peer that stalls mid-handshake or mid-record cannot hold stop() for long.
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(nullptr, &SSL_free);
  if (ssl_ctx_) {
    ssl.reset(SSL_new(static_cast<SSL_CTX*>(ssl_ctx_.get())));
    if (!ssl || SSL_set_fd(ssl.get(), fd) != 1 || SSL_accept(ssl.get()) != 1) {
      ERR_clear_error();
      return;
    }
  }
  auto receive = [&](char* p, std::size_t n) -> long {
    if (ssl) return SSL_read(ssl.get(), p, static_cast<int>(n));
    return static_cast<long>(::recv(fd, p, n, 0));
  };
  auto send_out = [&](const std::string& data) -> bool {
    if (!ssl) return send_all(fd, data);
    return SSL_write(ssl.get(), data.data(), static_cast<int>(data.size())) == static_cast<int>(data.size());
  };
  std::string buf;
  char chunk[8192];
  for (;;) {
    std::size_t end;
    while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
      if (!ssl || SSL_pending(ssl.get()) == 0) {
        pollfd p[2] = {{fd, POLLIN, 0}, {wake_[0], POLLIN, 0}};
        if (::poll(p, 2, 10000) <= 0 || p[1].revents != 0) return;
      }
      const long n = receive(chunk, sizeof chunk);
      if (n <= 0) return;
      buf.append(chunk, static_cast<std::size_t>(n));
      if (buf.size() > (1u << 20)) return;
    }
    const std::string head = buf.substr(0, end);
    buf.erase(0, end + 4);  // GET requests carry no body
    std::istringstream line(head.substr(0, head.find("\r\n")));
    std::string method, target;
    line >> method >> target;
    {
      std::lock_guard lock(mu_);
      targets_.push_back(target);
    }
    const Reply r = handler_(target);
    std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason(r.status) + "\r\n";
    out += "Content-Type: " + r.content_type + "\r\n";
    out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    if (r.retry_after) out += "Retry-After: " + std::to_string(*r.retry_after) + "\r\n";
    out += "\r\n" + r.body;
    if (!send_out(out)) return;
  }
}

std::string bootstrap_json(const std::vector<std::string>& tlds, const std::string& base_url) {
  std::string s = R"({"description":"test bootstrap","publication":"2026-11-28T00:00:00Z","services":[[[)";
  for (std::size_t i = 0; i < tlds.size(); ++i) s += (i ? ",\"" : "\"") + tlds[i] + "\"";
  s += "],[\"" + base_url + "\"]]],\"version\":\"1.0\"}";
  return s;
}

std::string fixture(const std::string& name) {
  const std::string path = std::string(LOOKALIKE_SOURCE_DIR) + "/tests/rdap/fixtures/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace lookalike::rdap::testing
