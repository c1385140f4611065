// HTTP/1.1 keep-alive client over Boost.Beast (+ OpenSSL, certificates and host names verified),
// with gzip bodies and per-operation timeouts. Plain http is refused except on loopback.
#include <zlib.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <algorithm>
#include <charconv>
#include <memory>
#include <mutex>
#include <optional>

#include "net/http.hpp"

#include "net/address.hpp"

namespace lookalike::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

struct Url {
  bool tls = false;
  std::string host;  // without brackets
  std::string port;
  std::string target;
};

std::expected<Url, Error> parse_url(std::string_view url) {
  Url u;
  std::string_view rest;
  if (url.starts_with("https://")) {
    u.tls = true;
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return std::unexpected(Error{"url \"" + std::string(url) + "\": scheme must be http or https"});
  }
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (authority.find('@') != std::string_view::npos) {
    return std::unexpected(Error{"url \"" + std::string(url) + "\": userinfo not allowed"});
  }
  std::string_view host = authority, port;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::unexpected(Error{"url \"" + std::string(url) + "\": bad IPv6 literal"});
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return std::unexpected(Error{"url \"" + std::string(url) + "\": bad port"});
      port = authority.substr(close + 2);
    }
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return std::unexpected(Error{"url \"" + std::string(url) + "\": no host"});
  unsigned p = 0;
  if (!port.empty()) {
    const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || ptr != port.data() + port.size() || p == 0 || p > 65535) {
      return std::unexpected(Error{"url \"" + std::string(url) + "\": bad port"});
    }
  }
  u.host = std::string(host);
  u.port = port.empty() ? (u.tls ? "443" : "80") : std::string(port);
  return u;
}

std::expected<std::string, Error> gunzip(std::string_view in, std::size_t limit) {
  z_stream zs{};
  if (inflateInit2(&zs, 32 + MAX_WBITS) != Z_OK) return std::unexpected(Error{"gzip: inflateInit failed"});
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  char chunk[65536];
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof chunk;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return std::unexpected(Error{"gzip: corrupt body (zlib error " + std::to_string(rc) + ")"});
    }
    out.append(chunk, sizeof chunk - zs.avail_out);
    if (out.size() > limit) {
      inflateEnd(&zs);
      return std::unexpected(Error{"gzip: body larger than the limit"});
    }
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      return std::unexpected(Error{"gzip: truncated body"});
    }
  }
  inflateEnd(&zs);
  return out;
}

// One verifying TLS context per trust configuration, shared by every client of the process:
// parsing the system CA bundle costs far more than a request, and plain http never needs it.
std::shared_ptr<ssl::context> tls_context(const std::string& ca_file) {
  static std::mutex mu;
  static std::vector<std::pair<std::string, std::shared_ptr<ssl::context>>> cache;
  std::lock_guard lock(mu);
  for (const auto& [file, ctx] : cache) {
    if (file == ca_file) return ctx;
  }
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_default_verify_paths(ec);  // honours SSL_CERT_FILE / SSL_CERT_DIR
  if (!ca_file.empty()) ctx->load_verify_file(ca_file, ec);
  ctx->set_verify_mode(ssl::verify_peer);
  cache.emplace_back(ca_file, ctx);
  return ctx;
}

Address to_address(const asio::ip::address& ip) {
  Address a;
  if (ip.is_v4()) {
    const auto b = ip.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), a.bytes.begin());
  } else {
    a.v6 = true;
    const auto b = ip.to_v6().to_bytes();
    std::copy(b.begin(), b.end(), a.bytes.begin());
  }
  return a;
}

class BeastClient final : public HttpClient {
 public:
  explicit BeastClient(const HttpOptions& o) : opts_(o) {}

  std::expected<HttpResponse, Error> get(const std::string& url) override {
    return request(http::verb::get, url, {}, {});
  }

  std::expected<HttpResponse, Error> post(const std::string& url, std::string_view body,
                                          const std::vector<std::pair<std::string, std::string>>& headers) override {
    return request(http::verb::post, url, body, headers);
  }

