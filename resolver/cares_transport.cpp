// c-ares 1.18 driven by Asio, as Envoy's c-ares resolver does: c-ares tells us through its
// socket-state callback which sockets to watch, Asio waits on them and calls ares_process_fd;
// one periodic timer lets c-ares expire timed-out attempts. c-ares does the UDP/TCP sending,
// ID and question matching and TCP on truncation; retries, rotation and health are ours.
// Spoofing defences with c-ares 1.18 (it has no 0x20 flag, no per-query source port and no
// socket recycling): c-ares draws IDs from its own RC4 stream keyed from /dev/urandom and keeps
// one source port per channel, so we keep Config::sockets_per_upstream channels per upstream and
// replace each by a fresh one (new socket, new port) after a random few hundred queries, as the
// native engine does with its sockets; we send the question in 0x20 case and check the echo
// exactly when the reply comes back. c-ares compares questions case-insensitively and ends the query on the first matching
// reply, so a forgery in the wrong case ends that attempt as an error (the engine retries it)
// instead of being ignored while the true answer is awaited, as the native engine does.
#include <ares.h>
#include <sys/socket.h>

#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "resolver/dns_message.hpp"
#include "resolver/random.hpp"
#include "resolver/transport.hpp"

namespace lookalike::resolver {
namespace {

namespace asio = boost::asio;

constexpr int kSocketBufferBytes = 8 * 1024 * 1024;
// A channel serves [kReopenMin, kReopenMin + kReopenSpread) queries, then a fresh one replaces it.
constexpr std::uint32_t kReopenMin = 256;
constexpr std::uint32_t kReopenSpread = 768;

void init_library_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) throw std::runtime_error("c-ares library init failed");
  });
}

// Large buffers: on loopback, loss comes from a full receive buffer, not from the network.
// SO_RCVBUFFORCE passes net.core.rmem_max when we may (root); otherwise take what the kernel allows.
int configure_socket(ares_socket_t fd, int type, void*) {
  if (type != SOCK_DGRAM) return 0;
  const int size = kSocketBufferBytes;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0) {
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  }
  return 0;
}

class CaresTransport;

// One c-ares channel: one upstream, its own UDP socket (source port) and TCP connection.
struct Channel {
  CaresTransport* owner = nullptr;
  ares_channel handle = nullptr;
  std::uint32_t pending = 0;       // queries sent and not yet answered
  std::uint32_t queries_left = 0;  // before it is retired
};

struct Watch {
  explicit Watch(asio::io_context& io, int f) : fd(f), desc(io) {}
  int fd;
  asio::posix::stream_descriptor desc;
  const Channel* channel = nullptr;
  bool want_read = false;
  bool want_write = false;
  bool reading = false;
  bool writing = false;
  bool closed = false;
};

struct Pending {
  CaresTransport* owner;
  Channel* channel;
  ReplyHandler done;
  std::vector<std::uint8_t> query;  // as sent (0x20 case), for the exact-case check; else empty
};

class CaresTransport final : public Transport {
 public:
  ~CaresTransport() override { stop(); }

  void start(asio::io_context& io, const std::vector<Upstream>& upstreams, const Config& config) override {
    init_library_once();
    io_ = &io;
    stopping_ = false;
    const unsigned per = std::max(1u, config.sockets_per_upstream);
    channels_.resize(upstreams.size());
    retired_.clear();
    counters_ = {};
    upstreams_ = upstreams;
    timeout_ = config.timeout;
    exact_case_.assign(upstreams.size(), false);
    for (std::size_t u = 0; u < upstreams.size(); ++u) {
      exact_case_[u] = randomizes_case(config, upstreams[u]);
      for (unsigned k = 0; k < per; ++k) channels_[u].push_back(make_channel(u));
    }
    tick_ = std::chrono::milliseconds(std::clamp<long>(config.timeout.count() / 8, 2, 50));
    timer_ = std::make_unique<asio::steady_timer>(io);
    arm_timer();
  }

