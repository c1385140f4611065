// The purpose-built transport: connected UDP sockets on Asio with batched sendmmsg/recvmmsg,
// a flat table of pending queries indexed by message ID, FIFO deadlines (every attempt has the
// same timeout) checked by one timer, and a TCP retry (RFC 7766 framing) for truncated or
// over-long replies. Chosen over c-ares by measurement: see ARCHITECTURE.md (resolver/).
// Against off-path spoofing: IDs, the socket (source port) and the 0x20 case of each question
// come from the kernel CSPRNG; each upstream has a pool of connected sockets, each replaced by a
// fresh one (new ephemeral port) after a random few hundred queries; a reply must come from the
// upstream's address and port (connect), carry a pending ID and echo the question exactly.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>
#include <deque>
#include <stdexcept>

#include "resolver/dns_message.hpp"
#include "resolver/random.hpp"
#include "resolver/transport.hpp"

namespace lookalike::resolver {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

constexpr int kSocketBufferBytes = 8 * 1024 * 1024;
constexpr std::size_t kBatch = 64;
constexpr std::size_t kUdpLimit = 512;  // no EDNS: a longer UDP reply is treated as truncated
constexpr std::size_t kReceiveBuffer = 4096;
constexpr std::int32_t kNoSlot = -1;
// A socket serves a random number of queries in [kReopenMin, kReopenMin + kReopenSpread) before
// a fresh one (another source port) takes its place; it closes once its last attempt ends.
constexpr std::uint32_t kReopenMin = 256;
constexpr std::uint32_t kReopenSpread = 768;
constexpr std::size_t kMaxSockets = 65535;  // Pending::socket is 16 bits

bool unreachable_errno(int e) { return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH; }

struct TcpAttempt {
  explicit TcpAttempt(asio::io_context& io) : socket(io) {}
  asio::ip::tcp::socket socket;
  std::array<std::uint8_t, 2> length{};
  std::vector<std::uint8_t> framed;
  std::vector<std::uint8_t> reply;
};

struct Pending {
  ReplyHandler done;
  std::vector<std::uint8_t> query;
  Clock::time_point deadline{};
  std::uint32_t generation = 0;
  std::uint16_t id = 0;
  std::uint16_t socket = 0;
  bool active = false;
  std::shared_ptr<TcpAttempt> tcp;
};

struct Socket {
  explicit Socket(asio::io_context& io) : desc(io) {}
  asio::posix::stream_descriptor desc;
  std::size_t upstream = 0;
  std::uint64_t serial = 0;         // tells a late handler of a closed socket from its successor
  std::vector<std::int32_t> by_id;  // 65536 entries, kNoSlot where the ID is free
  std::deque<std::uint32_t> outbox;
  std::uint32_t pending = 0;       // active attempts sent (or queued) on this socket
  std::uint32_t queries_left = 0;  // before it is retired
  bool retired = false;            // takes no new queries; closed when `pending` is 0
  bool waiting_write = false;
};

class UdpTransport final : public Transport {
 public:
  ~UdpTransport() override { stop(); }

  void start(asio::io_context& io, const std::vector<Upstream>& upstreams, const Config& config) override {
    io_ = &io;
    stopping_ = false;
    timeout_ = config.timeout;
    upstreams_.clear();
    sockets_.clear();
    free_sockets_.clear();
    retired_.clear();
    counters_ = {};
    per_upstream_.assign(upstreams.size(), {});
    exact_case_.assign(upstreams.size(), false);
    const unsigned per = std::max(1u, config.sockets_per_upstream);
    for (std::size_t u = 0; u < upstreams.size(); ++u) {
      boost::system::error_code ec;
      const auto address = asio::ip::make_address(upstreams[u].address, ec);
      if (ec) throw std::invalid_argument("bad upstream address " + upstreams[u].address);
      upstreams_.emplace_back(address, upstreams[u].port);
      exact_case_[u] = randomizes_case(config, upstreams[u]);
      for (unsigned k = 0; k < per; ++k) per_upstream_[u].push_back(add_socket(u));
    }
    tick_ = std::chrono::milliseconds(std::clamp<long>(config.timeout.count() / 8, 2, 50));
    timer_ = std::make_unique<asio::steady_timer>(io);
    arm_timer();
  }

