#include "tests/ctlog/test_log_server.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <zlib.h>

#include <openssl/pem.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <list>
#include <stdexcept>
#include <thread>

#include "ctlog/entries.hpp"
#include "ctlog/merkle.hpp"
#include "ctlog/signature.hpp"
#include "util/encoding.hpp"

namespace lookalike::ctlog::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using util::base64_encode;
using util::hex_encode;

EVP_PKEY* new_ec_key() {
  EVP_PKEY* k = EVP_EC_gen("P-256");
  if (k == nullptr) throw std::runtime_error("EVP_EC_gen failed");
  return k;
}

Bytes spki_der(EVP_PKEY* k) {
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(k, &der);
  if (n <= 0) throw std::runtime_error("i2d_PUBKEY failed");
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

Bytes x509_der(X509* x) {
  unsigned char* der = nullptr;
  const int n = i2d_X509(x, &der);
  if (n <= 0) throw std::runtime_error("i2d_X509 failed");
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

void put_uint(Bytes& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void put_vec(Bytes& out, std::span<const std::uint8_t> v, int len_bytes) {
  put_uint(out, v.size(), len_bytes);
  out.insert(out.end(), v.begin(), v.end());
}

std::string gzip(const std::string& in) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, static_cast<uLong>(in.size())) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::optional<std::uint64_t> query_u64(const std::string& target, const std::string& name) {
  const std::size_t q = target.find('?');
  if (q == std::string::npos) return std::nullopt;
  std::string_view rest(target);
  rest.remove_prefix(q + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view kv = rest.substr(0, amp);
    if (kv.starts_with(name + "=")) {
      std::uint64_t v = 0;
      const auto val = kv.substr(name.size() + 1);
      const auto [p, ec] = std::from_chars(val.data(), val.data() + val.size(), v);
      if (ec != std::errc() || p != val.data() + val.size()) return std::nullopt;
      return v;
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

// Parses "<L|data>/<groups>[.p/<W>]" into (level, index, width); level -1 for data.
std::optional<std::tuple<int, std::uint64_t, unsigned>> parse_tile(std::string_view p) {
  const std::size_t slash = p.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  int level = -1;
  const std::string_view l = p.substr(0, slash);
  if (l != "data") {
    const auto [ptr, ec] = std::from_chars(l.data(), l.data() + l.size(), level);
    if (ec != std::errc() || ptr != l.data() + l.size() || level < 0 || level > 63) return std::nullopt;
  }
  p.remove_prefix(slash + 1);
  unsigned width = 256;
  if (const std::size_t dp = p.find(".p/"); dp != std::string_view::npos) {
    const std::string_view w = p.substr(dp + 3);
    const auto [ptr, ec] = std::from_chars(w.data(), w.data() + w.size(), width);
    if (ec != std::errc() || ptr != w.data() + w.size() || width == 0 || width > 255) return std::nullopt;
    p = p.substr(0, dp);
  }
  std::uint64_t index = 0;
  while (!p.empty()) {
    const std::size_t s = p.find('/');
    std::string_view g = p.substr(0, s);
    const bool more = s != std::string_view::npos;
    if (more != g.starts_with('x')) return std::nullopt;
    if (more) g.remove_prefix(1);
    if (g.size() != 3) return std::nullopt;
    unsigned v = 0;
    const auto [ptr, ec] = std::from_chars(g.data(), g.data() + 3, v);
    if (ec != std::errc() || ptr != g.data() + 3) return std::nullopt;
    index = index * 1000 + v;
    if (!more) break;
    p.remove_prefix(s + 1);
  }
  return std::tuple{level, index, width};
}

}  // namespace

// ---- TestCa -----------------------------------------------------------------------------------

TestCa::TestCa() {
  auto* key = new_ec_key();
  key_ = key;
  X509* x = X509_new();
  cert_ = x;
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
  X509_NAME* n = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("lookalike test CA"), -1, -1, 0);
  X509_set_issuer_name(x, n);
  X509_set_pubkey(x, key);
  // OpenSSL only accepts a v3 issuer that says it is a CA (TLS tests use this CA as trust anchor).
  for (const auto& [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                                   std::pair{NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature"}}) {
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, nullptr, nid, value);
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
  }
  X509_sign(x, key, EVP_sha256());
  der_ = x509_der(x);
}

TestCa::~TestCa() {
  X509_free(static_cast<X509*>(cert_));
  EVP_PKEY_free(static_cast<EVP_PKEY*>(key_));
}

Hash TestCa::key_hash() const { return sha256(spki_der(static_cast<EVP_PKEY*>(key_))); }

std::string TestCa::pem() const {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, static_cast<X509*>(cert_));
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(b);
  return out;
}

TlsIdentity TestCa::server_identity(const std::string& ip) {
  EVP_PKEY* key = new_ec_key();
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), ++serial_);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400L);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(ip.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, X509_get_subject_name(static_cast<X509*>(cert_)));
  X509_set_pubkey(x, key);
  // A host name (not an address) gets a dNSName SAN instead.
  const bool is_name = ip.find_first_not_of("0123456789.:abcdefABCDEF") != std::string::npos;
  const std::string san = (is_name ? "DNS:" : "IP:") + ip;
  X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str());
  X509_add_ext(x, e, -1);
  X509_EXTENSION_free(e);
  X509_sign(x, static_cast<EVP_PKEY*>(key_), EVP_sha256());
  TlsIdentity id;
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, x);
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  id.cert_pem.assign(data, static_cast<std::size_t>(n));
  BIO_free(b);
  b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
  n = BIO_get_mem_data(b, &data);
  id.key_pem.assign(data, static_cast<std::size_t>(n));
  BIO_free(b);
  X509_free(x);
  EVP_PKEY_free(key);
  return id;
}

