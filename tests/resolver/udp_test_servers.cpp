#include "tests/resolver/udp_test_servers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace lookalike::resolver::testing {
namespace {

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

int bound_udp(std::uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in a = loopback(0);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("bind failed");
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

using Datagram = std::array<unsigned char, 4096>;

// Waits up to 20 ms for one query on `fd`. Returns where its question ends (the first zero label
// byte after the header, plus type and class), or nullopt when none came or it is cut short.
std::optional<std::size_t> next_query(int fd, Datagram& buf, sockaddr_in& from, socklen_t& len) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 20) <= 0) return std::nullopt;
  len = sizeof from;
  const ssize_t n = ::recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
  if (n < 13) return std::nullopt;
  std::size_t q_end = 12;
  while (q_end < static_cast<std::size_t>(n) && buf[q_end] != 0) q_end += 1 + buf[q_end];
  q_end += 5;
  if (q_end > static_cast<std::size_t>(n)) return std::nullopt;
  return q_end;
}

}  // namespace

LossyRelay::LossyRelay(std::uint16_t target_port, double drop, unsigned seed) : target_port_(target_port) {
  listen_fd_ = bound_udp(port_);
  thread_ = std::thread([this, drop, seed] { loop(drop, seed); });
}

LossyRelay::~LossyRelay() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

