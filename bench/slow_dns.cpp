// A latency-bound fake DNS server for the queue scaling benchmark (bench/queue_scaling.sh): on
// 127.0.0.1, answers every query NXDOMAIN exactly DELAY ms after it arrived. One thread, one
// Asio timer per query: waiting costs no CPU, so the workers' throughput is bound by the delay
// and their concurrency, not by this process. Prints the port it listens on, then serves until
// killed. usage: bench_slow_dns DELAY_MS [PORT]
#include <array>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using asio::ip::udp;

// The reply to `query`: its header and question, QR and RA set, RCODE NXDOMAIN, no records.
// Nothing for a datagram that is not a one-question query.
std::optional<std::vector<std::uint8_t>> nxdomain(const std::uint8_t* q, std::size_t n) {
  if (n < 12 || (q[2] & 0x80) != 0 || q[4] != 0 || q[5] != 1) return std::nullopt;
  std::size_t i = 12;
  while (i < n && q[i] != 0) {
    if ((q[i] & 0xc0) != 0) return std::nullopt;  // no compression in a question
    i += 1 + q[i];
  }
  i += 1 + 4;  // the root label, QTYPE, QCLASS
  if (i > n) return std::nullopt;
  std::vector<std::uint8_t> r(q, q + i);
  r[2] = static_cast<std::uint8_t>(0x80 | (q[2] & 0x79));  // QR, keep opcode and RD
  r[3] = 0x80 | 3;                                          // RA, NXDOMAIN
  for (std::size_t k = 6; k < 12; ++k) r[k] = 0;            // no answers, authority, additional
  return r;
}

class Server {
 public:
  Server(asio::io_context& io, std::chrono::milliseconds delay, std::uint16_t port)
      : io_(io), socket_(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), port)), delay_(delay) {}
  std::uint16_t port() const { return socket_.local_endpoint().port(); }
  void receive() {
    socket_.async_receive_from(asio::buffer(buf_), from_, [this](boost::system::error_code ec, std::size_t n) {
      if (!ec) {
        if (auto reply = nxdomain(buf_.data(), n)) answer_later(std::move(*reply), from_);
      }
      receive();
    });
  }

 private:
  void answer_later(std::vector<std::uint8_t> reply, udp::endpoint to) {
    auto timer = std::make_shared<asio::steady_timer>(io_, delay_);
    auto data = std::make_shared<std::vector<std::uint8_t>>(std::move(reply));
    timer->async_wait([this, timer, data, to](boost::system::error_code ec) {
      if (ec) return;
      socket_.async_send_to(asio::buffer(*data), to, [data](boost::system::error_code, std::size_t) {});
    });
  }

  asio::io_context& io_;
  udp::socket socket_;
  std::chrono::milliseconds delay_;
  std::array<std::uint8_t, 4096> buf_{};
  udp::endpoint from_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_slow_dns DELAY_MS [PORT]\n";
    return 2;
  }
  const std::chrono::milliseconds delay(std::atoi(argv[1]));
  const auto port = static_cast<std::uint16_t>(argc > 2 ? std::atoi(argv[2]) : 0);
  asio::io_context io;
  Server server(io, delay, port);
  std::cout << server.port() << std::endl;
  server.receive();
  io.run();
  return 0;
}