Bytes TestCa::issue(const std::string& cn, const std::vector<std::string>& dns, bool precert) {
  auto* ca_key = static_cast<EVP_PKEY*>(key_);
  auto* ca = static_cast<X509*>(cert_);
  // Leaf keys are not under test: reuse the CA key to keep generation cheap.
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), ++serial_);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 90);
  X509_NAME* n = X509_get_subject_name(x);
  if (!cn.empty()) {
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  }
  X509_set_issuer_name(x, X509_get_subject_name(ca));
  X509_set_pubkey(x, ca_key);
  if (!dns.empty()) {
    std::string san;
    for (const auto& d : dns) san += (san.empty() ? "DNS:" : ",DNS:") + d;
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str());
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
  }
  if (precert) {
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, nullptr, NID_ct_precert_poison, "critical,NULL");
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
  }
  X509_sign(x, ca_key, EVP_sha256());
  Bytes der = x509_der(x);
  X509_free(x);
  return der;
}

Bytes TestCa::precert_tbs(const Bytes& precert_der) {
  const unsigned char* p = precert_der.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(precert_der.size()));
  if (x == nullptr) throw std::runtime_error("precert does not parse");
  const int idx = X509_get_ext_by_NID(x, NID_ct_precert_poison, -1);
  if (idx >= 0) X509_EXTENSION_free(X509_delete_ext(x, idx));
  unsigned char* der = nullptr;
  const int n = i2d_re_X509_tbs(x, &der);
  Bytes out(der, der + n);
  OPENSSL_free(der);
  X509_free(x);
  return out;
}

// ---- TestLog ------------------------------------------------------------------------------------

TestLog::TestLog() {
  auto* k = new_ec_key();
  key_ = k;
  key_der_ = spki_der(k);
}

TestLog::~TestLog() { EVP_PKEY_free(static_cast<EVP_PKEY*>(key_)); }

std::string TestLog::log_id_b64() const { return base64_encode(sha256(key_der_)); }

void TestLog::set_origin(const std::string& origin) {
  std::lock_guard lock(mu_);
  origin_ = origin;
}

void TestLog::add_entry(Bytes te, Bytes extra, Bytes tile_tail) {
  Entry e;
  e.leaf_input = {0, 0};
  e.leaf_input.insert(e.leaf_input.end(), te.begin(), te.end());
  e.hash = leaf_hash(e.leaf_input);
  e.leaf_b64 = base64_encode(e.leaf_input);
  e.extra_b64 = base64_encode(extra);
  e.tile_bytes = std::move(te);
  e.tile_bytes.insert(e.tile_bytes.end(), tile_tail.begin(), tile_tail.end());
  std::lock_guard lock(mu_);
  entries_.push_back(std::move(e));
}