  void send(std::size_t upstream, const std::string& qname, std::uint16_t qtype, ReplyHandler done) override {
    auto query = dns::encode_query(0, qname, qtype, true);
    if (!query) {
      asio::post(*io_, [d = std::move(done), e = std::move(query.error())]() mutable {
        d(Reply{Reply::Kind::error, {}, "cannot encode query: " + e});
      });
      return;
    }
    auto& list = channels_.at(upstream);
    const std::size_t pick = rng_.below(static_cast<std::uint32_t>(list.size()));
    Channel& ch = *list[pick];
    auto* pending = new Pending{this, &ch, std::move(done), {}};
    ++ch.pending;
    if (exact_case_[upstream]) {
      dns::randomize_question_case(*query, [this] { return rng_.u64(); });
      pending->query = *query;
    }
    in_send_ = true;
    ares_send(ch.handle, query->data(), static_cast<int>(query->size()), &CaresTransport::on_reply, pending);
    in_send_ = false;
    if (--ch.queries_left == 0) {
      // Retire it (destroyed by the timer once its queries end) for a fresh socket and port.
      try {
        auto fresh = make_channel(upstream);
        retired_.push_back(std::move(list[pick]));
        list[pick] = std::move(fresh);
      } catch (const std::exception&) {
        ch.queries_left = kReopenMin;  // no new socket (descriptor limit): the old one serves on
      }
    }
  }

  void stop() override {
    if (io_ == nullptr) return;
    stopping_ = true;
    if (timer_) timer_->cancel();
    for (auto& list : channels_) {
      for (auto& ch : list) ares_destroy(ch->handle);  // calls on_reply(ARES_EDESTRUCTION) for pending
    }
    for (auto& ch : retired_) ares_destroy(ch->handle);
    channels_.clear();
    retired_.clear();
    exact_case_.clear();
    for (auto& [fd, w] : watches_) {
      w->closed = true;
      w->desc.release();
    }
    watches_.clear();
    timer_.reset();
    io_ = nullptr;
  }

  [[nodiscard]] TransportCounters counters() const override { return counters_; }

 private:
  // A channel for upstreams_[u]: its own UDP socket (source port) and TCP connection.
  std::unique_ptr<Channel> make_channel(std::size_t u) {
    auto ch = std::make_unique<Channel>();
    ch->owner = this;
    ch->queries_left = kReopenMin + rng_.below(kReopenSpread);
    ares_options opts{};
    opts.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_STAYOPEN;
    opts.timeout = static_cast<int>(std::max<long>(1, timeout_.count()));
    opts.tries = 1;  // retries are the engine's, on another upstream
    opts.sock_state_cb = &CaresTransport::on_sock_state;
    opts.sock_state_cb_data = ch.get();
    opts.socket_send_buffer_size = kSocketBufferBytes;
    opts.socket_receive_buffer_size = kSocketBufferBytes;
    const int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB |
                     ARES_OPT_SOCK_SNDBUF | ARES_OPT_SOCK_RCVBUF;
    if (int rc = ares_init_options(&ch->handle, &opts, mask); rc != ARES_SUCCESS) {
      throw std::runtime_error(std::string("c-ares init: ") + ares_strerror(rc));
    }
    ares_set_socket_configure_callback(ch->handle, &configure_socket, nullptr);
    const Upstream& up = upstreams_[u];
    const std::string server = (up.address.find(':') != std::string::npos ? "[" + up.address + "]" : up.address) +
                               ":" + std::to_string(up.port);
    if (int rc = ares_set_servers_ports_csv(ch->handle, server.c_str()); rc != ARES_SUCCESS) {
      ares_destroy(ch->handle);
      throw std::invalid_argument("bad upstream " + server + ": " + ares_strerror(rc));
    }
    return ch;
  }

  // Destroys retired channels whose queries have all ended (ares_destroy would drop the rest).
  void destroy_retired() {
    std::erase_if(retired_, [this](const std::unique_ptr<Channel>& ch) {
      if (ch->pending > 0) return false;
      ares_destroy(ch->handle);  // tells on_sock_state its sockets are gone
      // In case it did not: no handler may reach the Channel after this.
      std::erase_if(watches_, [&ch](auto& entry) {
        if (entry.second->channel != ch.get()) return false;
        entry.second->closed = true;
        entry.second->desc.release();
        return true;
      });
      return true;
    });
  }