  void send(std::size_t upstream, const std::string& qname, std::uint16_t qtype, ReplyHandler done) override {
    auto& list = per_upstream_.at(upstream);
    const std::size_t pick = rng_.below(static_cast<std::uint32_t>(list.size()));
    const std::uint16_t si = list[pick];
    Socket& s = *sockets_[si];
    std::uint16_t id = 0;
    for (int tries = 0;; ++tries) {
      id = rng_.u16();
      if (s.by_id[id] == kNoSlot) break;
      if (tries > 1000) {
        post_reply(std::move(done), Reply{Reply::Kind::error, {}, "no free DNS message ID on the socket"});
        return;
      }
    }
    auto query = dns::encode_query(id, qname, qtype, true);
    if (!query) {
      post_reply(std::move(done), Reply{Reply::Kind::error, {}, "cannot encode query: " + query.error()});
      return;
    }
    if (exact_case_[upstream]) dns::randomize_question_case(*query, [this] { return rng_.u64(); });
    const std::uint32_t slot = allocate();
    Pending& p = slots_[slot];
    p.done = std::move(done);
    p.query = std::move(*query);
    p.deadline = Clock::now() + timeout_;
    p.id = id;
    p.socket = si;
    p.active = true;
    s.by_id[id] = static_cast<std::int32_t>(slot);
    s.outbox.push_back(slot);
    ++s.pending;
    if (--s.queries_left == 0) {
      // Retire it (it closes once its attempts end) and put a fresh socket in its place; when
      // no socket can be opened (descriptor limit) the old one serves on.
      try {
        list[pick] = add_socket(upstream);
        s.retired = true;
        retired_.push_back(si);
      } catch (const std::exception&) {
        s.queries_left = kReopenMin;
      }
    }
    deadlines_.push_back({slot, p.generation});
    if (!flush_posted_) {
      // Batch every query queued in this turn of the loop into one sendmmsg per socket.
      flush_posted_ = true;
      asio::post(*io_, [this] {
        flush_posted_ = false;
        if (!stopping_) flush_all();
      });
    }
  }

  void stop() override {
    if (io_ == nullptr) return;
    stopping_ = true;
    if (timer_) timer_->cancel();
    for (auto& p : slots_) {
      if (p.tcp) {
        boost::system::error_code ec;
        p.tcp->socket.close(ec);
      }
    }
    slots_.clear();
    free_.clear();
    deadlines_.clear();
    for (auto& s : sockets_) {
      boost::system::error_code ec;
      if (s) s->desc.close(ec);
    }
    retired_.clear();
    free_sockets_.clear();
    sockets_.clear();
    timer_.reset();
    io_ = nullptr;
  }

  [[nodiscard]] TransportCounters counters() const override { return counters_; }

 private:
  static int open_socket(const asio::ip::tcp::endpoint& ep) {
    const bool v6 = ep.address().is_v6();
    const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    const int size = kSocketBufferBytes;
    // Loss on loopback comes from full receive buffers: take as much as we may (root: FORCE).
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0) {
      setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    }
    // Connected: the kernel drops datagrams from any other address (cheap anti-spoofing).
    const int rc = ::connect(fd, ep.data(), static_cast<socklen_t>(ep.size()));
    if (rc != 0) {
      const int err = errno;
      ::close(fd);
      throw std::runtime_error(std::string("connect to upstream: ") + std::strerror(err));
    }
    return fd;
  }

  // Opens a connected socket to upstreams_[u] in a free table entry and starts reading it.
  std::uint16_t add_socket(std::size_t u) {
    auto s = std::make_unique<Socket>(*io_);
    s->upstream = u;
    s->serial = ++serial_;
    s->desc.assign(open_socket(upstreams_[u]));
    s->queries_left = kReopenMin + rng_.below(kReopenSpread);
    if (!spare_ids_.empty()) {
      s->by_id = std::move(spare_ids_.back());  // all kNoSlot: its socket had nothing pending
      spare_ids_.pop_back();
    } else {
      s->by_id.assign(65536, kNoSlot);
    }
    std::uint16_t si = 0;
    if (!free_sockets_.empty()) {
      si = free_sockets_.back();
      free_sockets_.pop_back();
      sockets_[si] = std::move(s);
    } else {
      if (sockets_.size() >= kMaxSockets) throw std::runtime_error("too many resolver sockets");
      si = static_cast<std::uint16_t>(sockets_.size());
      sockets_.push_back(std::move(s));
    }
    arm_read(si);
    return si;
  }

