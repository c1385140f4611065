// The live probes: SMTP sessions with MX hosts and HTTP(S) fetches, as Asio coroutines on an
// io_context the Prober owns. Every socket is a beast::tcp_stream whose expiry is set before
// each step (connect, reply, handshake, response) to min(step timeout, session deadline), and
// every read is capped, so a hostile peer can only make a session end with timeout or limit.
// GCC 12 at -O1 and above sees Asio's recycling allocator (operator new of a chunk, delete of
// the frame through the same allocator) as a new/delete mismatch in every coroutine frame.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <ctime>
#include <exception>
#include <map>
#include <random>

#include "resolver/resolver.hpp"
#include "scoring/probe.hpp"

namespace lookalike::scoring {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
template <class T>
using Awaitable = asio::awaitable<T>;
using Clock = std::chrono::steady_clock;

struct BioFree {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};

tcp::endpoint to_endpoint(const Address& a, std::uint16_t port) {
  if (a.v6) {
    asio::ip::address_v6::bytes_type b;
    std::copy(a.bytes.begin(), a.bytes.end(), b.begin());
    return {asio::ip::address_v6(b), port};
  }
  asio::ip::address_v4::bytes_type b;
  std::copy_n(a.bytes.begin(), 4, b.begin());
  return {asio::ip::address_v4(b), port};
}

std::string name_text(X509_NAME* name) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || name == nullptr) return {};
  // RFC 2253 order, but keep UTF-8 as is (sanitize_text cleans it) instead of \-escaping it.
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return sanitize_text(std::string_view(data, n > 0 ? static_cast<std::size_t>(n) : 0), 512);
}

std::int64_t asn1_unix(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm));
}

CertificateInfo certificate_info(SSL* ssl_handle, const std::string& host) {
  CertificateInfo ci;
  std::unique_ptr<X509, X509Free> cert(SSL_get1_peer_certificate(ssl_handle));
  if (!cert) {
    ci.verify_error = "no certificate";
    return ci;
  }
  ci.subject = name_text(X509_get_subject_name(cert.get()));
  ci.issuer = name_text(X509_get_issuer_name(cert.get()));
  ci.not_before = asn1_unix(X509_get0_notBefore(cert.get()));
  ci.not_after = asn1_unix(X509_get0_notAfter(cert.get()));
  ci.covers_name = X509_check_host(cert.get(), host.data(), host.size(), 0, nullptr) == 1;
  // With SSL_VERIFY_NONE OpenSSL still verifies the chain and keeps the outcome here.
  const long result = SSL_get_verify_result(ssl_handle);
  ci.verified = result == X509_V_OK;
  if (!ci.verified) ci.verify_error = X509_verify_cert_error_string(result);
  return ci;
}

// Host names go into request lines and SMTP commands: allow only what a DNS name or an IP
// literal can contain, so no CR/LF or space can smuggle in another header or command.
bool safe_host(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  return std::all_of(h.begin(), h.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == ':' || c == '_';
  });
}

// Percent-encodes what may not appear raw in a request target (controls, space, non-ASCII).
std::string safe_path(std::string_view p) {
  std::string out;
  for (char c : p.substr(0, 2048)) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out.empty() || out.front() != '/' ? "/" + out : out;
}

// A URL we are about to fetch.
struct Url {
  std::string scheme;  // "http" | "https"
  std::string host;    // lower case, no brackets
  std::uint16_t port = 0;
  std::string path = "/";
};

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Resolves a Location header against the current URL; nullopt for schemes we do not follow.
std::optional<Url> resolve_location(const Url& base, std::string_view loc, const ProbeOptions& opt) {
  loc = loc.substr(0, loc.find_first_of("#"));
  Url u = base;
  std::string_view rest;
  const std::size_t colon = loc.find("://");
  if (colon != std::string_view::npos) {
    u.scheme = lower_ascii(loc.substr(0, colon));
    if (u.scheme != "http" && u.scheme != "https") return std::nullopt;
    rest = loc.substr(colon + 3);
  } else if (loc.starts_with("//")) {
    rest = loc.substr(2);
  } else {
    if (loc.starts_with("/")) {
      u.path = safe_path(loc);
    } else {
      const std::size_t slash = base.path.rfind('/');
      u.path = safe_path(base.path.substr(0, slash == std::string::npos ? 0 : slash + 1) + std::string(loc));
    }
    return u;
  }
  const std::size_t path_at = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_at);
  u.path = path_at == std::string_view::npos ? "/" : safe_path(rest.substr(path_at));
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view port_text;
  if (authority.starts_with("[")) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    u.host = lower_ascii(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':') port_text = authority.substr(close + 2);
  } else {
    const std::size_t c = authority.rfind(':');
    u.host = lower_ascii(authority.substr(0, c));
    if (c != std::string_view::npos) port_text = authority.substr(c + 1);
  }
  if (!safe_host(u.host)) return std::nullopt;
  u.port = u.scheme == "https" ? opt.https_port : opt.http_port;
  if (!port_text.empty()) {
    unsigned p = 0;
    for (char ch : port_text) {
      if (ch < '0' || ch > '9' || p > 65535) return std::nullopt;
      p = p * 10 + static_cast<unsigned>(ch - '0');
    }
    if (p == 0 || p > 65535) return std::nullopt;
    u.port = static_cast<std::uint16_t>(p);
  }
  return u;
}

