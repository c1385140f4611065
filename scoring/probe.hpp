// Live probes of look-alike domains: SMTP on each MX host, HTTP and HTTPS `GET /` on the web
// addresses. Async (Boost.Asio, kept out of this header), bounded concurrency, a per-step
// timeout, bounded bytes per probe, and no connection to private/special addresses unless allowed.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/address.hpp"

namespace lookalike::scoring {

// ---------------------------------------------------------------------------------------------
// Addresses and the SSRF guard: one copy for every outgoing connection, in net/address.hpp.

using net::Address;
using net::AddressClass;
using net::address_class_name;
using net::classify;
using net::may_connect;
using net::parse_address;
using net::to_string;

// ---------------------------------------------------------------------------------------------
// Parsers and helpers for untrusted bytes (pure; fuzzed in tests/fuzz/)

// Makes untrusted text safe to store and show: invalid UTF-8 -> U+FFFD, ANSI/VT escape
// sequences removed, C0/C1 controls and bidi overrides removed (tabs/newlines -> space),
// whitespace runs collapsed, trimmed, and capped at `max_bytes` on a character boundary.
[[nodiscard]] std::string sanitize_text(std::string_view untrusted, std::size_t max_bytes = 256);

// One SMTP reply (RFC 5321 4.2): the code and the text of every line.
struct SmtpReply {
  int code = 0;
  std::vector<std::string> lines;  // raw text after "NNN-" / "NNN ", unsanitised
};

// Result of feeding bytes to parse_smtp_reply.
enum class SmtpParse : std::uint8_t { complete, incomplete, malformed };

// Parses one (possibly multi-line) reply at the start of `data`. On `complete`, `consumed` is
// the byte count of the reply. `malformed`: a line without a 3-digit code, codes that differ
// between lines, or a line longer than `max_line` bytes.
[[nodiscard]] SmtpParse parse_smtp_reply(std::string_view data, SmtpReply& out, std::size_t& consumed,
                                         std::size_t max_line = 2048);

// True when an EHLO reply advertises STARTTLS.
[[nodiscard]] bool ehlo_offers_starttls(const SmtpReply& ehlo);

// An HTTP/1.x response read off the wire (headers lower-cased by name, body de-chunked).
struct HttpResponse {
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool body_truncated = false;  // body limit or connection close cut it short

