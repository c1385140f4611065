#include "posture/tls.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <map>

#include "posture/client_hello.hpp"
#include "scoring/probe.hpp"

namespace lookalike::posture::tls {
namespace {

struct CtxFree {
  void operator()(SSL_CTX* c) const noexcept { SSL_CTX_free(c); }
};
struct BioFree {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct StoreFree {
  void operator()(X509_STORE* s) const noexcept { X509_STORE_free(s); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* s) const noexcept { X509_STORE_CTX_free(s); }
};
using CtxPtr = std::unique_ptr<SSL_CTX, CtxFree>;

constexpr const char* kAllSuites = "ALL:COMPLEMENTOFALL:@SECLEVEL=0";
constexpr const char* kAllTls13 =
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:TLS_AES_128_CCM_SHA256:"
    "TLS_AES_128_CCM_8_SHA256";

std::string hex(const unsigned char* data, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 15];
  }
  return out;
}

std::string name_text(const X509_NAME* name) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || name == nullptr) return {};
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return scoring::sanitize_text(std::string_view(data, n > 0 ? static_cast<std::size_t>(n) : 0), 512);
}

std::int64_t asn1_unix(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm));
}

Certificate certificate(X509* x) {
  Certificate c;
  c.subject = name_text(X509_get_subject_name(x));
  c.issuer = name_text(X509_get_issuer_name(x));
  c.not_before = asn1_unix(X509_get0_notBefore(x));
  c.not_after = asn1_unix(X509_get0_notAfter(x));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (X509_digest(x, EVP_sha256(), md, &md_len) == 1) c.sha256 = hex(md, md_len);
  if (EVP_PKEY* key = X509_get0_pubkey(x); key != nullptr) {
    c.key_bits = EVP_PKEY_get_bits(key);
    const char* type = OBJ_nid2sn(EVP_PKEY_get_base_id(key));
    c.key_type = type != nullptr ? type : "unknown";
    if (c.key_type == "rsaEncryption") c.key_type = "RSA";
    if (c.key_type == "id-ecPublicKey") c.key_type = "EC";
  }
  const int sig_nid = X509_get_signature_nid(x);
  const char* sig = OBJ_nid2ln(sig_nid);
  c.signature = sig != nullptr ? sig : "unknown";
  int md_nid = NID_undef, pk_nid = NID_undef;
  if (OBJ_find_sigid_algs(sig_nid, &md_nid, &pk_nid) == 1) {
    c.weak_signature = md_nid == NID_sha1 || md_nid == NID_md5 || md_nid == NID_md4 || md_nid == NID_md2;
  }
  c.self_signed = X509_check_issued(x, x) == X509_V_OK;
  return c;
}

// Chain verification against the system store (+ ca_file), ignoring the validity dates (graded
// separately) so that "expired" and "untrusted" stay two findings.
void verify_chain(STACK_OF(X509) * chain, const Request& request, Result& out) {
  if (chain == nullptr || sk_X509_num(chain) == 0) {
    out.trust_error = "no certificate";
    return;
  }
  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  if (!store || X509_STORE_set_default_paths(store.get()) != 1) {
    out.trust_error = "cannot load the system trust store";
    return;
  }
  if (!request.ca_file.empty() && X509_STORE_load_file(store.get(), request.ca_file.c_str()) != 1) {
    out.trust_error = "cannot load " + request.ca_file + ": " + last_error();
    return;
  }
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  X509* leaf = sk_X509_value(chain, 0);
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), leaf, chain) != 1) {
    out.trust_error = "cannot set up verification";
    return;
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_NO_CHECK_TIME);
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  out.trusted = X509_verify_cert(ctx.get()) == 1;
  if (!out.trusted) out.trust_error = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  ERR_clear_error();
  // RFC 9525 §6.3: DNS-ID only, never the subject CN.
  out.name_matches = !request.sni.empty() &&
                     X509_check_host(leaf, request.sni.data(), request.sni.size(),
                                     X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, nullptr) == 1;
}

const std::map<std::string, SuiteFacts, std::less<>>& suite_table() {
  static const auto table = [] {
    std::map<std::string, SuiteFacts, std::less<>> t;
    CtxPtr ctx(SSL_CTX_new(TLS_client_method()));
    if (!ctx) return t;
    SSL_CTX_set_security_level(ctx.get(), 0);
    SSL_CTX_set_cipher_list(ctx.get(), kAllSuites);
    SSL_CTX_set_ciphersuites(ctx.get(), kAllTls13);
    STACK_OF(SSL_CIPHER)* list = SSL_CTX_get_ciphers(ctx.get());
    for (int i = 0; i < sk_SSL_CIPHER_num(list); ++i) {
      const SSL_CIPHER* c = sk_SSL_CIPHER_value(list, i);
      SuiteFacts f;
      f.known = true;
      f.bits = SSL_CIPHER_get_bits(c, nullptr);
      const int kx = SSL_CIPHER_get_kx_nid(c);
      f.forward_secret = kx == NID_kx_ecdhe || kx == NID_kx_dhe || kx == NID_kx_any || kx == NID_kx_ecdhe_psk ||
                         kx == NID_kx_dhe_psk;
      f.anonymous = SSL_CIPHER_get_auth_nid(c) == NID_auth_null;
      const int cipher = SSL_CIPHER_get_cipher_nid(c);
      f.null_cipher = cipher == NID_undef;
      f.triple_des = cipher == NID_des_ede3_cbc;
      f.rc4 = cipher == NID_rc4;
      f.is_tls13 = kx == NID_kx_any;
      t.emplace(SSL_CIPHER_get_name(c), f);
    }
    return t;
  }();
  return table;
}

}  // namespace