void TestLog::add_certificate(TestCa& ca, const std::string& cn, const std::vector<std::string>& dns, bool precert) {
  const Bytes der = ca.issue(cn, dns, precert);
  const std::uint64_t index = size();
  Bytes te;
  put_uint(te, 1700000000000 + index, 8);
  put_uint(te, precert ? 1 : 0, 2);
  if (precert) {
    const Hash ikh = ca.key_hash();
    te.insert(te.end(), ikh.begin(), ikh.end());
    put_vec(te, TestCa::precert_tbs(der), 3);
  } else {
    put_vec(te, der, 3);
  }
  Bytes ext = {0};  // leaf_index extension: type 0, 5-byte index
  put_uint(ext, 5, 2);
  put_uint(ext, index, 5);
  put_vec(te, ext, 2);
  Bytes chain;
  put_vec(chain, ca.der(), 3);
  Bytes extra;
  if (precert) put_vec(extra, der, 3);
  put_vec(extra, chain, 3);
  const Hash fp = sha256(ca.der());
  Bytes tail;
  if (precert) put_vec(tail, der, 3);
  put_vec(tail, fp, 2);
  {
    std::lock_guard lock(mu_);
    const std::string hex = hex_encode(fp);
    bool known = false;
    for (const auto& [h, d] : issuers_) known = known || h == hex;
    if (!known) issuers_.emplace_back(hex, ca.der());
  }
  add_entry(std::move(te), std::move(extra), std::move(tail));
}

void TestLog::add_tile_entry(std::span<const std::uint8_t> tile_entry) {
  std::span<const std::uint8_t> d = tile_entry;
  auto e = parse_tile_entry(d);
  if (!e) throw std::runtime_error("bad tile entry: " + e.error().what);
  Bytes te(e->timestamped_entry.begin(), e->timestamped_entry.end());
  Bytes tail(tile_entry.begin() + static_cast<std::ptrdiff_t>(te.size()), tile_entry.end() - static_cast<std::ptrdiff_t>(d.size()));
  Bytes extra;
  if (e->entry.type == EntryType::precert) put_vec(extra, e->pre_certificate, 3);
  put_vec(extra, Bytes{}, 3);  // issuers are not part of the fixtures
  add_entry(std::move(te), std::move(extra), std::move(tail));
}

void TestLog::publish(std::uint64_t n) {
  std::lock_guard lock(mu_);
  publish_all_ = false;
  published_ = std::min<std::uint64_t>(n, entries_.size());
}

std::uint64_t TestLog::published() const {
  std::lock_guard lock(mu_);
  return publish_all_ ? entries_.size() : published_;
}

std::uint64_t TestLog::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

Hash TestLog::range_root(std::uint64_t lo, std::uint64_t n) const {
  CompactTree t;
  for (std::uint64_t i = lo; i < lo + n; ++i) t.append(entries_[i].hash);
  return t.root();
}

Hash TestLog::root(std::uint64_t n) const {
  std::lock_guard lock(mu_);
  return range_root(0, n);
}

std::vector<Hash> TestLog::consistency(std::uint64_t m, std::uint64_t n) const {
  std::vector<Hash> out;
  // RFC 6962 §2.1.2 SUBPROOF, iteratively over (m, lo, n, b).
  std::function<void(std::uint64_t, std::uint64_t, std::uint64_t, bool)> sub = [&](std::uint64_t mm, std::uint64_t lo,
                                                                                   std::uint64_t nn, bool b) {
    if (mm == nn) {
      if (!b) out.push_back(range_root(lo, nn));
      return;
    }
    std::uint64_t k = 1;
    while (k * 2 < nn) k *= 2;
    if (mm <= k) {
      sub(mm, lo, k, b);
      out.push_back(range_root(lo + k, nn - k));
    } else {
      sub(mm - k, lo + k, nn - k, false);
      out.push_back(range_root(lo, k));
    }
  };
  if (m > 0 && m < n) sub(m, 0, n, true);
  return out;
}

Bytes TestLog::sign(const Bytes& message) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, static_cast<EVP_PKEY*>(key_));
  std::size_t len = 0;
  EVP_DigestSign(ctx, nullptr, &len, message.data(), message.size());
  Bytes sig(len);
  EVP_DigestSign(ctx, sig.data(), &len, message.data(), message.size());
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  Bytes ds = {4, 3};
  put_vec(ds, sig, 2);
  return ds;
}