std::string url_text(const Url& u) {
  const bool v6 = u.host.find(':') != std::string::npos;
  return u.scheme + "://" + (v6 ? "[" + u.host + "]" : u.host) + ":" + std::to_string(u.port) + u.path;
}

ProbeError error_kind(const error_code& ec) {
  if (ec == beast::error::timeout || ec == asio::error::timed_out) return ProbeError::timeout;
  if (ec == asio::error::eof || ec == asio::error::connection_reset || ec == ssl::error::stream_truncated) {
    return ProbeError::closed;
  }
  return ProbeError::connect_failed;
}

// One session's time budget.
struct Budget {
  Clock::time_point deadline;
  std::chrono::milliseconds step;

  // Sets the stream's expiry for the next step; false when the session is out of time.
  bool arm(beast::tcp_stream& s) const {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    s.expires_after(std::min(step, left));
    return true;
  }
};

// Result of one step.
struct Step {
  ProbeError error = ProbeError::none;
  std::string detail;
  explicit operator bool() const { return error == ProbeError::none; }
};

Step fail(ProbeError e, std::string detail) { return Step{e, sanitize_text(detail, 200)}; }

}  // namespace

std::string_view probe_error_name(ProbeError e) noexcept {
  switch (e) {
    case ProbeError::none: return "none";
    case ProbeError::refused_address: return "refused-address";
    case ProbeError::connect_failed: return "connect-failed";
    case ProbeError::timeout: return "timeout";
    case ProbeError::limit: return "limit";
    case ProbeError::protocol: return "protocol";
    case ProbeError::tls: return "tls";
    case ProbeError::closed: return "closed";
  }
  return "unknown";
}

struct Prober::Impl {
  ProbeOptions opt;
  asio::io_context io{1};
  ssl::context tls{ssl::context::tls_client};
  std::mt19937_64 rng{std::random_device{}()};

  explicit Impl(ProbeOptions o) : opt(std::move(o)) {
    // We record whether the chain verifies instead of refusing it: phishing sites use
    // self-signed certificates and we still want to see them.
    tls.set_verify_mode(ssl::verify_none);
    error_code ec;
    tls.set_default_verify_paths(ec);
    if (!opt.ca_file.empty()) {
      tls.load_verify_file(opt.ca_file, ec);
      if (ec) throw std::invalid_argument("ca_file " + opt.ca_file + ": " + ec.message());
    }
    if (opt.concurrency == 0) opt.concurrency = 1;
  }

  // The address guard, applied to every address before a connect (targets, MX hosts, redirects).
  bool allowed(const Address& a) const {
    return may_connect(a, opt.allow_private) || (opt.allow_loopback && classify(a) == AddressClass::loopback);
  }

  Budget budget() const { return Budget{Clock::now() + opt.session_timeout, opt.step_timeout}; }

