// A CT log for tests: one Merkle tree served over loopback HTTP through BOTH the RFC 6962 read
// API and the static-ct-api (checkpoint, data/hash tiles, issuers), with fault injection
// (429/503, truncated or garbage bodies, short batches, gzip) and tampering (flipped leaf byte,
// bad signature, inconsistent head). Built from certificates made with OpenSSL or real fixtures.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ctlog/ctlog.hpp"

namespace lookalike::ctlog::testing {

// A TLS server certificate chain and key (PEM), for serving the log over https.
struct TlsIdentity {
  std::string cert_pem;
  std::string key_pem;
};

// A throw-away CA that issues certificates and precertificates with chosen names.
class TestCa {
 public:
  TestCa();
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;
  // DER of a certificate (or a precertificate with the CT poison) for `cn` and SAN `dns` names.
  [[nodiscard]] Bytes issue(const std::string& cn, const std::vector<std::string>& dns, bool precert);
  // The TBSCertificate a precert entry logs: the precertificate's TBS without the poison.
  [[nodiscard]] static Bytes precert_tbs(const Bytes& precert_der);
  [[nodiscard]] const Bytes& der() const { return der_; }
  [[nodiscard]] Hash key_hash() const;  // SHA-256 of the CA's SubjectPublicKeyInfo
  // The CA certificate as PEM (a trust anchor for https clients).
  [[nodiscard]] std::string pem() const;
  // A server certificate for IP address `ip` (iPAddress SAN; a host name gets a dNSName SAN)
  // signed by this CA, with its key.
  [[nodiscard]] TlsIdentity server_identity(const std::string& ip);

 private:
  void* key_ = nullptr;   // EVP_PKEY
  void* cert_ = nullptr;  // X509
  Bytes der_;
  long serial_ = 1;
};

// What the server does wrong on purpose; counters count down per matching request.
struct Faults {
  int http_429 = 0;  // answer 429 with Retry-After: 0
  int http_503 = 0;
  int truncated = 0;  // cut entry/tile bodies in half
  int garbage = 0;    // answer 200 with a non-JSON / non-tile body
  bool gzip = false;  // gzip every body (Content-Encoding: gzip)
  std::uint64_t batch_cap = 1000;
  std::optional<std::uint64_t> tamper_leaf;  // flip one byte of this entry as served
  bool bad_signature = false;
  bool inconsistent_head = false;  // a validly signed head whose root is of another tree
  bool tamper_hash_tiles = false;  // flip one byte of every hash served in hash tiles
  std::int64_t head_age_ms = 0;    // date signed heads this long before now (negative: in the future)
  int entries_delay_ms = 0;        // answer each entries/data-tile request this much later (a slow log)
};

// The tree and its signing key.
class TestLog {
 public:
  TestLog();
  ~TestLog();
  TestLog(const TestLog&) = delete;
  TestLog& operator=(const TestLog&) = delete;

  // Appends an x509 entry (chain = [issuer]) or a precert entry for a certificate from `ca`.
  void add_certificate(TestCa& ca, const std::string& cn, const std::vector<std::string>& dns, bool precert);
  // Appends a raw static-ct tile entry (TimestampedEntry ‖ [precert] ‖ fingerprints), e.g. real tiles.
  void add_tile_entry(std::span<const std::uint8_t> tile_entry);
  // Makes the first `n` entries visible (signed heads cover them); default: all.
  void publish(std::uint64_t n);
  [[nodiscard]] std::uint64_t published() const;
  [[nodiscard]] std::uint64_t size() const;
  [[nodiscard]] Hash root(std::uint64_t n) const;
  [[nodiscard]] const Bytes& key_der() const { return key_der_; }
  [[nodiscard]] std::string log_id_b64() const;

  // Request handling (thread-safe); `target` is the path and query.
  struct Response {
    unsigned status = 200;
    std::string body;
    std::string content_type = "application/json";
    bool gzip = false;
    std::optional<unsigned> retry_after;
  };
  Response handle(const std::string& target);
  void set_faults(const Faults& f);
  [[nodiscard]] std::uint64_t requests(const std::string& prefix) const;
  void set_origin(const std::string& origin);

 private:
  struct Entry {
    Bytes leaf_input;
    std::string leaf_b64, extra_b64;
    Bytes tile_bytes;
    Hash hash;
  };
  void add_entry(Bytes timestamped_entry, Bytes extra_data, Bytes tile_tail);
  std::uint64_t head_timestamp();
  std::string sth_json(std::uint64_t n, const Hash& root);
  std::string checkpoint(std::uint64_t n, const Hash& root);
  Bytes sign(const Bytes& message);
  std::vector<Hash> consistency(std::uint64_t m, std::uint64_t n) const;
  Hash range_root(std::uint64_t lo, std::uint64_t n) const;

  mutable std::mutex mu_;
  void* key_ = nullptr;  // EVP_PKEY
  Bytes key_der_;
  std::vector<Entry> entries_;
  std::vector<std::pair<std::string, Bytes>> issuers_;  // hex fingerprint -> DER
  std::uint64_t published_ = 0;
  bool publish_all_ = true;
  std::uint64_t timestamp_ = 1700000000000;
  Faults faults_;
  std::vector<std::pair<std::string, std::uint64_t>> counts_;
  std::string origin_;
};

// Serves a TestLog on 127.0.0.1 (ephemeral port) from a background thread; stops on destruction.
class TestLogServer {
 public:
  // Plain http, or https with `tls` (certificate for 127.0.0.1) when given.
  explicit TestLogServer(TestLog& log, unsigned short port = 0, const TlsIdentity* tls = nullptr);
  ~TestLogServer();
  TestLogServer(const TestLogServer&) = delete;
  TestLogServer& operator=(const TestLogServer&) = delete;
  [[nodiscard]] unsigned short port() const { return port_; }
  // "http://127.0.0.1:<port>/" (https when serving TLS)
  [[nodiscard]] std::string url() const;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  unsigned short port_ = 0;
};

// A log list v3 document naming `log` at `url` (RFC 6962 "logs" or "tiled_logs").
[[nodiscard]] std::string log_list_json(const TestLog& log, const std::string& url, bool tiled,
                                        const std::string& description = "Test 'Loopback' log");

}  // namespace lookalike::ctlog::testing