  static void on_reply(void* arg, int status, int, unsigned char* abuf, int alen) {
    std::unique_ptr<Pending> p(static_cast<Pending*>(arg));
    if (p->owner->stopping_ || status == ARES_EDESTRUCTION) return;
    --p->channel->pending;
    Reply r;
    if (status == ARES_SUCCESS && abuf != nullptr && alen > 0) {
      const std::span<const std::uint8_t> wire(abuf, static_cast<std::size_t>(alen));
      if (!p->query.empty() && !dns::same_question(wire, p->query, true)) {
        ++p->owner->counters_.forged_replies;
        r.kind = Reply::Kind::error;
        r.error = "reply does not echo the question's 0x20 case: dropped as forged";
      } else {
        r.kind = Reply::Kind::message;
        r.wire.assign(wire.begin(), wire.end());
      }
    } else if (status == ARES_ETIMEOUT) {
      r.kind = Reply::Kind::timeout;
    } else {
      r.kind = Reply::Kind::error;
      r.error = ares_strerror(status);
      // "Could not contact DNS servers": the connected socket got ECONNREFUSED (ICMP), or the
      // TCP retry after truncation was refused; the engine tells the two apart by replies.
      r.unreachable = status == ARES_ECONNREFUSED;
    }
    if (p->owner->in_send_) {
      // Never call back from inside send(): the engine is not re-entrant there.
      asio::post(*p->owner->io_, [d = std::move(p->done), r = std::move(r)]() mutable { d(std::move(r)); });
      return;
    }
    p->done(std::move(r));
  }

  static void on_sock_state(void* data, ares_socket_t fd, int readable, int writable) {
    auto* ch = static_cast<Channel*>(data);
    ch->owner->sock_state(*ch, fd, readable != 0, writable != 0);
  }

  void sock_state(Channel& ch, int fd, bool readable, bool writable) {
    auto it = watches_.find(fd);
    if (!readable && !writable) {
      if (it != watches_.end()) {
        it->second->closed = true;
        it->second->desc.release();  // c-ares closes the fd itself right after this callback
        watches_.erase(it);
      }
      return;
    }
    if (it == watches_.end()) {
      auto w = std::make_shared<Watch>(*io_, fd);
      w->channel = &ch;
      boost::system::error_code ec;
      w->desc.assign(fd, ec);
      if (ec) return;  // c-ares will time the attempt out
      it = watches_.emplace(fd, std::move(w)).first;
    }
    auto w = it->second;
    w->want_read = readable;
    w->want_write = writable;
    arm(ch, w);
  }

  void arm(Channel& ch, const std::shared_ptr<Watch>& w) {
    if (w->want_read && !w->reading) {
      w->reading = true;
      w->desc.async_wait(asio::posix::stream_descriptor::wait_read, [this, &ch, w](const boost::system::error_code& ec) {
        w->reading = false;
        if (ec || w->closed || stopping_) return;
        ares_process_fd(ch.handle, w->fd, ARES_SOCKET_BAD);
        if (!w->closed && !stopping_) arm(ch, w);
      });
    }
    if (w->want_write && !w->writing) {
      w->writing = true;
      w->desc.async_wait(asio::posix::stream_descriptor::wait_write, [this, &ch, w](const boost::system::error_code& ec) {
        w->writing = false;
        if (ec || w->closed || stopping_) return;
        ares_process_fd(ch.handle, ARES_SOCKET_BAD, w->fd);
        if (!w->closed && !stopping_) arm(ch, w);
      });
    }
  }

  // ares_timeout() walks every pending query in 1.18, so instead of asking it after each event
  // we tick at a fraction of the attempt timeout and let c-ares expire what is due.
  void arm_timer() {
    timer_->expires_after(tick_);
    timer_->async_wait([this](const boost::system::error_code& ec) {
      if (ec || stopping_) return;
      for (auto& list : channels_) {
        for (auto& ch : list) ares_process_fd(ch->handle, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      }
      for (auto& ch : retired_) ares_process_fd(ch->handle, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      if (stopping_) return;
      destroy_retired();
      arm_timer();
    });
  }

  asio::io_context* io_ = nullptr;
  std::vector<std::vector<std::unique_ptr<Channel>>> channels_;  // taking new queries
  std::vector<std::unique_ptr<Channel>> retired_;                // destroyed once idle
  std::vector<Upstream> upstreams_;
  std::chrono::milliseconds timeout_{1500};
  std::unordered_map<int, std::shared_ptr<Watch>> watches_;
  std::unique_ptr<asio::steady_timer> timer_;
  std::chrono::milliseconds tick_{10};
  std::vector<bool> exact_case_;  // per upstream: 0x20 in use
  SecureRandom rng_;
  TransportCounters counters_;
  bool in_send_ = false;
  bool stopping_ = false;
};

}  // namespace

std::unique_ptr<Transport> make_cares_transport() { return std::make_unique<CaresTransport>(); }

}  // namespace lookalike::resolver
