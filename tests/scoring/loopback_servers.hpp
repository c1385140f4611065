// Real SMTP, HTTP and HTTPS servers on 127.0.0.1 for the probe tests and the benchmark, plus
// hostile ones (endless banner, trickle, garbage, huge headers, a TLS handshake that never
// finishes). Blocking POSIX sockets, one thread per connection; the destructor shuts every
// socket down and joins every thread, so a failing test never leaves one running.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace lookalike::testing {

// Byte I/O over one accepted connection (plain or TLS).
struct Conn {
  std::function<long(char*, std::size_t)> read;     // <= 0: closed or error
  std::function<bool(std::string_view)> write;     // false: peer gone
  const std::atomic<bool>* stopping = nullptr;
  int fd = -1;

  // Sleeps up to `ms`, returning early (false) when the server stops.
  bool pause(int ms) const {
    for (int waited = 0; waited < ms; waited += 10) {
      if (stopping->load()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return !stopping->load();
  }
  // Reads one line (through "\n"), at most 64 KiB; "" when the peer closed.
  std::string read_line() const {
    std::string line;
    char c = 0;
    while (line.size() < 65536 && read(&c, 1) == 1) {
      line += c;
      if (c == '\n') break;
    }
    return line;
  }
  // Reads an HTTP request head (through the blank line); "" when the peer closed.
  std::string read_head() const {
    std::string head;
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536) {
      std::string l = read_line();
      if (l.empty()) return "";
      head += l;
    }
    return head;
  }
};

using Handler = std::function<void(Conn&)>;

// A self-signed certificate and key generated in memory (P-256, SHA-256).
struct TestCertificate {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{nullptr, EVP_PKEY_free};
  std::unique_ptr<X509, decltype(&X509_free)> cert{nullptr, X509_free};
  std::string pem;  // the certificate, PEM

  // Subject = issuer = "CN=<cn>,O=Lookalike Test"; SANs = DNS:<each of sans>.
  static TestCertificate make(const std::string& cn, const std::vector<std::string>& sans) {
    TestCertificate t;
    t.key.reset(EVP_EC_gen("P-256"));
    t.cert.reset(X509_new());
    if (!t.key || !t.cert) throw std::runtime_error("cannot create key/cert");
    X509_set_version(t.cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(t.cert.get()), 4242);
    X509_gmtime_adj(X509_getm_notBefore(t.cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(t.cert.get()), 86400);
    X509_NAME* name = X509_get_subject_name(t.cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Lookalike Test"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(t.cert.get(), name);
    X509_set_pubkey(t.cert.get(), t.key.get());
    std::string san;
    for (const auto& s : sans) san += (san.empty() ? "DNS:" : ",DNS:") + s;
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, t.cert.get(), t.cert.get(), nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_subject_alt_name, san}, std::pair{NID_basic_constraints, std::string("critical,CA:TRUE")}}) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
      if (ext == nullptr) throw std::runtime_error("cannot build extension");
      X509_add_ext(t.cert.get(), ext, -1);
      X509_EXTENSION_free(ext);
    }
    if (X509_sign(t.cert.get(), t.key.get(), EVP_sha256()) == 0) throw std::runtime_error("cannot sign");
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, t.cert.get());
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    t.pem.assign(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    return t;
  }
};

// A TCP (optionally TLS) server on 127.0.0.1 with an ephemeral port.
class LoopbackServer {
 public:
  explicit LoopbackServer(Handler handler, const TestCertificate* tls = nullptr) : handler_(std::move(handler)) {
    if (tls != nullptr) {
      ctx_.reset(SSL_CTX_new(TLS_server_method()));
      if (!ctx_ || SSL_CTX_use_certificate(ctx_.get(), tls->cert.get()) != 1 ||
          SSL_CTX_use_PrivateKey(ctx_.get(), tls->key.get()) != 1) {
        throw std::runtime_error("TLS server setup failed");
      }
    }
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(listener_, 256) != 0) {
      ::close(listener_);
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    socklen_t len = sizeof sa;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~LoopbackServer() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    acceptor_.join();
    ::close(listener_);
    {
      std::lock_guard lock(mu_);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : workers_) t.join();
  }

  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  // Connections accepted so far.
  [[nodiscard]] int connections() const { return accepted_.load(); }