 private:
  std::expected<HttpResponse, Error> request(http::verb verb, const std::string& url, std::string_view body,
                                             const std::vector<std::pair<std::string, std::string>>& headers) {
    auto u = parse_url(url);
    if (!u) return std::unexpected(u.error());
    if (!u->tls && !is_loopback_host(u->host)) {
      return std::unexpected(Error{"url \"" + url + "\": plain http is only allowed on loopback"});
    }
    const bool same = connected_ && u->host == cur_.host && u->port == cur_.port && u->tls == cur_.tls;
    if (!same) close();
    // A kept-alive connection may have been closed by the server: retry once on a fresh one.
    for (int attempt = 0; attempt < 2; ++attempt) {
      const bool reused = connected_;
      if (!connected_) {
        if (auto c = connect(*u); !c) return std::unexpected(Error{url + ": " + c.error().what});
      }
      auto r = exchange(*u, verb, body, headers);
      if (r) return r;
      close();
      if (!reused) return std::unexpected(Error{url + ": " + r.error().what});
    }
    return std::unexpected(Error{url + ": connection lost"});
  }

  template <class Start>
  boost::system::error_code run(Start start) {
    boost::system::error_code result = asio::error::would_block;
    start(result);
    ioc_.restart();
    ioc_.run();
    return result;
  }

  beast::tcp_stream& lowest() { return tls_ ? beast::get_lowest_layer(*secure_) : *plain_; }

  std::expected<void, Error> connect(const Url& u) {
    std::vector<tcp::endpoint> eps;
    boost::system::error_code ec;
    const std::string host = u.host == "localhost" ? "127.0.0.1" : u.host;
    const auto addr = asio::ip::make_address(host, ec);
    const auto port = static_cast<unsigned short>(std::stoul(u.port));
    if (!ec) {
      eps.emplace_back(addr, port);
    } else {
      tcp::resolver resolver(ioc_);
      auto res = resolver.resolve(host, u.port, ec);
      if (ec) return std::unexpected(Error{"resolve " + host + ": " + ec.message()});
      for (const auto& e : res) eps.push_back(e.endpoint());
    }
    // The guard is applied to what is connected, not to the name: a public-looking name may
    // resolve to a private or metadata address.
    std::string refused;
    std::erase_if(eps, [&](const tcp::endpoint& e) {
      const Address a = to_address(e.address());
      const AddressClass c = classify(a);
      const bool ok = opts_.reach == Reach::any ? may_connect(a, true)
                                               : may_connect(a, false) ||
                                                     (opts_.reach == Reach::global_or_loopback && c == AddressClass::loopback);
      if (!ok) refused += (refused.empty() ? "" : ", ") + to_string(a) + " (" + std::string(address_class_name(c)) + ")";
      return !ok;
    });
    if (eps.empty()) return std::unexpected(Error{"refusing " + host + ": " + refused});
    tls_ = u.tls;
    if (tls_) {
      if (!ssl_ctx_) ssl_ctx_ = tls_context(opts_.ca_file);
      secure_.emplace(ioc_, *ssl_ctx_);
      secure_->set_verify_callback(ssl::host_name_verification(u.host));
      if (!SSL_set_tlsext_host_name(secure_->native_handle(), u.host.c_str())) {
        return std::unexpected(Error{"TLS: cannot set SNI"});
      }
    } else {
      plain_.emplace(ioc_);
    }
    lowest().expires_after(opts_.timeout);
    ec = run([&](boost::system::error_code& out) {
      lowest().async_connect(eps, [&out](boost::system::error_code e, const tcp::endpoint&) { out = e; });
    });
    if (ec) return std::unexpected(Error{"connect: " + ec.message()});
    lowest().socket().set_option(tcp::no_delay(true), ec);
    if (tls_) {
      lowest().expires_after(opts_.timeout);
      ec = run([&](boost::system::error_code& out) {
        secure_->async_handshake(ssl::stream_base::client, [&out](boost::system::error_code e) { out = e; });
      });
      if (ec) return std::unexpected(Error{"TLS handshake: " + ec.message()});
    }
    cur_ = u;
    connected_ = true;
    buffer_.clear();
    // Beast reads max(512, free capacity) bytes per call and a flat_buffer never grows while each
    // read fits: without room up front a 2 MB get-entries body arrives 512 bytes (three system
    // calls and a timer reset) at a time.
    buffer_.reserve(kReadChunk);
    return {};
  }

