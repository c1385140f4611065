#include "posture/smtp.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

namespace lookalike::posture::smtp {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// Waits until `fd` is ready for `events` or the deadline passes.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  while (true) {
    pollfd p{fd, events, 0};
    const int left = remaining_ms(deadline);
    if (left == 0) return false;
    const int n = ::poll(&p, 1, left);
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

std::string printable(std::string_view line) { return scoring::sanitize_text(line, 512); }

}  // namespace

bool ehlo_has(const scoring::SmtpReply& ehlo, std::string_view keyword) {
  if (ehlo.code != 250) return false;
  for (std::size_t i = 1; i < ehlo.lines.size(); ++i) {
    std::string_view l = ehlo.lines[i];
    const std::string_view word = l.substr(0, l.find(' '));
    if (word.size() != keyword.size()) continue;
    bool same = true;
    for (std::size_t k = 0; k < word.size() && same; ++k) {
      same = std::toupper(static_cast<unsigned char>(word[k])) == std::toupper(static_cast<unsigned char>(keyword[k]));
    }
    if (same) return true;
  }
  return false;
}

std::expected<Session, std::string> Session::open(std::string_view address, std::uint16_t port, const Limits& limits) {
  const auto parsed = scoring::parse_address(address);
  if (!parsed) return std::unexpected("not an IP address: " + printable(address));
  if (!scoring::may_connect(*parsed, limits.allow_private)) {
    return std::unexpected("refused by the address guard (" +
                           std::string(scoring::address_class_name(scoring::classify(*parsed))) + " address)");
  }
  Session s;
  s.limits_ = limits;
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (parsed->v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    std::memcpy(&a->sin6_addr, parsed->bytes.data(), 16);
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    std::memcpy(&a->sin_addr, parsed->bytes.data(), 4);
    len = sizeof *a;
  }
  s.fd_ = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s.fd_ < 0) return std::unexpected(std::string("socket: ") + std::strerror(errno));
  const auto deadline = Clock::now() + std::chrono::milliseconds(limits.timeout_ms);
  if (::connect(s.fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    if (errno != EINPROGRESS) return std::unexpected(std::string("connect: ") + std::strerror(errno));
    if (!wait_for(s.fd_, POLLOUT, deadline)) return std::unexpected("connect: timed out");
    int err = 0;
    socklen_t err_len = sizeof err;
    ::getsockopt(s.fd_, SOL_SOCKET, SO_ERROR, &err, &err_len);
    if (err != 0) return std::unexpected(std::string("connect: ") + std::strerror(err));
  }
  return s;
}

Session::~Session() { close(); }

Session::Session(Session&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)),
      ssl_(std::move(o.ssl_)),
      limits_(o.limits_),
      buffer_(std::move(o.buffer_)),
      read_total_(o.read_total_),
      desynced_(o.desynced_),
      transcript_(std::move(o.transcript_)) {}

Session& Session::operator=(Session&& o) noexcept {
  if (this != &o) {
    close();
    fd_ = std::exchange(o.fd_, -1);
    ssl_ = std::move(o.ssl_);
    limits_ = o.limits_;
    buffer_ = std::move(o.buffer_);
    read_total_ = o.read_total_;
    desynced_ = o.desynced_;
    transcript_ = std::move(o.transcript_);
  }
  return *this;
}

void Session::close() noexcept {
  ssl_.reset();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::expected<void, std::string> Session::write_all(std::string_view data) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(limits_.timeout_ms);
  while (!data.empty()) {
    if (ssl_) {
      const int n = SSL_write(ssl_.get(), data.data(), static_cast<int>(data.size()));
      if (n > 0) {
        data.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      const int e = SSL_get_error(ssl_.get(), n);
      const short ev = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
      if (ev == 0) return std::unexpected("TLS write failed: " + tls::last_error());
      if (!wait_for(fd_, ev, deadline)) return std::unexpected("write timed out");
      continue;
    }
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_for(fd_, POLLOUT, deadline)) return std::unexpected("write timed out");
    } else {
      return std::unexpected(std::string("write: ") + std::strerror(errno));
    }
  }
  return {};
}

bool Session::fill(Clock::time_point deadline, std::string& error) {
  char buf[4096];
  while (true) {
    const std::size_t room = limits_.max_bytes - std::min(read_total_, limits_.max_bytes);
    if (room == 0) {
      error = "read limit of " + std::to_string(limits_.max_bytes) + " bytes reached";
      return false;
    }
    const std::size_t want = std::min(room, sizeof buf);
    if (ssl_) {
      const int n = SSL_read(ssl_.get(), buf, static_cast<int>(want));
      if (n > 0) {
        buffer_.append(buf, static_cast<std::size_t>(n));
        read_total_ += static_cast<std::size_t>(n);
        return true;
      }
      const int e = SSL_get_error(ssl_.get(), n);
      const short ev = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
      if (ev == 0) {
        error = e == SSL_ERROR_ZERO_RETURN ? "connection closed" : "TLS read failed: " + tls::last_error();
        return false;
      }
      if (!wait_for(fd_, ev, deadline)) {
        error = "timed out";
        return false;
      }
      continue;
    }
    const ssize_t n = ::recv(fd_, buf, want, 0);
    if (n > 0) {
      buffer_.append(buf, static_cast<std::size_t>(n));
      read_total_ += static_cast<std::size_t>(n);
      return true;
    }
    if (n == 0) {
      error = "connection closed";
      return false;
    }
    if (errno != EAGAIN && errno != EINTR) {
      error = std::string("read: ") + std::strerror(errno);
      return false;
    }
    if (!wait_for(fd_, POLLIN, deadline)) {
      error = "timed out";
      return false;
    }
  }
}