  // Closes retired sockets whose last attempt has ended (from the timer: never while a caller
  // up the stack still holds a reference to one).
  void close_retired() {
    std::erase_if(retired_, [this](std::uint16_t si) {
      Socket& s = *sockets_[si];
      if (s.pending > 0) return false;
      boost::system::error_code ec;
      s.desc.close(ec);
      spare_ids_.push_back(std::move(s.by_id));
      sockets_[si].reset();
      free_sockets_.push_back(si);
      return true;
    });
  }

  // The kernel reported the upstream unreachable on this connected socket (ICMP port or host
  // unreachable). It cannot say for which datagram, so every attempt on the socket ends with it;
  // the engine retries them and counts the upstream as possibly dead.
  void fail_socket(std::uint16_t si, int err) {
    const std::string why = std::string("upstream unreachable: ") + std::strerror(err);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> victims;
    for (std::uint32_t slot = 0; slot < slots_.size(); ++slot) {
      const Pending& p = slots_[slot];
      if (p.active && !p.tcp && p.socket == si) victims.emplace_back(slot, p.generation);
    }
    std::erase_if(sockets_[si]->outbox, [this, si](std::uint32_t slot) {
      return slots_[slot].active && !slots_[slot].tcp && slots_[slot].socket == si;
    });
    for (const auto& [slot, gen] : victims) {
      if (stopping_) return;
      if (slots_[slot].active && slots_[slot].generation == gen) {
        Reply r{Reply::Kind::error, {}, why};
        r.unreachable = true;
        complete(slot, std::move(r));
      }
    }
  }

  std::uint32_t allocate() {
    if (!free_.empty()) {
      const std::uint32_t s = free_.back();
      free_.pop_back();
      return s;
    }
    slots_.emplace_back();
    return static_cast<std::uint32_t>(slots_.size() - 1);
  }

  void post_reply(ReplyHandler done, Reply r) {
    asio::post(*io_, [d = std::move(done), r = std::move(r)]() mutable { d(std::move(r)); });
  }

  // Ends an attempt: frees its slot first, so the handler may send again at once.
  void complete(std::uint32_t slot, Reply r) {
    Pending& p = slots_[slot];
    if (!p.active) return;
    Socket& s = *sockets_[p.socket];
    if (s.by_id[p.id] == static_cast<std::int32_t>(slot)) s.by_id[p.id] = kNoSlot;
    --s.pending;
    ReplyHandler done = std::move(p.done);
    if (p.tcp) {
      boost::system::error_code ec;
      p.tcp->socket.close(ec);
      p.tcp.reset();
    }
    p.active = false;
    ++p.generation;
    p.query.clear();
    free_.push_back(slot);
    done(std::move(r));
  }

  void flush_all() {
    for (std::size_t i = 0; i < sockets_.size(); ++i) {
      if (sockets_[i] && !sockets_[i]->outbox.empty()) flush(static_cast<std::uint16_t>(i));
    }
  }