  // Connects the stream to one address.
  Awaitable<Step> connect(beast::tcp_stream& s, const Address& a, std::uint16_t port, const Budget& b) {
    if (!b.arm(s)) co_return fail(ProbeError::timeout, "session time exhausted before connect");
    error_code ec;
    co_await s.async_connect(to_endpoint(a, port), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return fail(error_kind(ec), "connect " + to_string(a) + ": " + ec.message());
    co_return Step{};
  }

  // Reads one SMTP reply into `reply`, keeping extra bytes in `buf`.
  Awaitable<Step> read_smtp(beast::tcp_stream& s, std::string& buf, SmtpReply& reply, std::size_t& bytes_read,
                            const Budget& b, std::string_view what) {
    if (!b.arm(s)) co_return fail(ProbeError::timeout, std::string(what) + ": session time exhausted");
    bool parse = true;
    char chunk[2048];
    while (true) {
      if (parse) {
        std::size_t consumed = 0;
        const SmtpParse st = parse_smtp_reply(buf, reply, consumed);
        if (st == SmtpParse::complete) {
          buf.erase(0, consumed);
          co_return Step{};
        }
        if (st == SmtpParse::malformed) co_return fail(ProbeError::protocol, std::string(what) + ": malformed SMTP reply");
      }
      if (bytes_read >= opt.max_smtp_bytes) {
        co_return fail(ProbeError::limit, std::string(what) + ": more than " + std::to_string(opt.max_smtp_bytes) +
                                              " bytes from the server");
      }
      error_code ec;
      const std::size_t want = std::min(sizeof chunk, opt.max_smtp_bytes - bytes_read);
      const std::size_t n =
          co_await s.async_read_some(asio::buffer(chunk, want), asio::redirect_error(asio::use_awaitable, ec));
      bytes_read += n;
      buf.append(chunk, n);
      if (ec) co_return fail(error_kind(ec), std::string(what) + ": " + ec.message());
      parse = std::string_view(chunk, n).find('\n') != std::string_view::npos;
    }
  }

  Awaitable<Step> send(beast::tcp_stream& s, const std::string& line, const Budget& b) {
    if (!b.arm(s)) co_return fail(ProbeError::timeout, "session time exhausted");
    error_code ec;
    co_await asio::async_write(s, asio::buffer(line), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return fail(error_kind(ec), "write: " + ec.message());
    co_return Step{};
  }

  // One SMTP session: banner, EHLO, optionally MAIL FROM / RCPT TO, QUIT. Never sends DATA.
  Awaitable<void> smtp_session(MailProbe& out, std::string look_alike) {
    const Budget b = budget();
    beast::tcp_stream s(io);
    auto done = [&](const Step& st) {
      out.error = st.error;
      out.detail = st.detail;
    };
    if (Step st = co_await connect(s, out.address, opt.smtp_port, b); !st) co_return done(st);
    std::string buf;
    SmtpReply reply;
    if (Step st = co_await read_smtp(s, buf, reply, out.bytes_read, b, "banner"); !st) co_return done(st);
    out.answered = true;
    out.banner_code = reply.code;
    std::string joined;
    for (const auto& l : reply.lines) joined += (joined.empty() ? "" : " | ") + l.substr(0, 512);
    out.banner = sanitize_text(joined, 512);
    if (reply.code / 100 != 2) co_return done(fail(ProbeError::protocol, "banner code " + std::to_string(reply.code)));
    if (Step st = co_await send(s, "EHLO " + opt.ehlo_name + "\r\n", b); !st) co_return done(st);
    if (Step st = co_await read_smtp(s, buf, reply, out.bytes_read, b, "EHLO"); !st) co_return done(st);
    out.ehlo_ok = reply.code == 250;
    out.starttls = ehlo_offers_starttls(reply);
    if (opt.mx_check && out.ehlo_ok && safe_host(look_alike)) {
      if (Step st = co_await send(s, "MAIL FROM:<" + opt.mail_from + ">\r\n", b); !st) co_return done(st);
      if (Step st = co_await read_smtp(s, buf, reply, out.bytes_read, b, "MAIL FROM"); !st) co_return done(st);
      if (reply.code / 100 == 2) {
        // A random local part: we ask whether the host accepts any mail for the look-alike.
        const std::string rcpt = "lookalike-probe-" + std::to_string(rng() % 1000000000ULL) + "@" + look_alike;
        if (Step st = co_await send(s, "RCPT TO:<" + rcpt + ">\r\n", b); !st) co_return done(st);
        if (Step st = co_await read_smtp(s, buf, reply, out.bytes_read, b, "RCPT TO"); !st) co_return done(st);
        out.rcpt_accepted = reply.code / 100 == 2;
        if (Step st = co_await send(s, "RSET\r\n", b); !st) co_return done(st);
        if (Step st = co_await read_smtp(s, buf, reply, out.bytes_read, b, "RSET"); !st) co_return done(st);
      } else {
        out.rcpt_accepted = false;
      }
    }
    if (out.ehlo_ok && out.starttls) {
      co_await negotiate_starttls(s, buf, reply, out, b);
      co_return done(Step{});
    }
    // Polite end; its reply does not matter.
    (void)co_await send(s, "QUIT\r\n", b);
    co_return done(Step{});
  }

  // STARTTLS (RFC 3207) as the session's last step: records the TLS facts, then QUIT over TLS.
  Awaitable<void> negotiate_starttls(beast::tcp_stream& s, std::string& buf, SmtpReply& reply, MailProbe& out,
                                     const Budget& b) {
    if (Step st = co_await send(s, "STARTTLS\r\n", b); !st) {
      out.tls_error = st.detail;
      co_return;
    }
    if (Step st = co_await read_smtp(s, buf, reply, out.bytes_read, b, "STARTTLS"); !st) {
      out.tls_error = st.detail;
      co_return;
    }
    if (reply.code != 220) {
      out.tls_error = "STARTTLS refused with code " + std::to_string(reply.code);
      co_return;
    }
    if (!buf.empty()) {
      // Plaintext sent after the 220 would be read as if it came over TLS (CVE-2011-0411).
      out.tls_error = "plaintext bytes after the STARTTLS reply";
      co_return;
    }
    std::string host = lower_ascii(out.host);
    while (!host.empty() && host.back() == '.') host.pop_back();
    ssl::stream<beast::tcp_stream&> tls_stream(s, tls);
    if (safe_host(host) && !parse_address(host)) SSL_set_tlsext_host_name(tls_stream.native_handle(), host.c_str());
    if (!b.arm(s)) {
      out.tls_error = "TLS handshake: session time exhausted";
      co_return;
    }
    error_code ec;
    co_await tls_stream.async_handshake(ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      out.tls_error = sanitize_text("TLS handshake: " + ec.message(), 200);
      co_return;
    }
    SSL* h = tls_stream.native_handle();
    out.tls_ok = true;
    out.tls_version = sanitize_text(SSL_get_version(h), 32);
    out.tls_cipher = sanitize_text(SSL_get_cipher_name(h), 64);
    out.certificate = certificate_info(h, host);
    if (!b.arm(s)) co_return;
    const std::string quit = "QUIT\r\n";
    co_await asio::async_write(tls_stream, asio::buffer(quit), asio::redirect_error(asio::use_awaitable, ec));
  }

  // Reads one HTTP response (bounded) from any stream type.
  template <class Stream>
  Awaitable<Step> read_http(Stream& stream, beast::tcp_stream& tcp_layer, HttpResponse& resp, std::size_t& bytes_read,
                            const Budget& b) {
    if (!b.arm(tcp_layer)) co_return fail(ProbeError::timeout, "response: session time exhausted");
    std::string buf;
    const std::size_t cap = opt.max_header_bytes + opt.max_body_bytes;
    std::size_t parsed_at = 0;
    char chunk[8192];
    while (true) {
      error_code ec;
      const std::size_t want = std::min(sizeof chunk, cap - buf.size());
      const std::size_t n =
          co_await stream.async_read_some(asio::buffer(chunk, want), asio::redirect_error(asio::use_awaitable, ec));
      bytes_read += n;
      buf.append(chunk, n);
      const bool eof = ec == asio::error::eof || ec == ssl::error::stream_truncated;
      if (ec && !eof) {
        // Keep what arrived if it is a complete response already cut by a reset.
        std::string why;
        if (parse_http_response(buf, false, opt.max_header_bytes, resp, &why) == HttpParse::complete) co_return Step{};
        co_return fail(error_kind(ec), "response: " + ec.message());
      }
      const bool full = buf.size() >= cap;
      // Re-parse only when it can change the answer: at the end, after a blank line, or per 16 KiB.
      const bool maybe_done = eof || full || buf.size() - parsed_at >= 16384 || buf.ends_with("\n\n") ||
                              buf.ends_with("\r\n\r\n") || parsed_at == 0;
      if (!maybe_done) continue;
      parsed_at = buf.size();
      std::string why;
      const HttpParse st = parse_http_response(buf, eof || full, opt.max_header_bytes, resp, &why);
      switch (st) {
        case HttpParse::complete:
          if (full && !eof) resp.body_truncated = true;
          co_return Step{};
        case HttpParse::header_too_large: co_return fail(ProbeError::limit, "response: " + why);
        case HttpParse::malformed: co_return fail(eof && buf.empty() ? ProbeError::closed : ProbeError::protocol,
                                                  "response: " + why);
        case HttpParse::incomplete:
          if (full) co_return fail(ProbeError::limit, "response: over " + std::to_string(cap) + " bytes");
          break;
      }
    }
  }

  std::string request(const Url& u) const {
    const bool default_port = (u.scheme == "http" && u.port == 80) || (u.scheme == "https" && u.port == 443);
    const bool v6 = u.host.find(':') != std::string::npos;
    std::string host = v6 ? "[" + u.host + "]" : u.host;
    if (!default_port) host += ":" + std::to_string(u.port);
    return "GET " + u.path + " HTTP/1.1\r\nHost: " + host +
           "\r\nUser-Agent: lookalike-probe/0.1 (look-alike domain monitoring)\r\n"
           "Accept: text/html,*/*;q=0.8\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n";
  }

  // One GET over an already connected stream.
  Awaitable<Step> fetch_plain(beast::tcp_stream& s, const Url& u, HttpResponse& resp, std::size_t& bytes_read,
                              const Budget& b) {
    if (Step st = co_await send(s, request(u), b); !st) co_return st;
    co_return co_await read_http(s, s, resp, bytes_read, b);
  }

  Awaitable<Step> fetch_tls(beast::tcp_stream& s, const Url& u, HttpResponse& resp, std::size_t& bytes_read,
                            const Budget& b, std::optional<CertificateInfo>* cert) {
    ssl::stream<beast::tcp_stream&> tls_stream(s, tls);
    const bool ip_literal = parse_address(u.host).has_value();
    if (!ip_literal) SSL_set_tlsext_host_name(tls_stream.native_handle(), u.host.c_str());
    if (!b.arm(s)) co_return fail(ProbeError::timeout, "handshake: session time exhausted");
    error_code ec;
    co_await tls_stream.async_handshake(ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      const ProbeError kind = ec == beast::error::timeout ? ProbeError::timeout : ProbeError::tls;
      co_return fail(kind, "TLS handshake: " + ec.message());
    }
    if (cert != nullptr && !cert->has_value()) *cert = certificate_info(tls_stream.native_handle(), u.host);
    if (!b.arm(s)) co_return fail(ProbeError::timeout, "request: session time exhausted");
    const std::string req = request(u);
    co_await asio::async_write(tls_stream, asio::buffer(req), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return fail(error_kind(ec), "write: " + ec.message());
    co_return co_await read_http(tls_stream, s, resp, bytes_read, b);
  }

  // GET / on one scheme, following redirects.
  Awaitable<void> web_session(WebProbe& out, const ProbeTarget& target, std::vector<std::string>& skipped) {
    const Budget b = budget();
    Url url{out.scheme, lower_ascii(target.name), out.scheme == "https" ? opt.https_port : opt.http_port, "/"};
    auto done = [&](const Step& st) {
      out.error = st.error;
      out.detail = st.detail;
    };
    if (!safe_host(url.host)) co_return done(fail(ProbeError::protocol, "not a valid host name"));
    for (int hop = 0;; ++hop) {
      // Addresses for this hop's host: the target's own, an IP literal, or the resolve hook.
      std::vector<Address> addresses;
      if (url.host == lower_ascii(target.name)) {
        addresses = target.web_addresses;
      } else if (auto lit = parse_address(url.host)) {
        addresses.push_back(*lit);
      } else if (opt.resolve) {
        addresses = opt.resolve(url.host);
      } else {
        co_return done(Step{});  // recorded as the last hop's Location; not followed
      }
      beast::tcp_stream s(io);
      Step connected = fail(ProbeError::connect_failed, "no address for " + url.host);
      std::size_t tried = 0;
      for (const Address& a : addresses) {
        if (!allowed(a)) {
          if (hop == 0) out.address = a;
          skipped.push_back(to_string(a) + " (" + std::string(address_class_name(classify(a))) + ")");
          connected = fail(ProbeError::refused_address,
                           to_string(a) + " is " + std::string(address_class_name(classify(a))) + ": not probed");
          continue;
        }
        if (tried++ >= opt.max_addresses_per_host) break;
        if (hop == 0) out.address = a;
        connected = co_await connect(s, a, url.port, b);
        if (connected) break;
        s.close();
      }
      if (!connected) co_return done(connected);
      HttpResponse resp;
      // Not a ?: with co_await in both arms: GCC 12 miscompiles that (double destruction).
      Step got;
      if (url.scheme == "https") {
        got = co_await fetch_tls(s, url, resp, out.bytes_read, b, hop == 0 ? &out.certificate : nullptr);
      } else {
        got = co_await fetch_plain(s, url, resp, out.bytes_read, b);
      }
      error_code ignored;
      s.socket().shutdown(tcp::socket::shutdown_both, ignored);
      s.close();
      if (!got) co_return done(got);
      out.answered = true;
      out.status = resp.status;
      out.final_url = sanitize_text(url_text(url), 512);
      WebHop h{out.final_url, resp.status, {}};
      const auto location = resp.header("location");
      if (resp.status >= 300 && resp.status < 400 && location) {
        h.location = sanitize_text(*location, 512);
        out.hops.push_back(h);
        auto next = resolve_location(url, *location, opt);
        if (next && !target.brand_domain.empty() && host_within(next->host, target.brand_domain) &&
            !host_within(next->host, target.name)) {
          out.redirects_to_brand = true;
        }
        if (!next || hop >= opt.max_redirects) co_return done(Step{});
        url = *next;
        continue;
      }
      out.hops.push_back(h);
      out.title = extract_title(resp.body);
      if (auto server = resp.header("server")) out.server = sanitize_text(*server, 128);
      out.page_hash = page_hash(resp.body);
      out.parked_page = looks_parked(resp.body);
      co_return done(Step{});
    }
  }

  // Tries the addresses of one MX host in order until one answers.
  Awaitable<void> mail_job(MailProbe& out, const MxHost& mx, std::string look_alike, std::vector<std::string>& skipped) {
    out.host = sanitize_text(mx.host, 255);
    out.error = ProbeError::connect_failed;
    out.detail = "no address";
    std::size_t tried = 0;
    for (const Address& a : mx.addresses) {
      out.address = a;
      if (!allowed(a)) {
        skipped.push_back(to_string(a) + " (" + std::string(address_class_name(classify(a))) + ")");
        out.error = ProbeError::refused_address;
        out.detail = to_string(a) + " is " + std::string(address_class_name(classify(a))) + ": not probed";
        continue;
      }
      if (tried++ >= opt.max_addresses_per_host) break;
      MailProbe attempt;
      attempt.host = out.host;
      attempt.address = a;
      co_await smtp_session(attempt, look_alike);
      out = std::move(attempt);
      if (out.answered) break;
    }
  }

  void finalize(ProbeResult& r, const ProbeTarget& t) {
    for (const auto& m : r.mail) {
      r.mx_live = r.mx_live || (m.answered && m.banner_code / 100 == 2);
      r.mx_accepts_mail = r.mx_accepts_mail || m.rcpt_accepted.value_or(false);
    }
    for (const auto& w : r.web) {
      r.web_live = r.web_live || w.answered;
      r.redirects_to_brand = r.redirects_to_brand || w.redirects_to_brand;
      r.parked = r.parked || w.parked_page;
      if (w.certificate && w.certificate->covers_name) r.tls_covers_name = true;
      if (t.brand_page_hash && w.page_hash != 0 && w.status / 100 == 2) {
        const double s = page_similarity(*t.brand_page_hash, w.page_hash);
        r.page_similarity = std::max(r.page_similarity.value_or(0.0), s);
      }
    }
    for (const auto& ns : t.ns) r.parked = r.parked || is_parking_ns(ns);
    std::sort(r.skipped.begin(), r.skipped.end());
    r.skipped.erase(std::unique(r.skipped.begin(), r.skipped.end()), r.skipped.end());
  }

  void run(std::span<const ProbeTarget> targets, const std::function<void(std::size_t, ProbeResult&&)>& on_result) {
    struct Job {
      std::size_t target;
      bool mail;
      std::size_t slot;
    };
    std::vector<ProbeResult> results(targets.size());
    std::vector<std::size_t> pending(targets.size(), 0);
    std::vector<Job> jobs;
    for (std::size_t t = 0; t < targets.size(); ++t) {
      results[t].name = sanitize_text(targets[t].name, 255);
      if (opt.mail) {
        const std::size_t n = std::min(targets[t].mx.size(), opt.max_mx_hosts);
        results[t].mail.resize(n);
        for (std::size_t i = 0; i < n; ++i) jobs.push_back({t, true, i});
      }
      if (opt.web && !targets[t].web_addresses.empty()) {
        results[t].web.resize(2);
        results[t].web[0].scheme = "http";
        results[t].web[1].scheme = "https";
        jobs.push_back({t, false, 0});
        jobs.push_back({t, false, 1});
      }
    }
    for (const Job& j : jobs) ++pending[j.target];
    std::exception_ptr callback_error;
    auto deliver = [&](std::size_t t) {
      finalize(results[t], targets[t]);
      if (callback_error) return;
      try {
        on_result(t, std::move(results[t]));
      } catch (...) {
        // Nothing may throw through Asio: keep the first error and rethrow after the loop.
        callback_error = std::current_exception();
        io.stop();
      }
    };
    for (std::size_t t = 0; t < targets.size(); ++t) {
      if (pending[t] == 0) deliver(t);
    }
    std::size_t next = 0;
    std::size_t in_flight = 0;
    std::function<void()> launch = [&] {
      while (in_flight < opt.concurrency && next < jobs.size()) {
        const Job j = jobs[next++];
        ++in_flight;
        ProbeResult& r = results[j.target];
        const ProbeTarget& t = targets[j.target];
        Awaitable<void> work = j.mail ? mail_job(r.mail[j.slot], t.mx[j.slot], t.name, r.skipped)
                                      : web_session(r.web[j.slot], t, r.skipped);
        asio::co_spawn(io, std::move(work), [&, j](std::exception_ptr e) noexcept {
          --in_flight;
          if (e) {
            // Only resource exhaustion can get here (all I/O errors are values).
            std::string what = "internal error";
            try {
              std::rethrow_exception(e);
            } catch (const std::exception& x) {
              what = x.what();
            } catch (...) {
            }
            auto& r2 = results[j.target];
            if (j.mail) {
              r2.mail[j.slot].error = ProbeError::protocol;
              r2.mail[j.slot].detail = sanitize_text(what, 200);
            } else {
              r2.web[j.slot].error = ProbeError::protocol;
              r2.web[j.slot].detail = sanitize_text(what, 200);
            }
          }
          if (--pending[j.target] == 0) deliver(j.target);
          launch();
        });
      }
    };
    launch();
    io.restart();
    io.run();
    if (callback_error) std::rethrow_exception(callback_error);
  }
};

std::function<std::vector<Address>(std::string_view host)> dns_resolve_hook(std::string_view upstreams,
                                                                            std::chrono::milliseconds timeout) {
  namespace res = lookalike::resolver;
  res::Config c;
  if (!upstreams.empty()) {
    auto parsed = res::parse_upstreams(upstreams);
    if (!parsed) throw std::invalid_argument("resolvers: " + parsed.error());
    c.upstreams = std::move(*parsed);
  }
  c.types = {res::RecordType::a, res::RecordType::aaaa};
  c.timeout = timeout;
  c.retries = 1;
  c.detect_wildcards = false;
  struct State {
    explicit State(res::Config config) : resolver(std::move(config)) {}
    res::Resolver resolver;
    std::map<std::string, std::vector<Address>, std::less<>> cache;
  };
  auto state = std::make_shared<State>(std::move(c));
  return [state](std::string_view host) -> std::vector<Address> {
    if (auto it = state->cache.find(host); it != state->cache.end()) return it->second;
    std::vector<Address> out;
    const auto results = state->resolver.resolve_all({std::string(host)});
    for (const res::TypeResult& t : results.at(0).types) {
      if (t.outcome != res::Outcome::answer) continue;
      for (const std::string& text : t.records) {
        if (auto a = parse_address(text)) out.push_back(*a);
      }
    }
    state->cache.emplace(std::string(host), out);
    return out;
  };
}

Prober::Prober(ProbeOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Prober::~Prober() = default;

void Prober::probe(std::span<const ProbeTarget> targets, const std::function<void(ProbeResult&&)>& on_result) {
  impl_->run(targets, [&](std::size_t, ProbeResult&& r) { on_result(std::move(r)); });
}

std::vector<ProbeResult> Prober::probe_all(std::span<const ProbeTarget> targets) {
  std::vector<ProbeResult> out(targets.size());
  impl_->run(targets, [&](std::size_t i, ProbeResult&& r) { out[i] = std::move(r); });
  return out;
}

const ProbeOptions& Prober::options() const noexcept { return impl_->opt; }

}  // namespace lookalike::scoring
