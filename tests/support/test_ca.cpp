#include "tests/support/test_ca.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <stdexcept>

namespace lookalike::test_support {
namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

Key make_key(int rsa_bits) {
  EVP_PKEY* k = rsa_bits > 0 ? EVP_RSA_gen(static_cast<unsigned>(rsa_bits)) : EVP_EC_gen("P-256");
  if (k == nullptr) throw std::runtime_error("TestCa: key generation failed");
  return Key(k, EVP_PKEY_free);
}

template <class Write>
std::string pem_of(Write write) {
  BIO* bio = BIO_new(BIO_s_mem());
  write(bio);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

std::string spki_hash(X509* cert) {
  unsigned char* der = nullptr;
  const int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_Digest(der, static_cast<std::size_t>(len), md, &md_len, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < md_len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) throw std::runtime_error("TestCa: bad extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

Cert build(const std::string& cn, EVP_PKEY* key, long from, long until, long serial) {
  Cert c(X509_new(), X509_free);
  X509_set_version(c.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(c.get()), from);
  X509_gmtime_adj(X509_getm_notAfter(c.get()), until);
  X509_NAME* name = X509_get_subject_name(c.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Lookalike Test"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_pubkey(c.get(), key);
  return c;
}

}  // namespace

struct TestCa::Impl {
  Key key{nullptr, EVP_PKEY_free};
  Cert cert{nullptr, X509_free};
  mutable long serial = 100;
};

TestCa::TestCa() : impl_(std::make_unique<Impl>()) {
  impl_->key = make_key(2048);
  impl_->cert = build("Lookalike Test CA", impl_->key.get(), -86400, 365L * 86400, 1);
  X509_set_issuer_name(impl_->cert.get(), X509_get_subject_name(impl_->cert.get()));
  add_ext(impl_->cert.get(), impl_->cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_ext(impl_->cert.get(), impl_->cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(impl_->cert.get(), impl_->cert.get(), NID_subject_key_identifier, "hash");
  if (X509_sign(impl_->cert.get(), impl_->key.get(), EVP_sha256()) == 0) throw std::runtime_error("TestCa: sign failed");
  pem_ = pem_of([&](BIO* b) { PEM_write_bio_X509(b, impl_->cert.get()); });
  spki_sha256_ = spki_hash(impl_->cert.get());
}

TestCa::~TestCa() = default;

IssuedCert TestCa::issue(const CertSpec& spec) const {
  Key key = make_key(spec.rsa_bits);
  Cert cert = build(spec.cn, key.get(), spec.valid_from_s, spec.valid_until_s, ++impl_->serial);
  X509* issuer = spec.self_signed ? cert.get() : impl_->cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer));
  std::string san;
  for (const auto& s : spec.sans) san += (san.empty() ? "DNS:" : ",DNS:") + s;
  if (!san.empty()) add_ext(cert.get(), issuer, NID_subject_alt_name, san);
  add_ext(cert.get(), issuer, NID_basic_constraints, "critical,CA:FALSE");
  add_ext(cert.get(), issuer, NID_ext_key_usage, "serverAuth");
  if (!spec.self_signed) add_ext(cert.get(), issuer, NID_authority_key_identifier, "keyid:always");
  EVP_PKEY* signer = spec.self_signed ? key.get() : impl_->key.get();
  if (X509_sign(cert.get(), signer, spec.sha1 ? EVP_sha1() : EVP_sha256()) == 0) {
    throw std::runtime_error("TestCa: signing " + spec.cn + " failed");
  }
  IssuedCert out;
  out.cert_pem = pem_of([&](BIO* b) { PEM_write_bio_X509(b, cert.get()); });
  out.key_pem = pem_of([&](BIO* b) { PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr); });
  out.chain_pem = out.cert_pem + (spec.self_signed ? std::string() : pem_);
  out.spki_sha256 = spki_hash(cert.get());
  return out;
}

std::filesystem::path TestCa::write(const std::filesystem::path& file) const {
  std::ofstream(file, std::ios::trunc) << pem_;
  return file;
}

}  // namespace lookalike::test_support
