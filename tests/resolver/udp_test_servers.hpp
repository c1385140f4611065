// Test-only UDP helpers on 127.0.0.1: a lossy relay in front of a real server, and a hostile
// server that answers with broken messages. Both run one thread, stopped and joined on destruction.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <set>
#include <thread>

namespace lookalike::resolver::testing {

// Forwards UDP between clients and 127.0.0.1:`target_port`, dropping each packet (either
// direction) with probability `drop` from a fixed-seed generator.
class LossyRelay {
 public:
  LossyRelay(std::uint16_t target_port, double drop, unsigned seed = 12345);
  ~LossyRelay();
  LossyRelay(const LossyRelay&) = delete;
  LossyRelay& operator=(const LossyRelay&) = delete;
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::uint64_t dropped() const { return dropped_.load(); }
  [[nodiscard]] std::uint64_t forwarded() const { return forwarded_.load(); }

 private:
  void loop(double drop, unsigned seed);
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t target_port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> forwarded_{0};
  std::thread thread_;
};

// Answers every query according to its first label:
//   good      a valid A answer (192.0.2.1)
//   malformed A record whose rdata runs past the end of the message
//   badptr    a compression pointer pointing forwards
//   truncated header promises 3 answers, message ends after the question
//   mismatch  wrong message ID (a spoofing attempt: must be ignored)
//   wrongq    right ID, another question name (must be ignored)
//   short     4 bytes
//   oversized a 3,000-byte UDP reply (over the 512-byte limit)
//   notqr     a "reply" without the QR bit
//   formerr   rcode FORMERR
//   anything else: no reply at all
// Nothing listens on the TCP port of the same number.
class HostileServer {
 public:
  HostileServer();
  ~HostileServer();
  HostileServer(const HostileServer&) = delete;
  HostileServer& operator=(const HostileServer&) = delete;
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  void loop();
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A true server with an attacker racing it: for each query it first sends forged replies, then
// the real answer (A 192.0.2.1, the question echoed byte for byte). The forgeries, each claiming
// A 6.6.6.x for the asked name:
//   6.6.6.1  wrong message ID (every other byte right)
//   6.6.6.2  right ID, the question with every letter's case flipped (defeated only by 0x20)
//   6.6.6.3  right ID and question, from another source port (a connected socket drops it)
//   6.6.6.4  right ID and question, to the client's port + 1
class RacingServer {
 public:
  RacingServer();
  ~RacingServer();
  RacingServer(const RacingServer&) = delete;
  RacingServer& operator=(const RacingServer&) = delete;
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::uint64_t queries() const { return queries_.load(); }
  // Distinct client source ports seen so far (call after the client is done).
  [[nodiscard]] std::size_t source_ports() const {
    std::lock_guard lock(ports_mu_);
    return ports_.size();
  }

 private:
  void loop();
  // Written by the server thread, which may still be answering late retries when a test reads it.
  mutable std::mutex ports_mu_;
  std::set<std::uint16_t> ports_;
  int fd_ = -1;
  int attacker_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> queries_{0};
  std::thread thread_;
};

}  // namespace lookalike::resolver::testing