std::uint64_t TestLog::head_timestamp() {
  // Heads are dated now (strictly increasing), like a live log's, unless a fault ages them.
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  timestamp_ = std::max<std::uint64_t>(timestamp_ + 1, static_cast<std::uint64_t>(now.count()));
  return static_cast<std::uint64_t>(static_cast<std::int64_t>(timestamp_) - faults_.head_age_ms);
}

std::string TestLog::sth_json(std::uint64_t n, const Hash& root) {
  SignedTreeHead sth{n, head_timestamp(), root, {}};
  sth.signature = sign(sth_signature_input(sth));
  if (faults_.bad_signature) sth.signature.back() ^= 0x01;
  return "{\"tree_size\":" + std::to_string(n) + ",\"timestamp\":" + std::to_string(sth.timestamp) +
         ",\"sha256_root_hash\":\"" + base64_encode(root) + "\",\"tree_head_signature\":\"" +
         base64_encode(sth.signature) + "\"}";
}

std::string TestLog::checkpoint(std::uint64_t n, const Hash& root) {
  SignedTreeHead sth{n, head_timestamp(), root, {}};
  Bytes ds = sign(sth_signature_input(sth));
  if (faults_.bad_signature) ds.back() ^= 0x01;
  Bytes sig;
  const auto id = checkpoint_key_id(origin_, sha256(key_der_));
  sig.insert(sig.end(), id.begin(), id.end());
  put_uint(sig, sth.timestamp, 8);
  sig.insert(sig.end(), ds.begin(), ds.end());
  // A witness cosignature from an unknown key comes first: followers must skip it.
  return origin_ + "\n" + std::to_string(n) + "\n" + base64_encode(root) + "\n\n" +
         "\xE2\x80\x94 witness.example AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n" + "\xE2\x80\x94 " + origin_ + " " +
         base64_encode(sig) + "\n";
}

void TestLog::set_faults(const Faults& f) {
  std::lock_guard lock(mu_);
  faults_ = f;
}

std::uint64_t TestLog::requests(const std::string& prefix) const {
  std::lock_guard lock(mu_);
  std::uint64_t n = 0;
  for (const auto& [p, c] : counts_) {
    if (p.starts_with(prefix)) n += c;
  }
  return n;
}

