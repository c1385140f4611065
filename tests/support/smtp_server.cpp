#include "tests/support/smtp_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/dh.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace lookalike::test_support {

struct SmtpServer::Impl {
  SmtpServerOptions opt;
  SSL_CTX* ctx = nullptr;
  int listener = -1;
  std::uint16_t port = 0;
  std::atomic<bool> stopping{false};
  std::atomic<int> accepted{0};
  std::thread acceptor;
  mutable std::mutex mu;
  std::vector<int> open_fds;
  std::vector<std::thread> workers;
  std::vector<std::string> commands;

  void accept_loop() {
    while (!stopping) {
      pollfd p{listener, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int fd = ::accept(listener, nullptr, nullptr);
      if (fd < 0) continue;
      ++accepted;
      std::lock_guard lock(mu);
      open_fds.push_back(fd);
      workers.emplace_back([this, fd] { serve(fd); });
    }
  }

  // Reads one line through "\n" (at most 4 KiB); "" when the peer closed or the server stops.
  std::string read_line(int fd, SSL* ssl) {
    std::string line;
    char c = 0;
    while (line.size() < 4096 && !stopping) {
      const long n = ssl != nullptr ? SSL_read(ssl, &c, 1) : ::recv(fd, &c, 1, 0);
      if (n != 1) return "";
      line += c;
      if (c == '\n') break;
    }
    return line;
  }

  bool write(int fd, SSL* ssl, std::string_view d) {
    if (ssl != nullptr) return SSL_write(ssl, d.data(), static_cast<int>(d.size())) == static_cast<int>(d.size());
    while (!d.empty()) {
      const long n = ::send(fd, d.data(), d.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      d.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // After the 220 to STARTTLS: replays recorded bytes to a legacy hello, or runs OpenSSL.
  SSL* start_tls(int fd) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return nullptr;
    unsigned char head[11] = {};
    const long n = ::recv(fd, head, sizeof head, MSG_PEEK);
    const bool ssl3 = n >= 11 && head[0] == 0x16 && head[9] == 0x03 && head[10] == 0x00;
    const bool ssl2 = n >= 3 && (head[0] & 0x80) != 0 && head[2] == 0x01;
    const std::string& replay = ssl3 ? opt.ssl3_reply : ssl2 ? opt.ssl2_reply : opt.ssl3_reply;
    if ((ssl3 || ssl2) && !replay.empty()) {
      char sink[4096];
      (void)::recv(fd, sink, sizeof sink, 0);
      write(fd, nullptr, replay);
      return nullptr;
    }
    if (opt.raw_reply && n >= 5 && head[0] == 0x16) {
      // Peek the whole first record (the ClientHello) without consuming it.
      const std::size_t want = 5 + ((static_cast<std::size_t>(head[3]) << 8) | head[4]);
      std::string record(want, '\0');
      long got = 0;
      for (int tries = 0; tries < 100 && got < static_cast<long>(want); ++tries) {
        got = ::recv(fd, record.data(), want, MSG_PEEK);
        if (got <= 0) return nullptr;
        if (got < static_cast<long>(want)) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      record.resize(static_cast<std::size_t>(got));
      if (const std::string reply = opt.raw_reply(record); !reply.empty()) {
        (void)::recv(fd, record.data(), record.size(), 0);
        write(fd, nullptr, reply);
        return nullptr;
      }
    }
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) {
      ERR_clear_error();
      SSL_free(ssl);
      return nullptr;
    }
    return ssl;
  }

  void serve(int fd) {
    SSL* ssl = nullptr;
    const std::string host = opt.hostname;
    if (write(fd, nullptr, "220-" + host + " ESMTP test\r\n220 " + host + " ready\r\n")) {
      while (!stopping) {
        const std::string line = read_line(fd, ssl);
        if (line.empty()) break;
        {
          std::lock_guard lock(mu);
          commands.push_back(line.substr(0, line.find_last_not_of("\r\n") + 1));
        }
        std::string verb = line.substr(0, line.find_first_of(" \r\n"));
        for (char& ch : verb) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        if (verb == "EHLO") {
          write(fd, ssl, "250-" + host + "\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n" +
                             std::string(opt.offer_starttls && ssl == nullptr ? "250-STARTTLS\r\n" : "") +
                             "250 8BITMIME\r\n");
        } else if (verb == "HELO") {
          write(fd, ssl, "250 " + host + "\r\n");
        } else if ((verb == "MAIL" || verb == "RCPT") && opt.require_tls && ssl == nullptr) {
          write(fd, ssl, "530 5.7.0 Must issue a STARTTLS command first\r\n");
        } else if (verb == "MAIL" || verb == "RSET" || verb == "NOOP") {
          write(fd, ssl, "250 2.0.0 Ok\r\n");
        } else if (verb == "RCPT") {
          write(fd, ssl, "250 2.1.5 Ok\r\n");
        } else if (verb == "DATA") {
          write(fd, ssl, "554 5.5.1 test server takes no mail\r\n");
        } else if (verb == "QUIT") {
          write(fd, ssl, "221 2.0.0 Bye\r\n");
          break;
        } else if (verb == "STARTTLS" && opt.offer_starttls && ssl == nullptr) {
          if (!write(fd, nullptr, "220 2.0.0 Ready to start TLS\r\n")) break;
          ssl = start_tls(fd);
          if (ssl == nullptr) break;
        } else {
          write(fd, ssl, "502 5.5.2 Error: command not recognized\r\n");
        }
      }
    }
    if (ssl != nullptr) {
      SSL_shutdown(ssl);
      SSL_free(ssl);
    }
    std::lock_guard lock(mu);
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
    std::erase(open_fds, fd);
  }
};

SmtpServer::SmtpServer(SmtpServerOptions options) : impl_(std::make_unique<Impl>()) {
  std::signal(SIGPIPE, SIG_IGN);
  Impl& m = *impl_;
  m.opt = std::move(options);
  if (m.opt.offer_starttls) {
    m.ctx = SSL_CTX_new(TLS_server_method());
    if (m.ctx == nullptr) throw std::runtime_error("SmtpServer: SSL_CTX_new failed");
    SSL_CTX_set_security_level(m.ctx, m.opt.security_level);
    SSL_CTX_set_min_proto_version(m.ctx, m.opt.min_version);
    SSL_CTX_set_max_proto_version(m.ctx, m.opt.max_version);
    if (!m.opt.cipher_list.empty() && SSL_CTX_set_cipher_list(m.ctx, m.opt.cipher_list.c_str()) != 1) {
      throw std::runtime_error("SmtpServer: bad cipher list " + m.opt.cipher_list);
    }
    if (!m.opt.ciphersuites.empty() && SSL_CTX_set_ciphersuites(m.ctx, m.opt.ciphersuites.c_str()) != 1) {
      throw std::runtime_error("SmtpServer: bad ciphersuites " + m.opt.ciphersuites);
    }
    if (!m.opt.groups.empty() && SSL_CTX_set1_groups_list(m.ctx, m.opt.groups.c_str()) != 1) {
      throw std::runtime_error("SmtpServer: bad groups " + m.opt.groups);
    }
    if (m.opt.server_preference) SSL_CTX_set_options(m.ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (m.opt.dh_1024) {
      EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr);
      EVP_PKEY* dh = nullptr;
      if (pctx == nullptr || EVP_PKEY_paramgen_init(pctx) != 1 || EVP_PKEY_CTX_set_dh_rfc5114(pctx, 1) != 1 ||
          EVP_PKEY_paramgen(pctx, &dh) != 1 || SSL_CTX_set0_tmp_dh_pkey(m.ctx, dh) != 1) {
        EVP_PKEY_CTX_free(pctx);
        throw std::runtime_error("SmtpServer: cannot set a 1024-bit DH group");
      }
      EVP_PKEY_CTX_free(pctx);
    } else {
      SSL_CTX_set_dh_auto(m.ctx, 1);
    }
    BIO* chain = BIO_new_mem_buf(m.opt.chain_pem.data(), static_cast<int>(m.opt.chain_pem.size()));
    X509* leaf = PEM_read_bio_X509(chain, nullptr, nullptr, nullptr);
    if (leaf == nullptr || SSL_CTX_use_certificate(m.ctx, leaf) != 1) {
      BIO_free(chain);
      throw std::runtime_error("SmtpServer: bad certificate");
    }
    X509_free(leaf);
    while (X509* extra = PEM_read_bio_X509(chain, nullptr, nullptr, nullptr)) SSL_CTX_add0_chain_cert(m.ctx, extra);
    ERR_clear_error();
    BIO_free(chain);
    BIO* key = BIO_new_mem_buf(m.opt.key_pem.data(), static_cast<int>(m.opt.key_pem.size()));
    EVP_PKEY* pkey = PEM_read_bio_PrivateKey(key, nullptr, nullptr, nullptr);
    BIO_free(key);
    if (pkey == nullptr || SSL_CTX_use_PrivateKey(m.ctx, pkey) != 1) throw std::runtime_error("SmtpServer: bad key");
    EVP_PKEY_free(pkey);
  }
  m.listener = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(m.listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(m.opt.port);
  if (::inet_pton(AF_INET, m.opt.address.c_str(), &sa.sin_addr) != 1 || (ntohl(sa.sin_addr.s_addr) >> 24) != 127) {
    ::close(m.listener);
    throw std::runtime_error("SmtpServer: not a loopback address: " + m.opt.address);
  }
  if (::bind(m.listener, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(m.listener, 256) != 0) {
    ::close(m.listener);
    throw std::runtime_error("SmtpServer: cannot listen on " + m.opt.address);
  }
  socklen_t len = sizeof sa;
  ::getsockname(m.listener, reinterpret_cast<sockaddr*>(&sa), &len);
  m.port = ntohs(sa.sin_port);
  m.acceptor = std::thread([&m] { m.accept_loop(); });
}

SmtpServer::~SmtpServer() {
  Impl& m = *impl_;
  m.stopping = true;
  ::shutdown(m.listener, SHUT_RDWR);
  m.acceptor.join();
  ::close(m.listener);
  {
    std::lock_guard lock(m.mu);
    for (int fd : m.open_fds) ::shutdown(fd, SHUT_RDWR);
  }
  // Workers are only added by the (joined) acceptor: no lock needed to walk them now.
  for (auto& t : m.workers) t.join();
  if (m.ctx != nullptr) SSL_CTX_free(m.ctx);
}

std::uint16_t SmtpServer::port() const { return impl_->port; }
int SmtpServer::connections() const { return impl_->accepted.load(); }
std::vector<std::string> SmtpServer::commands() const {
  std::lock_guard lock(impl_->mu);
  return impl_->commands;
}

}  // namespace lookalike::test_support