  // First header value named `name` (lower case), if any.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const;
};

// How complete a response buffer is.
enum class HttpParse : std::uint8_t { complete, incomplete, malformed, header_too_large };

// Parses a response from `data`; `eof` says the peer closed (so a body without length ends
// here). Header section over `max_header` bytes -> header_too_large. `error` names the problem.
[[nodiscard]] HttpParse parse_http_response(std::string_view data, bool eof, std::size_t max_header,
                                            HttpResponse& out, std::string* error = nullptr);

// The sanitised text of the first <title> of an HTML page ("" when there is none).
[[nodiscard]] std::string extract_title(std::string_view html);

// The visible text of an HTML page, normalised for comparison: tags, scripts, styles and
// comments removed, entities for space dropped, lower case ASCII, whitespace collapsed.
[[nodiscard]] std::string normalise_page(std::string_view html);

// A 64-bit SimHash over 3-word shingles of normalise_page(html) (Charikar 2002): pages that
// share most of their text have hashes a few bits apart. 0 for an empty page.
[[nodiscard]] std::uint64_t page_hash(std::string_view html);
// 1 - hamming(a, b) / 64: 1.0 identical, ~0.5 unrelated.
[[nodiscard]] double page_similarity(std::uint64_t a, std::uint64_t b) noexcept;

// True when the page carries a domain-parking marker ("this domain is for sale", parking
// service scripts, ...).
[[nodiscard]] bool looks_parked(std::string_view html);
// True when a name server host belongs to a known parking service (data/parking-ns.txt).
[[nodiscard]] bool is_parking_ns(std::string_view ns_host);

// True when `host` is `domain` or a subdomain of it (ASCII, case-insensitive, trailing dot ok).
[[nodiscard]] bool host_within(std::string_view host, std::string_view domain) noexcept;

// ---------------------------------------------------------------------------------------------
// Probe targets, options and results

// One MX host of the candidate with the addresses the resolver found for it.
struct MxHost {
  std::string host;
  std::vector<Address> addresses;
};

// What to probe for one registered candidate.
struct ProbeTarget {
  std::string name;                    // the look-alike, ASCII (A-labels)
  std::vector<Address> web_addresses;  // its A/AAAA
  std::vector<MxHost> mx;              // its MX hosts
  std::vector<std::string> ns;         // its NS hosts (parking detection), optional
  std::string brand_domain;            // the brand it imitates (redirect-to-brand detection)
  std::optional<std::uint64_t> brand_page_hash;  // page_hash of the brand's own page, if known
};

// Why a probe step failed (none: it worked).
enum class ProbeError : std::uint8_t {
  none,
  refused_address,  // not probed: private/special address and allow_private is off
  connect_failed,   // refused, unreachable, reset during connect
  timeout,          // a step did not finish within its timeout
  limit,            // the peer sent more bytes than allowed
  protocol,         // malformed or unexpected reply
  tls,              // TLS handshake failed
  closed,           // the peer closed before answering
};

// "none", "refused-address", "connect-failed", "timeout", "limit", "protocol", "tls", "closed".
[[nodiscard]] std::string_view probe_error_name(ProbeError e) noexcept;

// Knobs; the ports exist so tests can point probes at loopback servers.
struct ProbeOptions {
  std::size_t concurrency = 64;                          // sessions in flight
  std::chrono::milliseconds step_timeout{5000};          // connect, each reply, handshake
  std::chrono::milliseconds session_timeout{20000};      // whole session (all steps + redirects)
  std::size_t max_smtp_bytes = 16 * 1024;                // bytes read per SMTP session
  std::size_t max_header_bytes = 16 * 1024;              // HTTP header section
  std::size_t max_body_bytes = 256 * 1024;               // HTTP body kept (rest not read)
  std::uint16_t smtp_port = 25;
  std::uint16_t http_port = 80;
  std::uint16_t https_port = 443;
  std::size_t max_mx_hosts = 3;                          // MX hosts probed per name
  std::size_t max_addresses_per_host = 2;                // addresses tried per host
  int max_redirects = 3;
  bool allow_private = false;                            // tests only: probe loopback etc.
  bool allow_loopback = false;                           // tests only: loopback, private still refused
  bool mx_check = false;                                 // MAIL FROM / RCPT TO (no DATA, ever)
  bool web = true;
  bool mail = true;
  std::string ehlo_name = "probe.lookalike.invalid";     // our EHLO identity
  std::string mail_from = "postmaster@lookalike.invalid";  // MAIL FROM in mx_check mode
  std::string ca_file;                                   // extra trust anchors (tests); system store always
  // Resolves a redirect target on another host (apex -> www); without it, such redirects are
  // recorded, not followed. Every address it returns passes the address guard before a connect.
  // Called on the probing thread, so it should be quick: dns_resolve_hook() caches and bounds.
  std::function<std::vector<Address>(std::string_view host)> resolve;
};

// The TLS certificate of an HTTPS or STARTTLS server.
struct CertificateInfo {
  std::string subject;          // RFC 2253, sanitised
  std::string issuer;           // RFC 2253, sanitised
  std::int64_t not_before = 0;  // Unix seconds
  std::int64_t not_after = 0;
  bool covers_name = false;  // X509_check_host for the probed name (the MX host for SMTP)
  bool verified = false;     // the chain verified against the trust store
  std::string verify_error;  // OpenSSL's reason when not verified
};

// One SMTP session with one address of one MX host.
struct MailProbe {
  std::string host;
  Address address;
  bool answered = false;          // a 2xx banner arrived
  int banner_code = 0;
  std::string banner;             // sanitised, lines joined with " | "
  bool ehlo_ok = false;
  bool starttls = false;              // EHLO offered STARTTLS
  std::optional<bool> rcpt_accepted;  // mx_check only
  // STARTTLS, negotiated when offered (after EHLO and the mx_check commands): the handshake
  // completed, its protocol version ("TLSv1.3") and cipher, and the server's certificate, checked
  // against the MX host name. `tls_error` says why it failed (refused, handshake); a failed
  // STARTTLS does not fail the session (`error` stays none: the MX answered).
  bool tls_ok = false;
  std::string tls_version;
  std::string tls_cipher;
  std::optional<CertificateInfo> certificate;
  std::string tls_error;
  ProbeError error = ProbeError::none;
  std::string detail;             // sanitised error detail
  std::size_t bytes_read = 0;
};

// One hop of a web fetch.
struct WebHop {
  std::string url;
  int status = 0;
  std::string location;  // sanitised Location header of a redirect
};

// One scheme's fetch (following redirects).
struct WebProbe {
  std::string scheme;  // "http" / "https"
  Address address;
  bool answered = false;  // some HTTP status line arrived
  int status = 0;         // final status
  std::string title;      // sanitised
  std::string server;     // sanitised Server header
  std::vector<WebHop> hops;
  std::string final_url;
  bool redirects_to_brand = false;
  std::optional<CertificateInfo> certificate;  // https only, first hop
  std::uint64_t page_hash = 0;
  bool parked_page = false;
  ProbeError error = ProbeError::none;
  std::string detail;
  std::size_t bytes_read = 0;
};

// Everything the probes learned about one target.
struct ProbeResult {
  std::string name;
  std::vector<MailProbe> mail;
  std::vector<WebProbe> web;
  bool mx_live = false;         // some MX address answered with a 2xx banner
  bool mx_accepts_mail = false;  // mx_check: some RCPT accepted
  bool web_live = false;        // some scheme answered
  bool tls_covers_name = false;
  bool redirects_to_brand = false;
  bool parked = false;          // parking NS or parking page
  std::optional<double> page_similarity;  // vs brand_page_hash, when both are known
  std::vector<std::string> skipped;        // "10.0.0.1 (private)": addresses refused by the SSRF guard
};

// A ProbeOptions::resolve hook that asks `upstreams` ("IP[:PORT],...", as `--resolvers`; empty:
// the system's resolvers) for A and AAAA with the resolver stage, one attempt of `timeout` and one
// retry, and caches each host's answer for the hook's lifetime (one probe run). Throws
// std::invalid_argument for a bad upstream list.
[[nodiscard]] std::function<std::vector<Address>(std::string_view host)> dns_resolve_hook(
    std::string_view upstreams = {}, std::chrono::milliseconds timeout = std::chrono::milliseconds(1500));

// Runs probes on an io_context it owns; every call runs to completion on the calling thread.
// Not thread-safe: one call at a time per Prober.
class Prober {
 public:
  explicit Prober(ProbeOptions options);
  ~Prober();
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  // Probes every target with bounded concurrency; `on_result` is called once per target (in
  // completion order, on the calling thread) as soon as all of its sessions ended.
  void probe(std::span<const ProbeTarget> targets, const std::function<void(ProbeResult&&)>& on_result);
  // Same, collecting the results in input order.
  [[nodiscard]] std::vector<ProbeResult> probe_all(std::span<const ProbeTarget> targets);

  [[nodiscard]] const ProbeOptions& options() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lookalike::scoring