  std::expected<HttpResponse, Error> exchange(const Url& u, http::verb verb, std::string_view body,
                                              const std::vector<std::pair<std::string, std::string>>& headers) {
    http::request<http::string_body> req{verb, u.target, 11};
    req.set(http::field::host, u.port == (u.tls ? "443" : "80") ? u.host : u.host + ":" + u.port);
    req.set(http::field::user_agent, std::string(user_agent()));
    req.set(http::field::accept_encoding, "gzip");
    for (const auto& [name, value] : headers) {
      // A CR or LF in a configured header would split the request (header injection).
      if (name.empty() || name.find_first_of(":\r\n") != std::string::npos ||
          value.find_first_of("\r\n") != std::string::npos) {
        return std::unexpected(Error{"header \"" + name + "\": name or value not allowed"});
      }
      req.set(name, value);
    }
    if (verb != http::verb::get) {
      req.body() = std::string(body);
      req.prepare_payload();
    }
    req.keep_alive(true);
    lowest().expires_after(opts_.timeout);
    auto ec = run([&](boost::system::error_code& out) {
      auto h = [&out](boost::system::error_code e, std::size_t) { out = e; };
      if (tls_) http::async_write(*secure_, req, h);
      else http::async_write(*plain_, req, h);
    });
    if (ec) return std::unexpected(Error{"send: " + ec.message()});
    http::response_parser<http::string_body> parser;
    parser.body_limit(opts_.body_limit);
    lowest().expires_after(opts_.timeout);
    ec = run([&](boost::system::error_code& out) {
      auto h = [&out](boost::system::error_code e, std::size_t) { out = e; };
      if (tls_) http::async_read(*secure_, buffer_, parser, h);
      else http::async_read(*plain_, buffer_, parser, h);
    });
    if (ec) return std::unexpected(Error{"receive: " + ec.message()});
    auto& res = parser.get();
    HttpResponse out;
    out.status = res.result_int();
    if (auto it = res.find(http::field::retry_after); it != res.end()) {
      out.retry_after = parse_retry_after(std::string_view(it->value().data(), it->value().size()),
                                          std::chrono::system_clock::now());
    }
    const bool gz = [&] {
      auto it = res.find(http::field::content_encoding);
      return it != res.end() && (it->value() == "gzip" || it->value() == "x-gzip");
    }();
    if (gz) {
      auto plain = gunzip(res.body(), opts_.body_limit);
      if (!plain) return std::unexpected(plain.error());
      out.body = std::move(*plain);
    } else {
      out.body = std::move(res.body());
    }
    if (!res.keep_alive()) close();
    return out;
  }

  void close() {
    boost::system::error_code ec;
    if (plain_) plain_->socket().close(ec);
    if (secure_) beast::get_lowest_layer(*secure_).socket().close(ec);
    plain_.reset();
    secure_.reset();
    connected_ = false;
  }

  HttpOptions opts_;
  asio::io_context ioc_;
  std::shared_ptr<ssl::context> ssl_ctx_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure_;
  static constexpr std::size_t kReadChunk = 256 * 1024;
  beast::flat_buffer buffer_;
  Url cur_;
  bool tls_ = false;
  bool connected_ = false;
};

}  // namespace

std::expected<HttpResponse, Error> HttpClient::post(const std::string& url, std::string_view,
                                                   const std::vector<std::pair<std::string, std::string>>&) {
  return std::unexpected(Error{url + ": this HTTP client does not support POST"});
}

std::string_view user_agent() noexcept { return "lookalike/" LOOKALIKE_VERSION; }

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  boost::system::error_code ec;
  const auto a = asio::ip::make_address_v4(std::string(host), ec);
  return !ec && a.is_loopback();
}

std::unique_ptr<HttpClient> make_http_client(const HttpOptions& options) {
  return std::make_unique<BeastClient>(options);
}

}  // namespace lookalike::net
