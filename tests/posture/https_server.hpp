// Test support for the posture tests: a TLS (HTTPS) server on 127.0.0.1 answering each request
// with the canned response its Host header selects (MTA-STS policy variants). Stopped by its
// destructor (the accept loop polls a flag); never listens beyond loopback.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>

namespace lookalike::test_support {

class HttpsServer {
 public:
  // `responses`: host -> complete raw HTTP response. Unknown hosts get a 404.
  HttpsServer(const std::string& cert_chain_pem, const std::string& key_pem, std::map<std::string, std::string> responses)
      : responses_(std::move(responses)) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    BIO* cb = BIO_new_mem_buf(cert_chain_pem.data(), static_cast<int>(cert_chain_pem.size()));
    X509* leaf = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    SSL_CTX_use_certificate(ctx_, leaf);
    X509_free(leaf);
    while (X509* extra = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr)) SSL_CTX_add_extra_chain_cert(ctx_, extra);
    ERR_clear_error();
    BIO_free(cb);
    BIO* kb = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    SSL_CTX_use_PrivateKey(ctx_, key);
    EVP_PKEY_free(key);
    BIO_free(kb);
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 16) != 0)
      throw std::runtime_error("https server: cannot listen");
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { loop(); });
  }
  ~HttpsServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
    SSL_CTX_free(ctx_);
  }
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  void loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      timeval tv{5, 0};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, c);
      if (SSL_accept(ssl) == 1) {
        std::string request;
        char buf[4096];
        while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
          const int n = SSL_read(ssl, buf, sizeof buf);
          if (n <= 0) break;
          request.append(buf, static_cast<std::size_t>(n));
        }
        std::string host;
        if (auto h = request.find("\r\nHost: "); h != std::string::npos) host = request.substr(h + 8, request.find("\r\n", h + 8) - h - 8);
        auto it = responses_.find(host);
        const std::string response = it != responses_.end() ? it->second : "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        std::size_t sent = 0;
        while (sent < response.size()) {
          const int n = SSL_write(ssl, response.data() + sent, static_cast<int>(std::min<std::size_t>(response.size() - sent, 16384)));
          if (n <= 0) break;
          sent += static_cast<std::size_t>(n);
        }
        SSL_shutdown(ssl);
      }
      SSL_free(ssl);
      ::close(c);
    }
  }

  std::map<std::string, std::string> responses_;
  SSL_CTX* ctx_ = nullptr;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace lookalike::test_support
