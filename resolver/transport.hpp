// The resolver's network layer as an interface, so the scheduling logic (retries, rotation,
// window, wildcards) is unit-tested with a fake and run for real over c-ares. Internal header.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "resolver/resolver.hpp"

namespace lookalike::resolver {

// What came back for one attempt.
struct Reply {
  enum class Kind : std::uint8_t { message, timeout, error };
  Kind kind = Kind::timeout;
  std::vector<std::uint8_t> wire;  // the DNS message, for Kind::message
  std::string error;               // what failed, for Kind::error
  // Kind::error because the upstream is not there: ICMP port/host unreachable (ECONNREFUSED on
  // the connected socket). The engine counts these to find dead upstreams.
  bool unreachable = false;
};

// What a transport dropped during one run (Stats::forged_replies, Stats::unmatched_replies).
struct TransportCounters {
  std::uint64_t forged_replies = 0;
  std::uint64_t unmatched_replies = 0;
};

using ReplyHandler = std::function<void(Reply)>;

// Sends queries to numbered upstreams. Every method runs on the thread that runs `io`; a
// handler is called exactly once per send(), on that thread, never from inside send().
class Transport {
 public:
  virtual ~Transport() = default;
  // Binds to the event loop and the upstream list for one resolve() run.
  virtual void start(boost::asio::io_context& io, const std::vector<Upstream>& upstreams,
                     const Config& config) = 0;
  // One attempt of (qname, qtype) to upstreams[upstream]; timeouts are the transport's job.
  virtual void send(std::size_t upstream, const std::string& qname, std::uint16_t qtype, ReplyHandler done) = 0;
  // Replies dropped since start().
  [[nodiscard]] virtual TransportCounters counters() const { return {}; }
  // Ends the run: drops pending attempts without calling their handlers, releases sockets.
  virtual void stop() = 0;
};

// True when queries to `u` use 0x20 case randomisation under `config` (Config::case_randomization).
bool randomizes_case(const Config& config, const Upstream& u);

// The real transports: c-ares channels driven by Asio, and the purpose-built UDP engine.
std::unique_ptr<Transport> make_cares_transport();
std::unique_ptr<Transport> make_udp_transport();

}  // namespace lookalike::resolver
