#pragma once
// One SMTP client session for the posture checks (internal to posture/): connect (after the
// address guard), read replies bounded in bytes and time, send commands, switch to TLS after a
// 220 to STARTTLS, or send raw bytes (the legacy ClientHellos). Never sends DATA: `command`
// refuses it. Every exchange is kept as transcript lines ("S: 250-STARTTLS", "C: EHLO ...").
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "posture/tls.hpp"
#include "scoring/probe.hpp"

namespace lookalike::posture::smtp {

struct Limits {
  int timeout_ms = 10'000;             // per step: connect, each reply, the handshake
  std::size_t max_bytes = 64 * 1024;   // read per session, plaintext and TLS together
  std::size_t max_line = 2048;         // one reply line
  bool allow_private = false;          // tests: loopback and private addresses
};

class Session {
 public:
  // Connects to `address` (textual IPv4/IPv6) on `port`; refuses, without connecting, an address
  // the guard (scoring::may_connect) rejects, and an address that is not an IP literal.
  [[nodiscard]] static std::expected<Session, std::string> open(std::string_view address, std::uint16_t port,
                                                                const Limits& limits);
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Reads the next reply (the banner first).
  [[nodiscard]] std::expected<scoring::SmtpReply, std::string> reply();
  // Sends one command line (CRLF added) and reads its reply. Refuses DATA, BDAT and anything
  // with CR/LF inside.
  [[nodiscard]] std::expected<scoring::SmtpReply, std::string> command(std::string_view line);
  // Completes a TLS handshake (after a 220 to STARTTLS); later commands go over TLS.
  [[nodiscard]] tls::Result start_tls(const tls::Request& request);
  // Sends raw bytes and reads until `enough(bytes, eof)` is true, the peer closes, `max` bytes
  // arrived or the step times out. Returns what was read.
  [[nodiscard]] std::string exchange_raw(std::string_view bytes, std::size_t max,
                                         const std::function<bool(std::string_view, bool eof)>& enough);
  // Sends QUIT and closes (errors ignored: the session is over either way); after a failed
  // handshake or exchange_raw it only closes, since the server is no longer reading SMTP.
  void quit();

  [[nodiscard]] const std::vector<std::string>& transcript() const noexcept { return transcript_; }
  [[nodiscard]] bool tls_active() const noexcept { return ssl_ != nullptr; }

 private:
  Session() = default;
  std::expected<void, std::string> write_all(std::string_view data);
  // Reads some bytes into buffer_ before `deadline`; false with `error` on timeout/close/limit.
  bool fill(std::chrono::steady_clock::time_point deadline, std::string& error);
  void close() noexcept;

  int fd_ = -1;
  tls::SslPtr ssl_;
  Limits limits_;
  std::string buffer_;
  std::size_t read_total_ = 0;
  bool desynced_ = false;  // a failed handshake or raw bytes: no SMTP can follow on this connection
  std::vector<std::string> transcript_;
};

// Connects, reads the banner, sends EHLO `ehlo_name` and STARTTLS: on success the session waits
// for start_tls or exchange_raw. The error names the step that failed ("EHLO: 421 ...").
[[nodiscard]] std::expected<Session, std::string> open_to_starttls(std::string_view address, std::uint16_t port,
                                                                   const Limits& limits, std::string_view ehlo_name);

// True when an EHLO reply advertises `keyword` (case-insensitive), e.g. "STARTTLS".
[[nodiscard]] bool ehlo_has(const scoring::SmtpReply& ehlo, std::string_view keyword);

}  // namespace lookalike::posture::smtp