  void flush(std::uint16_t si) {
    Socket& s = *sockets_[si];
    std::array<mmsghdr, kBatch> msgs{};
    std::array<iovec, kBatch> iov{};
    while (!s.outbox.empty()) {
      std::size_t n = 0;
      std::array<std::uint32_t, kBatch> batch{};
      while (n < kBatch && n < s.outbox.size()) {
        const std::uint32_t slot = s.outbox[n];
        batch[n] = slot;
        iov[n].iov_base = slots_[slot].query.data();
        iov[n].iov_len = slots_[slot].query.size();
        msgs[n] = mmsghdr{};
        msgs[n].msg_hdr.msg_iov = &iov[n];
        msgs[n].msg_hdr.msg_iovlen = 1;
        ++n;
      }
      const int sent = ::sendmmsg(s.desc.native_handle(), msgs.data(), static_cast<unsigned>(n), MSG_DONTWAIT);
      if (sent < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
          wait_writable(si);
          return;
        }
        if (errno == EINTR) continue;
        const int err = errno;
        if (unreachable_errno(err)) {
          // An earlier ICMP unreachable, reported on this send: as when a read reports it.
          fail_socket(si, err);
          return;
        }
        // Anything else: the first query in the batch gets the error, the rest are tried again.
        const std::string why = std::string("send to upstream failed: ") + std::strerror(err);
        const std::uint32_t slot = s.outbox.front();
        s.outbox.pop_front();
        complete(slot, Reply{Reply::Kind::error, {}, why});
        continue;
      }
      for (int i = 0; i < sent; ++i) s.outbox.pop_front();
    }
  }

  // True while table entry `si` still holds the socket a handler was armed for.
  [[nodiscard]] bool same_socket(std::uint16_t si, std::uint64_t serial) const {
    return !stopping_ && si < sockets_.size() && sockets_[si] && sockets_[si]->serial == serial;
  }

  void wait_writable(std::uint16_t si) {
    Socket& s = *sockets_[si];
    if (s.waiting_write) return;
    s.waiting_write = true;
    s.desc.async_wait(asio::posix::stream_descriptor::wait_write,
                      [this, si, serial = s.serial](const boost::system::error_code& ec) {
                        if (ec || !same_socket(si, serial)) return;
                        sockets_[si]->waiting_write = false;
                        flush(si);
                      });
  }

  void arm_read(std::uint16_t si) {
    Socket& s = *sockets_[si];
    s.desc.async_wait(asio::posix::stream_descriptor::wait_read,
                      [this, si, serial = s.serial](const boost::system::error_code& ec) {
                        if (ec || !same_socket(si, serial)) return;
                        receive(si);
                        if (same_socket(si, serial)) arm_read(si);
                      });
  }

  void receive(std::uint16_t si) {
    std::array<mmsghdr, kBatch> msgs{};
    std::array<iovec, kBatch> iov{};
    for (int rounds = 0; rounds < 16 && !stopping_; ++rounds) {
      for (std::size_t i = 0; i < kBatch; ++i) {
        iov[i].iov_base = rx_[i].data();
        iov[i].iov_len = rx_[i].size();
        msgs[i] = mmsghdr{};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
      }
      const int got = ::recvmmsg(sockets_[si]->desc.native_handle(), msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
      if (got < 0 && unreachable_errno(errno)) {
        fail_socket(si, errno);
        return;
      }
      if (got <= 0) return;  // EAGAIN
      for (int i = 0; i < got && !stopping_; ++i) {
        const bool cut = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
        on_datagram(si, std::span<const std::uint8_t>(rx_[i].data(), msgs[i].msg_len), cut);
      }
      if (static_cast<std::size_t>(got) < kBatch) return;
    }
  }

  // The reply must carry a pending ID and repeat its question (exactly, under 0x20); anything
  // else is dropped as a spoofing attempt or a stray, exactly as if it never came.
  void on_datagram(std::uint16_t si, std::span<const std::uint8_t> d, bool cut) {
    if (d.size() < 12) return;
    const auto id = static_cast<std::uint16_t>((d[0] << 8) | d[1]);
    const Socket& s = *sockets_[si];
    const std::int32_t slot = s.by_id[id];
    if (slot == kNoSlot) {
      ++counters_.unmatched_replies;
      return;
    }
    Pending& p = slots_[static_cast<std::uint32_t>(slot)];
    if (!p.active || p.tcp) return;
    if (!dns::same_question(d, p.query, exact_case_[s.upstream])) {
      ++counters_.forged_replies;
      return;
    }
    const bool truncated = (d[2] & 0x02) != 0;
    if (truncated || cut || d.size() > kUdpLimit) {
      start_tcp(static_cast<std::uint32_t>(slot));
      return;
    }
    complete(static_cast<std::uint32_t>(slot), Reply{Reply::Kind::message, {d.begin(), d.end()}, {}});
  }

  void start_tcp(std::uint32_t slot) {
    Pending& p = slots_[slot];
    // UDP duplicates of this ID are no longer wanted; the TCP attempt gets a fresh timeout.
    Socket& s = *sockets_[p.socket];
    if (s.by_id[p.id] == static_cast<std::int32_t>(slot)) s.by_id[p.id] = kNoSlot;
    p.deadline = Clock::now() + timeout_;
    deadlines_.push_back({slot, p.generation});
    auto t = std::make_shared<TcpAttempt>(*io_);
    p.tcp = t;
    t->framed.reserve(p.query.size() + 2);
    t->framed.push_back(static_cast<std::uint8_t>(p.query.size() >> 8));
    t->framed.push_back(static_cast<std::uint8_t>(p.query.size() & 0xFF));
    t->framed.insert(t->framed.end(), p.query.begin(), p.query.end());
    const std::uint32_t gen = p.generation;
    auto fail = [this, slot, gen](const boost::system::error_code& ec) {
      if (stopping_ || slots_[slot].generation != gen || !slots_[slot].active) return;
      complete(slot, Reply{Reply::Kind::error, {}, "TCP retry after truncation failed: " + ec.message()});
    };
    t->socket.async_connect(upstreams_[sockets_[p.socket]->upstream], [this, t, fail](const boost::system::error_code& ec) {
      if (ec) return fail(ec);
      asio::async_write(t->socket, asio::buffer(t->framed), [this, t, fail](const boost::system::error_code& ec2, std::size_t) {
        if (ec2) return fail(ec2);
        asio::async_read(t->socket, asio::buffer(t->length), [this, t, fail](const boost::system::error_code& ec3, std::size_t) {
          if (ec3) return fail(ec3);
          t->reply.resize((std::size_t{t->length[0]} << 8) | t->length[1]);
          asio::async_read(t->socket, asio::buffer(t->reply), [this, t, fail](const boost::system::error_code& ec4, std::size_t) {
            if (ec4) return fail(ec4);
            on_tcp_reply(t);
          });
        });
      });
    });
  }

  void on_tcp_reply(const std::shared_ptr<TcpAttempt>& t) {
    if (stopping_) return;
    for (std::uint32_t slot = 0; slot < slots_.size(); ++slot) {
      Pending& p = slots_[slot];
      if (p.active && p.tcp == t) {
        const auto& r = t->reply;
        const bool exact = exact_case_[sockets_[p.socket]->upstream];
        if (r.size() < 12 || r[0] != (p.id >> 8) || r[1] != (p.id & 0xFF) || !dns::same_question(r, p.query, exact)) {
          ++counters_.forged_replies;
          complete(slot, Reply{Reply::Kind::error, {}, "TCP reply does not match the query"});
        } else {
          complete(slot, Reply{Reply::Kind::message, r, {}});
        }
        return;
      }
    }
  }

  void arm_timer() {
    timer_->expires_after(tick_);
    timer_->async_wait([this](const boost::system::error_code& ec) {
      if (ec || stopping_) return;
      expire(Clock::now());
      if (stopping_) return;
      close_retired();
      arm_timer();
    });
  }

  // Deadlines are pushed in send order with one timeout, so the queue is sorted by deadline.
  void expire(Clock::time_point now) {
    while (!deadlines_.empty() && !stopping_) {
      const auto [slot, gen] = deadlines_.front();
      Pending& p = slots_[slot];
      if (p.active && p.generation == gen && p.deadline > now) break;
      deadlines_.pop_front();
      if (p.active && p.generation == gen && p.deadline <= now) {
        // Still queued for sending: drop it from the outbox so no stale datagram goes out.
        auto& outbox = sockets_[p.socket]->outbox;
        if (auto it = std::find(outbox.begin(), outbox.end(), slot); it != outbox.end()) outbox.erase(it);
        complete(slot, Reply{Reply::Kind::timeout, {}, {}});
      }
    }
  }

  asio::io_context* io_ = nullptr;
  std::vector<asio::ip::tcp::endpoint> upstreams_;
  std::vector<std::unique_ptr<Socket>> sockets_;
  std::vector<std::vector<std::uint16_t>> per_upstream_;  // the sockets taking new queries
  std::vector<bool> exact_case_;                          // per upstream: 0x20 in use
  std::vector<std::uint16_t> free_sockets_;               // empty entries of sockets_
  std::vector<std::uint16_t> retired_;                    // closing once their attempts end
  std::vector<std::vector<std::int32_t>> spare_ids_;      // by_id tables of closed sockets
  std::uint64_t serial_ = 0;
  TransportCounters counters_;
  std::vector<Pending> slots_;
  std::vector<std::uint32_t> free_;
  std::deque<std::pair<std::uint32_t, std::uint32_t>> deadlines_;
  std::array<std::array<std::uint8_t, kReceiveBuffer>, kBatch> rx_{};
  std::unique_ptr<asio::steady_timer> timer_;
  std::chrono::milliseconds timeout_{1500};
  std::chrono::milliseconds tick_{10};
  SecureRandom rng_;
  bool flush_posted_ = false;
  bool stopping_ = false;
};

}  // namespace

std::unique_ptr<Transport> make_udp_transport() { return std::make_unique<UdpTransport>(); }

}  // namespace lookalike::resolver