void LossyRelay::loop(double drop, unsigned seed) {
  std::mt19937 rng(seed);
  std::bernoulli_distribution lose(drop);
  // One upstream socket per client address, so replies find their way back.
  std::map<std::pair<std::uint32_t, std::uint16_t>, int> upstream_of;
  std::map<int, sockaddr_in> client_of;
  std::array<unsigned char, 65536> buf{};
  const sockaddr_in target = loopback(target_port_);
  while (!stop_) {
    std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
    for (const auto& [fd, client] : client_of) fds.push_back({fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
    for (const pollfd& p : fds) {
      if ((p.revents & POLLIN) == 0) continue;
      sockaddr_in from{};
      socklen_t len = sizeof from;
      const ssize_t n = ::recvfrom(p.fd, buf.data(), buf.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &len);
      if (n <= 0) continue;
      if (lose(rng)) {
        ++dropped_;
        continue;
      }
      ++forwarded_;
      if (p.fd == listen_fd_) {
        auto key = std::pair{from.sin_addr.s_addr, from.sin_port};
        auto it = upstream_of.find(key);
        if (it == upstream_of.end()) {
          const int up = ::socket(AF_INET, SOCK_DGRAM, 0);
          it = upstream_of.emplace(key, up).first;
          client_of.emplace(up, from);
        }
        ::sendto(it->second, buf.data(), static_cast<std::size_t>(n), 0, reinterpret_cast<const sockaddr*>(&target),
                 sizeof target);
      } else {
        const sockaddr_in& client = client_of.at(p.fd);
        ::sendto(listen_fd_, buf.data(), static_cast<std::size_t>(n), 0, reinterpret_cast<const sockaddr*>(&client),
                 sizeof client);
      }
    }
  }
  for (const auto& [fd, client] : client_of) ::close(fd);
}

HostileServer::HostileServer() {
  fd_ = bound_udp(port_);
  thread_ = std::thread([this] { loop(); });
}

HostileServer::~HostileServer() {
  stop_ = true;
  thread_.join();
  ::close(fd_);
}

void HostileServer::loop() {
  Datagram buf{};
  while (!stop_) {
    sockaddr_in from{};
    socklen_t len = sizeof from;
    const auto question_end = next_query(fd_, buf, from, len);
    if (!question_end) continue;
    const std::size_t q_end = *question_end;
    const std::string first(reinterpret_cast<const char*>(&buf[13]), buf[12]);
    std::vector<unsigned char> reply(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(q_end));
    reply[2] = 0x84;  // QR, AA
    reply[3] = 0x00;
    auto set_counts = [&](unsigned char an) {
      reply[6] = 0;
      reply[7] = an;
      reply[8] = reply[9] = reply[10] = reply[11] = 0;
    };
    auto a_record = [&](std::vector<unsigned char>& r, unsigned char last_octet) {
      r.insert(r.end(), {0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0, 0, 0x0E, 0x10, 0x00, 0x04, 192, 0, 2, last_octet});
    };
    if (first == "good") {
      set_counts(1);
      a_record(reply, 1);
    } else if (first == "malformed") {
      set_counts(1);
      reply.insert(reply.end(), {0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0, 0, 0x0E, 0x10, 0x00, 0x04, 192, 0});
    } else if (first == "badptr") {
      set_counts(1);
      reply.insert(reply.end(), {0xC0, 0xFF, 0x00, 0x01, 0x00, 0x01, 0, 0, 0x0E, 0x10, 0x00, 0x04, 192, 0, 2, 1});
    } else if (first == "truncated") {
      set_counts(3);
    } else if (first == "mismatch") {
      set_counts(1);
      reply[0] = static_cast<unsigned char>(reply[0] ^ 0x5A);
      a_record(reply, 2);
    } else if (first == "wrongq") {
      set_counts(1);
      reply[13] = static_cast<unsigned char>(reply[13] == 'x' ? 'y' : 'x');
      a_record(reply, 3);
    } else if (first == "short") {
      reply.resize(4);
    } else if (first == "oversized") {
      set_counts(180);
      for (int i = 0; i < 180; ++i) a_record(reply, static_cast<unsigned char>(i));
    } else if (first == "notqr") {
      reply[2] = 0x04;
      set_counts(1);
      a_record(reply, 4);
    } else if (first == "formerr") {
      reply[3] = 0x01;
      set_counts(0);
    } else {
      continue;
    }
    ::sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
  }
}

RacingServer::RacingServer() {
  fd_ = bound_udp(port_);
  std::uint16_t unused = 0;
  attacker_fd_ = bound_udp(unused);
  thread_ = std::thread([this] { loop(); });
}

RacingServer::~RacingServer() {
  stop_ = true;
  thread_.join();
  ::close(fd_);
  ::close(attacker_fd_);
}

void RacingServer::loop() {
  Datagram buf{};
  while (!stop_) {
    sockaddr_in from{};
    socklen_t len = sizeof from;
    const auto question_end = next_query(fd_, buf, from, len);
    if (!question_end) continue;
    const std::size_t q_end = *question_end;
    ++queries_;
    {
      std::lock_guard lock(ports_mu_);
      ports_.insert(ntohs(from.sin_port));
    }
    auto answer = [&](unsigned char last_octet) {
      std::vector<unsigned char> r(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(q_end));
      r[2] = 0x84;  // QR, AA
      r[3] = 0x00;
      r[6] = 0;
      r[7] = 1;
      r[8] = r[9] = r[10] = r[11] = 0;
      r.insert(r.end(), {0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0, 0, 0x0E, 0x10, 0x00, 0x04});
      // 192.0.2.1 for the true answer (last_octet 0), 6.6.6.<last_octet> for a forgery.
      const std::array<unsigned char, 4> addr = last_octet == 0 ? std::array<unsigned char, 4>{192, 0, 2, 1}
                                                                : std::array<unsigned char, 4>{6, 6, 6, last_octet};
      r.insert(r.end(), addr.begin(), addr.end());
      return r;
    };
    auto send_to = [&](int fd, const std::vector<unsigned char>& r, const sockaddr_in& to) {
      ::sendto(fd, r.data(), r.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    };
    auto wrong_id = answer(1);
    wrong_id[1] = static_cast<unsigned char>(wrong_id[1] ^ 0x5A);
    send_to(fd_, wrong_id, from);
    auto wrong_case = answer(2);
    for (std::size_t i = 12; i + 4 < q_end; ++i) {
      const unsigned char c = wrong_case[i];
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) wrong_case[i] = static_cast<unsigned char>(c ^ 0x20);
    }
    send_to(fd_, wrong_case, from);
    send_to(attacker_fd_, answer(3), from);
    sockaddr_in next_port = from;
    next_port.sin_port = htons(static_cast<std::uint16_t>(ntohs(from.sin_port) + 1));
    send_to(fd_, answer(4), next_port);
    send_to(fd_, answer(0), from);
  }
}

}  // namespace lookalike::resolver::testing
