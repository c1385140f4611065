// Prometheus text exposition (format 0.0.4) and a minimal HTTP/1.1 server for GET /metrics on its
// own Asio thread: one request per connection, request size and read time bounded, few
// connections at once, loopback only unless asked otherwise.
#include "telemetry/metrics.hpp"

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/io_context.hpp>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <thread>

#include "telemetry/log.hpp"

namespace lookalike::telemetry {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

bool valid_name(std::string_view n) {
  if (n.empty()) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    const bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}

// `a="x",b="y\"z"`: label names, '=', a quoted value with only \\, \" and \n escapes.
bool valid_labels(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t eq = s.find('=', i);
    if (eq == std::string_view::npos) return false;
    const std::string_view name = s.substr(i, eq - i);
    if (!valid_name(name) || name.find(':') != std::string_view::npos || name.starts_with("__")) return false;
    i = eq + 1;
    if (i >= s.size() || s[i] != '"') return false;
    ++i;
    bool closed = false;
    while (i < s.size()) {
      const char c = s[i];
      if (c == '\n') return false;
      if (c == '\\') {
        if (i + 1 >= s.size() || (s[i + 1] != '\\' && s[i + 1] != '"' && s[i + 1] != 'n')) return false;
        i += 2;
        continue;
      }
      ++i;
      if (c == '"') {
        closed = true;
        break;
      }
    }
    if (!closed) return false;
    if (i < s.size()) {
      if (s[i] != ',') return false;
      ++i;
    }
  }
  return true;
}

void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else if (v == std::trunc(v) && std::fabs(v) < 9007199254740992.0) {
    out += std::to_string(static_cast<long long>(v));  // counts read as integers
  } else {
    std::array<char, 64> buf{};
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    out.append(buf.data(), r.ptr);
  }
}

void append_help(std::string& out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

class AsioMetricsServer;

// One scrape: read the request head (bounded), answer, close.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, AsioMetricsServer& server);
  void start();

 private:
  void on_head(const boost::system::error_code& ec);
  void respond(unsigned status, std::string_view reason, std::string_view content_type, const std::string& body,
               bool head_only, std::string_view extra = {});

  tcp::socket socket_;
  asio::steady_timer timer_;
  asio::streambuf buffer_;
  std::string response_;
  AsioMetricsServer& server_;
};

class AsioMetricsServer final : public MetricsServer {
 public:
  static constexpr std::size_t max_request = 8192;
  static constexpr std::chrono::seconds read_timeout{5};
  static constexpr int max_sessions = 16;

  explicit AsioMetricsServer(const Metrics& metrics) : metrics_(metrics), acceptor_(ioc_) {}

  ~AsioMetricsServer() override {
    asio::post(ioc_, [this] {
      boost::system::error_code ec;
      acceptor_.close(ec);
    });
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
  }

  std::expected<void, std::string> listen(const asio::ip::address& address, std::uint16_t port) {
    boost::system::error_code ec;
    const tcp::endpoint ep(address, port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return std::unexpected("metrics: cannot listen on " + address.to_string() + ":" + std::to_string(port) + ": " + ec.message());
    port_ = acceptor_.local_endpoint(ec).port();
    accept();
    thread_ = std::thread([this] {
      try {
        ioc_.run();
      } catch (const std::exception& e) {
        // Nothing in the handlers throws by design; if memory runs out, stop serving, not the watch.
        log_error("metrics server stopped", {{"error", e.what()}});
      }
    });
    return {};
  }

  [[nodiscard]] std::uint16_t port() const noexcept override { return port_; }
  [[nodiscard]] const Metrics& metrics() const noexcept { return metrics_; }
  void session_ended() noexcept { --sessions_; }

 private:
  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
      if (!ec) {
        if (sessions_ >= max_sessions) {
          boost::system::error_code ignored;
          socket.close(ignored);  // a scraper never needs more; a flood gets nothing
        } else {
          ++sessions_;
          std::make_shared<Session>(std::move(socket), *this)->start();
        }
      }
      accept();
    });
  }

  const Metrics& metrics_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  int sessions_ = 0;  // touched only on the server thread
};

Session::Session(tcp::socket socket, AsioMetricsServer& server)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      buffer_(AsioMetricsServer::max_request),
      server_(server) {}

void Session::start() {
  timer_.expires_after(AsioMetricsServer::read_timeout);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) {
      boost::system::error_code ignored;
      self->socket_.close(ignored);  // a slow or silent client
    }
  });
  asio::async_read_until(socket_, buffer_, "\r\n\r\n",
                         [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                           self->on_head(ec);
                         });
}