 private:
  void accept_loop() {
    while (!stopping_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      ++accepted_;
      std::lock_guard lock(mu_);
      open_fds_.push_back(fd);
      workers_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    Conn c;
    c.stopping = &stopping_;
    c.fd = fd;
    std::unique_ptr<SSL, decltype(&SSL_free)> ssl(nullptr, SSL_free);
    if (ctx_) {
      ssl.reset(SSL_new(ctx_.get()));
      SSL_set_fd(ssl.get(), fd);
      if (SSL_accept(ssl.get()) != 1) ssl.reset();
    }
    if (ctx_ && !ssl) {
      finish(fd);
      return;
    }
    if (ssl) {
      SSL* s = ssl.get();
      c.read = [s](char* b, std::size_t n) { return static_cast<long>(SSL_read(s, b, static_cast<int>(n))); };
      c.write = [s](std::string_view d) {
        return d.empty() || SSL_write(s, d.data(), static_cast<int>(d.size())) == static_cast<int>(d.size());
      };
    } else {
      c.read = [fd](char* b, std::size_t n) { return static_cast<long>(::recv(fd, b, n, 0)); };
      c.write = [fd](std::string_view d) {
        while (!d.empty()) {
          const long n = ::send(fd, d.data(), d.size(), MSG_NOSIGNAL);
          if (n <= 0) return false;
          d.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
      };
    }
    handler_(c);
    if (ssl) SSL_shutdown(ssl.get());
    finish(fd);
  }

  void finish(int fd) {
    std::lock_guard lock(mu_);
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
    std::erase(open_fds_, fd);
  }

  Handler handler_;
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx_{nullptr, SSL_CTX_free};
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<int> open_fds_;
  std::vector<std::thread> workers_;
};

// Switches an accepted connection to TLS with `cert` (STARTTLS); false when the handshake fails.
inline bool start_tls(Conn& c, const TestCertificate& cert) {
  // SSL_write goes through write(2): a client that hangs up right after QUIT must not kill the
  // test process with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx || SSL_CTX_use_certificate(ctx.get(), cert.cert.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx.get(), cert.key.get()) != 1) {
    return false;
  }
  std::shared_ptr<SSL> ssl(SSL_new(ctx.get()), SSL_free);
  SSL_set_fd(ssl.get(), c.fd);
  if (SSL_accept(ssl.get()) != 1) return false;
  c.read = [ssl, ctx](char* b, std::size_t n) {
    return static_cast<long>(SSL_read(ssl.get(), b, static_cast<int>(n)));
  };
  c.write = [ssl](std::string_view d) {
    return d.empty() || SSL_write(ssl.get(), d.data(), static_cast<int>(d.size())) == static_cast<int>(d.size());
  };
  return true;
}

// A well-behaved SMTP server: multi-line 220 banner, EHLO with STARTTLS, MAIL/RCPT/RSET/QUIT;
// RCPT is accepted only for addresses at `accept_domain`. With `tls_cert` (which must outlive the
// server), STARTTLS is negotiated with that certificate; without it, STARTTLS is answered 454.
inline Handler smtp_handler(std::string accept_domain, bool starttls = true,
                            const TestCertificate* tls_cert = nullptr) {
  return [accept_domain, starttls, tls_cert](Conn& c) {
    if (!c.write("220-mx.phish.test ESMTP Postfix (Debian)\r\n220 no UCE\r\n")) return;
    while (true) {
      std::string line = c.read_line();
      if (line.empty()) return;
      std::string verb = line.substr(0, 4);
      for (char& ch : verb) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      if (verb == "EHLO") {
        c.write(std::string("250-mx.phish.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n") +
                (starttls ? "250-STARTTLS\r\n" : "") + "250 8BITMIME\r\n");
      } else if (verb == "MAIL" || verb == "RSET") {
        c.write("250 2.1.0 Ok\r\n");
      } else if (verb == "RCPT") {
        const bool ok = line.find("@" + accept_domain + ">") != std::string::npos;
        c.write(ok ? "250 2.1.5 Ok\r\n" : "550 5.1.1 Recipient address rejected\r\n");
      } else if (verb == "QUIT") {
        c.write("221 2.0.0 Bye\r\n");
        return;
      } else if (verb == "STAR" && starttls) {
        if (tls_cert == nullptr) {
          c.write("454 4.7.0 TLS not available due to local problem\r\n");
          continue;
        }
        c.write("220 2.0.0 Ready to start TLS\r\n");
        if (!start_tls(c, *tls_cert)) return;
      } else {
        c.write("502 5.5.2 Error: command not recognized\r\n");
      }
    }
  };
}

// A web server answering by Host header (port stripped); unknown hosts get 404.
// Each route is a full raw HTTP response.
inline Handler http_handler(std::map<std::string, std::string> routes) {
  return [routes](Conn& c) {
    const std::string head = c.read_head();
    if (head.empty()) return;
    std::string host;
    std::string path = "/";
    if (const auto sp = head.find(' '); sp != std::string::npos) path = head.substr(sp + 1, head.find(' ', sp + 1) - sp - 1);
    for (std::size_t at = head.find("\r\n"); at != std::string::npos; at = head.find("\r\n", at + 2)) {
      if (head.compare(at + 2, 6, "Host: ") == 0) {
        host = head.substr(at + 8, head.find("\r\n", at + 2) - at - 8);
        host = host.substr(0, host.rfind(':'));
      }
    }
    const auto it = routes.find(host + path);
    const auto fallback = routes.find(host);
    if (it != routes.end()) {
      c.write(it->second);
    } else if (fallback != routes.end()) {
      c.write(fallback->second);
    } else {
      c.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    }
  };
}

// A complete 200 response with an HTML body.
inline std::string html_response(const std::string& body, const std::string& server = "nginx/1.22.1") {
  return "HTTP/1.1 200 OK\r\nServer: " + server + "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

// --- hostile servers -------------------------------------------------------------------------

// An SMTP banner that never ends: "220-xxx..." lines as fast as the peer reads.
inline Handler endless_banner_handler() {
  return [](Conn& c) {
    const std::string line = "220-" + std::string(200, 'x') + "\r\n";
    while (!c.stopping->load() && c.write(line)) {
    }
  };
}

// One byte every `interval_ms` of an otherwise valid reply, forever.
inline Handler trickle_handler(int interval_ms, std::string text = "220 slow.example ESMTP ready\r\n") {
  return [interval_ms, text](Conn& c) {
    for (std::size_t i = 0; c.pause(interval_ms); ++i) {
      if (!c.write(std::string_view(&text[i % text.size()], 1))) return;
    }
  };
}

// Binary garbage, then silence until the peer goes away.
inline Handler garbage_handler() {
  return [](Conn& c) {
    std::string junk;
    std::uint32_t x = 0x9e3779b9;
    for (int i = 0; i < 4096; ++i) {
      x = x * 1664525u + 1013904223u;
      junk += static_cast<char>(x >> 24);
    }
    if (!c.write(junk)) return;
    char b[256];
    while (c.read(b, sizeof b) > 0) {
    }
  };
}

// An HTTP response whose header section is `bytes` long (never finishes the headers).
inline Handler huge_header_handler(std::size_t bytes = 1 << 20) {
  return [bytes](Conn& c) {
    if (c.read_head().empty()) return;
    if (!c.write("HTTP/1.1 200 OK\r\nX-Filler: ")) return;
    const std::string block(4096, 'a');
    for (std::size_t sent = 0; sent < bytes && !c.stopping->load(); sent += block.size()) {
      if (!c.write(block)) return;
    }
  };
}

// Accepts TCP and reads (the ClientHello) but never answers: the handshake never completes.
inline Handler silent_handler() {
  return [](Conn& c) {
    char b[512];
    while (!c.stopping->load()) {
      pollfd p{c.fd, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0 && ::recv(c.fd, b, sizeof b, 0) <= 0) return;
    }
  };
}

}  // namespace lookalike::testing