std::string version_name(int version) {
  switch (version) {
    case 0x0002: return "SSLv2";
    case 0x0300: return "SSLv3";
    case tls1_0: return "TLSv1.0";
    case tls1_1: return "TLSv1.1";
    case tls1_2: return "TLSv1.2";
    case tls1_3: return "TLSv1.3";
    default: return "version " + std::to_string(version);
  }
}

void SslDeleter::operator()(ssl_st* ssl) const noexcept { SSL_free(ssl); }

std::string last_error() {
  const unsigned long e = ERR_peek_last_error();
  std::string text;
  if (e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    text = buf;
  }
  ERR_clear_error();
  return text;
}

SslPtr make_ssl(const Request& request, int fd, std::string& error) {
  CtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) {
    error = "SSL_CTX_new: " + last_error();
    return nullptr;
  }
  SSL_CTX_set_security_level(ctx.get(), 0);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  // Servers without RFC 5746 still talk TLS; we grade them, we do not refuse them.
  SSL_CTX_set_options(ctx.get(), SSL_OP_LEGACY_SERVER_CONNECT | SSL_OP_NO_TICKET);
  if (SSL_CTX_set_min_proto_version(ctx.get(), request.min_version) != 1 ||
      SSL_CTX_set_max_proto_version(ctx.get(), request.max_version) != 1) {
    error = "protocol range not supported by OpenSSL";
    return nullptr;
  }
  const std::string list = request.cipher_list.empty() ? kAllSuites : request.cipher_list + ":@SECLEVEL=0";
  if (SSL_CTX_set_cipher_list(ctx.get(), list.c_str()) != 1 && request.max_version < tls1_3) {
    error = "no usable suite in " + request.cipher_list;
    ERR_clear_error();
    return nullptr;
  }
  ERR_clear_error();
  if (SSL_CTX_set_ciphersuites(ctx.get(), request.ciphersuites.empty() ? kAllTls13 : request.ciphersuites.c_str()) != 1) {
    error = "no usable TLS 1.3 suite in " + request.ciphersuites;
    ERR_clear_error();
    return nullptr;
  }
  if (!request.groups.empty() && SSL_CTX_set1_groups_list(ctx.get(), request.groups.c_str()) != 1) {
    error = "no usable group in " + request.groups;
    ERR_clear_error();
    return nullptr;
  }
  if (!request.tlsa.empty() && SSL_CTX_dane_enable(ctx.get()) <= 0) {
    error = "SSL_CTX_dane_enable: " + last_error();
    return nullptr;
  }
  SslPtr ssl(SSL_new(ctx.get()));  // holds its own reference to ctx
  if (!ssl) {
    error = "SSL_new: " + last_error();
    return nullptr;
  }
  const bool ip_literal = scoring::parse_address(request.sni).has_value();
  if (!request.sni.empty() && !ip_literal) SSL_set_tlsext_host_name(ssl.get(), request.sni.c_str());
  if (!request.tlsa.empty()) {
    if (SSL_dane_enable(ssl.get(), request.sni.c_str()) <= 0) {
      error = "SSL_dane_enable: " + last_error();
      return nullptr;
    }
    int usable = 0;
    for (const std::string& rdata : request.tlsa) {
      if (rdata.size() < 4) continue;
      const auto* p = reinterpret_cast<const unsigned char*>(rdata.data());
      // > 0 added, 0 unusable (unknown usage/selector/type), < 0 an error in the data.
      if (SSL_dane_tlsa_add(ssl.get(), p[0], p[1], p[2], p + 3, rdata.size() - 3) > 0) ++usable;
    }
    ERR_clear_error();
    if (usable == 0) {
      error = "no usable TLSA record";
      return nullptr;
    }
  }
  if (SSL_set_fd(ssl.get(), fd) != 1) {
    error = "SSL_set_fd: " + last_error();
    return nullptr;
  }
  SSL_set_connect_state(ssl.get());
  return ssl;
}