void Session::on_head(const boost::system::error_code& ec) {
  if (ec == asio::error::not_found) {
    respond(431, "Request Header Fields Too Large", "text/plain; charset=utf-8", "request too large\n", false);
    return;
  }
  if (ec) {
    timer_.cancel();
    server_.session_ended();
    return;
  }
  const auto data = buffer_.data();
  const std::string head(asio::buffers_begin(data), asio::buffers_end(data));
  const ScrapeAnswer answer = classify_scrape_request(head);
  switch (answer) {
    case ScrapeAnswer::bad_request:
      respond(400, "Bad Request", "text/plain; charset=utf-8", "bad request\n", false);
      return;
    case ScrapeAnswer::method_not_allowed:
      respond(405, "Method Not Allowed", "text/plain; charset=utf-8", "only GET\n", false, "Allow: GET, HEAD\r\n");
      return;
    case ScrapeAnswer::not_found:
      respond(404, "Not Found", "text/plain; charset=utf-8", "not found; metrics are at /metrics\n", false);
      return;
    case ScrapeAnswer::metrics:
    case ScrapeAnswer::metrics_head:
      break;
  }
  const bool head_only = answer == ScrapeAnswer::metrics_head;
  respond(200, "OK", "text/plain; version=0.0.4; charset=utf-8", server_.metrics().render(), head_only);
}

void Session::respond(unsigned status, std::string_view reason, std::string_view content_type,
                      const std::string& body, bool head_only, std::string_view extra) {
  response_ = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\nContent-Type: " +
              std::string(content_type) + "\r\nContent-Length: " + std::to_string(body.size()) +
              "\r\nConnection: close\r\n" + std::string(extra) + "\r\n";
  if (!head_only) response_ += body;
  asio::async_write(socket_, asio::buffer(response_),
                    [self = shared_from_this()](const boost::system::error_code&, std::size_t) {
                      boost::system::error_code ignored;
                      self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
                      self->socket_.close(ignored);
                      self->timer_.cancel();
                      self->server_.session_ended();
                    });
}

}  // namespace

void Metrics::add(std::string_view name, std::string_view labels, double delta, std::string_view help) {
  if (!valid_name(name)) throw std::invalid_argument("metrics: bad metric name \"" + std::string(name) + "\"");
  if (!valid_labels(labels)) throw std::invalid_argument("metrics: bad labels for " + std::string(name));
  if (!(delta >= 0)) throw std::invalid_argument("metrics: counter " + std::string(name) + " cannot decrease");
  std::lock_guard lock(mutex_);
  auto it = series_.find(name);
  if (it == series_.end()) it = series_.emplace(std::string(name), Series{true, std::string(help), {}}).first;
  if (!it->second.counter) throw std::invalid_argument("metrics: " + std::string(name) + " is a gauge");
  auto s = it->second.samples.find(labels);
  if (s == it->second.samples.end()) s = it->second.samples.emplace(std::string(labels), 0.0).first;
  s->second += delta;
}

void Metrics::set(std::string_view name, std::string_view labels, double value, std::string_view help) {
  if (!valid_name(name)) throw std::invalid_argument("metrics: bad metric name \"" + std::string(name) + "\"");
  if (!valid_labels(labels)) throw std::invalid_argument("metrics: bad labels for " + std::string(name));
  std::lock_guard lock(mutex_);
  auto it = series_.find(name);
  if (it == series_.end()) it = series_.emplace(std::string(name), Series{false, std::string(help), {}}).first;
  if (it->second.counter) throw std::invalid_argument("metrics: " + std::string(name) + " is a counter");
  auto s = it->second.samples.find(labels);
  if (s == it->second.samples.end()) {
    it->second.samples.emplace(std::string(labels), value);
  } else {
    s->second = value;
  }
}

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, series] : series_) {
    if (!series.help.empty()) {
      out += "# HELP ";
      out += name;
      out += ' ';
      append_help(out, series.help);
      out += '\n';
    }
    out += "# TYPE ";
    out += name;
    out += series.counter ? " counter\n" : " gauge\n";
    for (const auto& [labels, value] : series.samples) {
      out += name;
      if (!labels.empty()) {
        out += '{';
        out += labels;
        out += '}';
      }
      out += ' ';
      append_value(out, value);
      out += '\n';
    }
  }
  return out;
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string label(std::string_view name, std::string_view value) {
  return std::string(name) + "=\"" + escape_label_value(value) + "\"";
}

std::expected<std::unique_ptr<MetricsServer>, std::string> MetricsServer::start(const Metrics& metrics,
                                                                                const std::string& address,
                                                                                std::uint16_t port, bool allow_public) {
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(address == "localhost" ? "127.0.0.1" : address, ec);
  if (ec) return std::unexpected("metrics: \"" + address + "\" is not an IP address");
  if (!addr.is_loopback() && !allow_public) {
    return std::unexpected("metrics: " + address +
                           " is not a loopback address; metrics are served on loopback only unless allow_public is set");
  }
  auto server = std::make_unique<AsioMetricsServer>(metrics);
  if (auto r = server->listen(addr, port); !r) return std::unexpected(r.error());
  return server;
}

}  // namespace lookalike::telemetry
