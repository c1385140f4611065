// Test support: a certificate authority made at test time (in memory, OpenSSL), issuing the
// server certificates the TLS tests need: valid, expired, wrong name, self-signed, weak.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace lookalike::test_support {

// What to put in one certificate.
struct CertSpec {
  std::string cn;                   // subject CN
  std::vector<std::string> sans;    // DNS subjectAltNames
  int rsa_bits = 2048;              // 0: an EC P-256 key instead
  long valid_from_s = -3600;        // notBefore, seconds from now
  long valid_until_s = 90 * 86400;  // notAfter, seconds from now
  bool self_signed = false;         // signed by its own key instead of the CA
  bool sha1 = false;                // SHA-1 signature instead of SHA-256
};

// A key and certificate, PEM; `chain_pem` = the certificate followed by the CA's (what a server sends).
struct IssuedCert {
  std::string cert_pem;
  std::string key_pem;
  std::string chain_pem;
  std::string spki_sha256;  // hex SHA-256 of the DER SubjectPublicKeyInfo (TLSA 3 1 1 / 2 1 1 data)
};

class TestCa {
 public:
  // A fresh CA: RSA 2048, "CN=Lookalike Test CA", valid for a year.
  TestCa();
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  [[nodiscard]] IssuedCert issue(const CertSpec& spec) const;
  // The CA certificate, PEM (a trust anchor file for ca_file options).
  [[nodiscard]] const std::string& pem() const { return pem_; }
  // Hex SHA-256 of the CA's SubjectPublicKeyInfo (a DANE-TA 2 1 1 record's data).
  [[nodiscard]] const std::string& spki_sha256() const { return spki_sha256_; }
  // Writes pem() to `file` and returns its path.
  std::filesystem::path write(const std::filesystem::path& file) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string pem_;
  std::string spki_sha256_;
};

}  // namespace lookalike::test_support