std::expected<scoring::SmtpReply, std::string> Session::reply() {
  if (fd_ < 0) return std::unexpected("not connected");
  // One deadline for the whole reply: a server trickling a byte at a time cannot stretch it.
  const auto deadline = Clock::now() + std::chrono::milliseconds(limits_.timeout_ms);
  while (true) {
    scoring::SmtpReply r;
    std::size_t consumed = 0;
    const auto state = scoring::parse_smtp_reply(buffer_, r, consumed, limits_.max_line);
    if (state == scoring::SmtpParse::complete) {
      for (std::size_t i = 0; i < r.lines.size(); ++i) {
        transcript_.push_back("S: " + std::to_string(r.code) + (i + 1 < r.lines.size() ? "-" : " ") +
                              printable(r.lines[i]));
      }
      buffer_.erase(0, consumed);
      return r;
    }
    if (state == scoring::SmtpParse::malformed) {
      transcript_.push_back("S: " + printable(buffer_.substr(0, 200)));
      return std::unexpected("malformed SMTP reply");
    }
    std::string error;
    if (!fill(deadline, error)) {
      if (!buffer_.empty()) transcript_.push_back("S: " + printable(buffer_.substr(0, 200)));
      return std::unexpected(error);
    }
  }
}

std::expected<scoring::SmtpReply, std::string> Session::command(std::string_view line) {
  if (line.find_first_of("\r\n") != std::string_view::npos) return std::unexpected("command contains CR/LF");
  std::string verb(line.substr(0, line.find(' ')));
  for (char& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  // Posture never sends mail: no message content can ever leave this client.
  if (verb == "DATA" || verb == "BDAT") return std::unexpected("refusing to send " + verb);
  transcript_.push_back("C: " + printable(line));
  if (auto w = write_all(std::string(line) + "\r\n"); !w) return std::unexpected(w.error());
  return reply();
}

tls::Result Session::start_tls(const tls::Request& request) {
  tls::Result out;
  if (fd_ < 0) {
    out.error = "not connected";
    return out;
  }
  if (!buffer_.empty()) {
    // RFC 3207 §4: bytes pipelined before the handshake would be a command injection.
    out.error = "server sent data after the 220 to STARTTLS";
    return out;
  }
  desynced_ = true;  // until the handshake completes
  std::string error;
  tls::SslPtr ssl = tls::make_ssl(request, fd_, error);
  if (!ssl) {
    out.error = error;
    return out;
  }
  const auto deadline = Clock::now() + std::chrono::milliseconds(limits_.timeout_ms);
  while (true) {
    const int rc = SSL_connect(ssl.get());
    if (rc == 1) break;
    const int e = SSL_get_error(ssl.get(), rc);
    const short ev = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
    if (ev == 0) {
      const std::string why = tls::last_error();
      out.error = "handshake failed" + (why.empty() ? std::string() : ": " + why);
      transcript_.push_back("T: " + out.error);
      return out;
    }
    if (!wait_for(fd_, ev, deadline)) {
      out.error = "handshake timed out";
      transcript_.push_back("T: " + out.error);
      return out;
    }
  }
  out.ok = true;
  desynced_ = false;
  tls::describe(ssl.get(), request, out);
  transcript_.push_back("T: " + tls::version_name(out.version) + " " + out.cipher);
  ssl_ = std::move(ssl);
  return out;
}

std::string Session::exchange_raw(std::string_view bytes, std::size_t max,
                                  const std::function<bool(std::string_view, bool)>& enough) {
  transcript_.push_back("C: <" + std::to_string(bytes.size()) + " raw bytes>");
  desynced_ = true;
  if (auto w = write_all(bytes); !w) {
    transcript_.push_back("C: " + w.error());
    return {};
  }
  const std::size_t saved = limits_.max_bytes;
  limits_.max_bytes = read_total_ + max;
  std::string error;
  bool eof = false;
  const auto deadline = Clock::now() + std::chrono::milliseconds(limits_.timeout_ms);
  while (buffer_.size() < max && !enough(buffer_, false)) {
    if (!fill(deadline, error)) {
      eof = true;
      break;
    }
  }
  limits_.max_bytes = saved;
  if (eof) (void)enough(buffer_, true);
  std::string got = buffer_.substr(0, max);
  buffer_.clear();
  transcript_.push_back("S: <" + std::to_string(got.size()) + " raw bytes" + (error.empty() ? "" : ", " + error) + ">");
  return got;
}

void Session::quit() {
  if (fd_ < 0) return;
  if (!desynced_ && limits_.max_bytes > read_total_) (void)command("QUIT");
  if (ssl_) {
    // close_notify, best effort, without waiting for the peer's.
    SSL_shutdown(ssl_.get());
  }
  close();
}

std::expected<Session, std::string> open_to_starttls(std::string_view address, std::uint16_t port,
                                                     const Limits& limits, std::string_view ehlo_name) {
  auto session = Session::open(address, port, limits);
  if (!session) return std::unexpected(session.error());
  auto banner = session->reply();
  if (!banner) return std::unexpected("banner: " + banner.error());
  if (banner->code != 220) return std::unexpected("banner: " + std::to_string(banner->code));
  auto ehlo = session->command("EHLO " + std::string(ehlo_name));
  if (!ehlo) return std::unexpected("EHLO: " + ehlo.error());
  if (!ehlo_has(*ehlo, "STARTTLS")) return std::unexpected("EHLO: STARTTLS not offered");
  auto go = session->command("STARTTLS");
  if (!go) return std::unexpected("STARTTLS: " + go.error());
  if (go->code != 220) return std::unexpected("STARTTLS: " + std::to_string(go->code));
  return std::move(*session);
}

}  // namespace lookalike::posture::smtp