TestLog::Response TestLog::handle(const std::string& target) {
  const std::string path = target.substr(0, target.find('?'));
  if (path == "/ct/v1/get-entries" || path.starts_with("/tile/data/")) {
    int delay = 0;
    {
      std::lock_guard lock(mu_);
      delay = faults_.entries_delay_ms;
    }
    // Outside the lock: a slow log, not a stalled server.
    if (delay > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
  }
  std::lock_guard lock(mu_);
  bool counted = false;
  for (auto& [p, c] : counts_) {
    if (p == path) {
      ++c;
      counted = true;
    }
  }
  if (!counted) counts_.emplace_back(path, 1);
  Response r;
  r.gzip = faults_.gzip;
  const std::uint64_t size = publish_all_ ? entries_.size() : published_;
  if (faults_.http_429 > 0) {
    --faults_.http_429;
    r.status = 429;
    r.retry_after = 0;
    r.body = "slow down";
    return r;
  }
  if (faults_.http_503 > 0) {
    --faults_.http_503;
    r.status = 503;
    r.body = "unavailable";
    return r;
  }
  // The signed root, only for the requests that sign one (it costs a pass over every leaf).
  auto head_root = [&] {
    Hash h = range_root(0, size);
    if (faults_.inconsistent_head) h[0] ^= 0x80;
    return h;
  };
  const bool entries_path = path == "/ct/v1/get-entries" || path.starts_with("/tile/data/");
  auto mangle = [&](std::string body) {
    if (entries_path && faults_.truncated > 0) {
      --faults_.truncated;
      body.resize(body.size() / 2);
    } else if (entries_path && faults_.garbage > 0) {
      --faults_.garbage;
      body = "<html><body>502 Bad Gateway</body></html>";
    }
    return body;
  };
  auto leaf_bytes = [&](std::uint64_t i, bool tile) {
    const Entry& e = entries_[i];
    if (faults_.tamper_leaf && *faults_.tamper_leaf == i) {
      // Flip a byte inside the certificate (past the TimestampedEntry header).
      Bytes b = tile ? e.tile_bytes : e.leaf_input;
      b[(tile ? 0 : 2) + 20] ^= 0x01;
      return b;
    }
    return tile ? e.tile_bytes : e.leaf_input;
  };
  if (path == "/ct/v1/get-sth") {
    r.body = sth_json(size, head_root());
  } else if (path == "/ct/v1/get-entries") {
    const auto start = query_u64(target, "start");
    const auto end = query_u64(target, "end");
    if (!start || !end || *start > *end || *start >= size) {
      r.status = 400;
      r.body = "bad range";
      return r;
    }
    const std::uint64_t last = std::min({*end, size - 1, *start + faults_.batch_cap - 1});
    std::string body = "{\"entries\":[";
    for (std::uint64_t i = *start; i <= last; ++i) {
      if (i != *start) body += ',';
      body += "{\"leaf_input\":\"";
      body += faults_.tamper_leaf && *faults_.tamper_leaf == i ? base64_encode(leaf_bytes(i, false)) : entries_[i].leaf_b64;
      body += "\",\"extra_data\":\"";
      body += entries_[i].extra_b64;
      body += "\"}";
    }
    body += "]}";
    r.body = mangle(std::move(body));
  } else if (path == "/ct/v1/get-sth-consistency") {
    const auto first = query_u64(target, "first");
    const auto second = query_u64(target, "second");
    // Proofs reach the whole tree, not just the published head: a lagging frontend serves an
    // older head while the backend proves consistency to the newer one.
    if (!first || !second || *first > *second || *second > entries_.size()) {
      r.status = 400;
      r.body = "bad sizes";
      return r;
    }
    std::string body = "{\"consistency\":[";
    const auto proof = consistency(*first, *second);
    for (std::size_t i = 0; i < proof.size(); ++i) body += (i ? ",\"" : "\"") + base64_encode(proof[i]) + "\"";
    r.body = body + "]}";
  } else if (path == "/checkpoint") {
    r.content_type = "text/plain";
    r.body = checkpoint(size, head_root());
  } else if (path.starts_with("/tile/")) {
    r.content_type = "application/octet-stream";
    const auto t = parse_tile(std::string_view(path).substr(6));
    if (!t) {
      r.status = 400;
      r.body = "bad tile path";
      return r;
    }
    const auto [level, index, width] = *t;
    const int shift = level < 0 ? 0 : 8 * level;
    const std::uint64_t at_level = shift >= 64 ? 0 : size >> shift;
    const std::uint64_t first = index * 256;
    if (first + width > at_level) {
      r.status = 404;
      r.body = "no such tile";
      return r;
    }
    std::string body;
    for (std::uint64_t j = first; j < first + width; ++j) {
      if (level < 0) {
        const Bytes b = leaf_bytes(j, true);
        body.append(reinterpret_cast<const char*>(b.data()), b.size());
      } else {
        const std::uint64_t span = std::uint64_t{1} << shift;
        Hash h = range_root(j * span, span);
        if (faults_.tamper_hash_tiles) h[0] ^= 0x01;
        body.append(reinterpret_cast<const char*>(h.data()), 32);
      }
    }
    r.body = level < 0 ? mangle(std::move(body)) : std::move(body);
  } else if (path.starts_with("/issuer/")) {
    r.content_type = "application/pkix-cert";
    const std::string hex = path.substr(8);
    for (const auto& [h, der] : issuers_) {
      if (h == hex) r.body.assign(der.begin(), der.end());
    }
    if (r.body.empty()) {
      r.status = 404;
      r.body = "unknown issuer";
    }
  } else {
    r.status = 404;
    r.body = "not found";
  }
  return r;
}

// ---- server -------------------------------------------------------------------------------------

struct TestLogServer::Impl {
  TestLog& log;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::optional<ssl::context> tls;
  std::thread accept_thread;
  std::mutex mu;
  std::list<std::thread> sessions;
  std::vector<int> live;  // descriptors of open session sockets
  std::atomic<bool> stopping{false};

  explicit Impl(TestLog& l) : log(l) {}

  template <class Stream>
  void serve(Stream& stream) {
    beast::flat_buffer buf;
    boost::system::error_code ec;
    for (;;) {
      http::request<http::string_body> req;
      http::read(stream, buf, req, ec);
      if (ec) break;
      TestLog::Response r = log.handle(std::string(req.target()));
      http::response<http::string_body> res{static_cast<http::status>(r.status), req.version()};
      res.set(http::field::content_type, r.content_type);
      if (r.retry_after) res.set(http::field::retry_after, std::to_string(*r.retry_after));
      if (r.gzip) {
        res.set(http::field::content_encoding, "gzip");
        res.body() = gzip(r.body);
      } else {
        res.body() = std::move(r.body);
      }
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      http::write(stream, res, ec);
      if (ec || !req.keep_alive()) break;
    }
  }

  // Closes the socket under the lock that stop() holds while shutting live sockets down, so a
  // descriptor is never shut down after it was closed (and possibly reused by another socket).
  template <class Socket>
  void finish(Socket& sock, int fd) {
    boost::system::error_code ec;
    std::lock_guard lock(mu);
    live.erase(std::remove(live.begin(), live.end(), fd), live.end());
    sock.shutdown(tcp::socket::shutdown_both, ec);
    sock.close(ec);
  }

  void session(tcp::socket sock) {
    const int fd = sock.native_handle();
    boost::system::error_code ec;
    if (tls) {
      ssl::stream<tcp::socket> s(std::move(sock), *tls);
      s.handshake(ssl::stream_base::server, ec);
      if (!ec) serve(s);
      finish(s.next_layer(), fd);
    } else {
      serve(sock);
      finish(sock, fd);
    }
  }

  void accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket s(ioc);
      acceptor.accept(s, ec);
      if (stopping) break;
      if (ec) continue;
      s.set_option(tcp::no_delay(true), ec);  // no Nagle wait on the last segment of a body
      std::lock_guard lock(mu);
      live.push_back(s.native_handle());
      sessions.emplace_back([this, sock = std::move(s)]() mutable { session(std::move(sock)); });
    }
  }
};