void describe(ssl_st* ssl, const Request& request, Result& out) {
  out.version = SSL_version(ssl);
  if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl); c != nullptr) {
    out.cipher = SSL_CIPHER_get_name(c);
    if (const char* iana = SSL_CIPHER_standard_name(c); iana != nullptr) out.cipher_iana = iana;
    out.cipher_bits = SSL_CIPHER_get_bits(c, nullptr);
    const SuiteFacts f = suite_facts(out.cipher);
    out.forward_secret = f.forward_secret;
    out.anonymous = f.anonymous;
    switch (SSL_CIPHER_get_kx_nid(c)) {
      case NID_kx_ecdhe: out.kx = "ECDHE"; break;
      case NID_kx_dhe: out.kx = "DHE"; break;
      case NID_kx_rsa: out.kx = "RSA"; break;
      case NID_kx_any: out.kx = "TLS1.3"; break;
      default: out.kx = "other"; break;
    }
  }
  EVP_PKEY* tmp = nullptr;
  if (SSL_get_peer_tmp_key(ssl, &tmp) == 1 && tmp != nullptr) {
    out.kx_bits = EVP_PKEY_get_bits(tmp);
    char group[80] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_group_name(tmp, group, sizeof group, &len) == 1 && len > 0) {
      out.group.assign(group, len);
    } else if (const char* sn = OBJ_nid2sn(EVP_PKEY_get_base_id(tmp)); sn != nullptr) {
      out.group = sn;  // X25519, X448, DH
    }
    if (out.group == "dhKeyAgreement") out.group = "DH";
    EVP_PKEY_free(tmp);
  }
  ERR_clear_error();
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
  for (int i = 0; chain != nullptr && i < sk_X509_num(chain) && i < 10; ++i) {
    out.chain.push_back(certificate(sk_X509_value(chain, i)));
  }
  if (request.verify) verify_chain(chain, request, out);
  if (!request.tlsa.empty()) {
    const long result = SSL_get_verify_result(ssl);
    X509* matched_cert = nullptr;
    EVP_PKEY* matched_key = nullptr;
    const int depth = SSL_get0_dane_authority(ssl, &matched_cert, &matched_key);
    out.dane_matched = result == X509_V_OK && depth >= 0;
    if (out.dane_matched) {
      std::uint8_t usage = 0, selector = 0, mtype = 0;
      const unsigned char* data = nullptr;
      std::size_t dlen = 0;
      out.dane_depth = SSL_get0_dane_tlsa(ssl, &usage, &selector, &mtype, &data, &dlen);
      out.dane_usage = usage;
      out.dane_selector = selector;
      out.dane_mtype = mtype;
    } else {
      out.dane_error = result != X509_V_OK ? X509_verify_cert_error_string(result) : "no TLSA record matched";
    }
  }
}

SuiteFacts suite_facts(std::string_view openssl_name) {
  const auto& table = suite_table();
  if (const auto it = table.find(openssl_name); it != table.end()) return it->second;
  SuiteFacts f;
  if (const LegacySuite* legacy = find_legacy_suite(openssl_name); legacy != nullptr) {
    f.known = true;
    f.bits = legacy->bits;
    f.forward_secret = legacy->forward_secret;
    f.anonymous = legacy->anonymous;
    f.rc4 = legacy->rc4;
    f.triple_des = legacy->triple_des;
  }
  return f;
}

std::vector<std::string> offerable_suites(int version) {
  std::vector<std::string> out;
  if (version == tls1_3) {
    std::string_view all = kAllTls13;
    while (!all.empty()) {
      const auto colon = all.find(':');
      out.emplace_back(all.substr(0, colon));
      all = colon == std::string_view::npos ? std::string_view{} : all.substr(colon + 1);
    }
    return out;
  }
  CtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return out;
  SSL_CTX_set_security_level(ctx.get(), 0);
  SSL_CTX_set_min_proto_version(ctx.get(), version);
  SSL_CTX_set_max_proto_version(ctx.get(), version);
  SSL_CTX_set_cipher_list(ctx.get(), kAllSuites);
  SslPtr ssl(SSL_new(ctx.get()));
  if (!ssl) return out;
  STACK_OF(SSL_CIPHER)* list = SSL_get1_supported_ciphers(ssl.get());
  for (int i = 0; list != nullptr && i < sk_SSL_CIPHER_num(list); ++i) {
    const SSL_CIPHER* c = sk_SSL_CIPHER_value(list, i);
    if (SSL_CIPHER_get_kx_nid(c) == NID_kx_any) continue;  // TLS 1.3 suites are enumerated on their own
    out.emplace_back(SSL_CIPHER_get_name(c));
  }
  sk_SSL_CIPHER_free(list);
  ERR_clear_error();
  return out;
}

bool is_ffdhe_group(std::string_view group) noexcept { return group.starts_with("ffdhe"); }

std::string sha256_hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) != 1) return {};
  return hex(md, len);
}

}  // namespace lookalike::posture::tls