TestLogServer::TestLogServer(TestLog& log, unsigned short port, const TlsIdentity* tls)
    : impl_(std::make_unique<Impl>(log)) {
  if (tls != nullptr) {
    impl_->tls.emplace(ssl::context::tls_server);
    impl_->tls->use_certificate_chain(asio::buffer(tls->cert_pem));
    impl_->tls->use_private_key(asio::buffer(tls->key_pem), ssl::context::pem);
  }
  const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  log.set_origin("127.0.0.1:" + std::to_string(port_));
  impl_->accept_thread = std::thread([this] { impl_->accept_loop(); });
}

TestLogServer::~TestLogServer() { stop(); }

std::string TestLogServer::url() const {
  return std::string(impl_->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + "/";
}

void TestLogServer::stop() {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  // Wake the blocking accept with a connection of our own, then end every session.
  {
    boost::system::error_code ec;
    asio::io_context ioc;
    tcp::socket s(ioc);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
  }
  impl_->accept_thread.join();
  {
    std::lock_guard lock(impl_->mu);
    for (const int fd : impl_->live) ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& t : impl_->sessions) t.join();
  impl_->sessions.clear();
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
}

std::string log_list_json(const TestLog& log, const std::string& url, bool tiled, const std::string& description) {
  const std::string entry = "{\"description\":\"" + description + "\",\"log_id\":\"" + log.log_id_b64() +
                            "\",\"key\":\"" + base64_encode(log.key_der()) + "\"," +
                            (tiled ? "\"submission_url\":\"" + url + "\",\"monitoring_url\":\"" + url + "\""
                                   : "\"url\":\"" + url + "\"") +
                            ",\"mmd\":86400,\"state\":{\"usable\":{\"timestamp\":\"2026-01-01T00:00:00Z\"}}}";
  return std::string("{\"version\":\"test\",\"log_list_timestamp\":\"2026-11-28T00:00:00Z\",\"operators\":[{") +
         "\"name\":\"lookalike tests\",\"email\":[\"tests@example.invalid\"],\"logs\":[" + (tiled ? "" : entry) +
         "],\"tiled_logs\":[" + (tiled ? entry : "") + "]}]}";
}

}  // namespace lookalike::ctlog::testing
