// Test support: DNSSEC-sign a test zone at test time with Debian's ldnsutils (ldns-keygen,
// ldns-signzone), optionally corrupting the signatures of chosen owner names so a validator
// answers bogus for them. The result is served by NsdServer; `ds` is the trust anchor a
// validating resolver (libunbound's ub_ctx_add_ta, unbound's trust-anchor:) is given.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/nsd_server.hpp"

namespace lookalike::test_support {

struct SignedZone {
  Zone zone;           // the signed zone, ready for NsdServer
  std::string ds;      // the KSK's DS record, one line ("example.test. 300 IN DS 12345 13 2 ab...")
  std::string dnskey;  // the KSK's DNSKEY record, one line
};

// Signs `zone` (ECDSAP256SHA256, a KSK and a ZSK, NSEC, signatures valid until 2038) in `workdir`.
// Every RRSIG whose owner is in `bogus_owners` (absolute, no trailing dot) gets a corrupted
// signature. Throws std::runtime_error when ldnsutils is missing or a step fails.
[[nodiscard]] SignedZone sign_zone(const Zone& zone, const std::filesystem::path& workdir,
                                   const std::vector<std::string>& bogus_owners = {});

// True when ldns-keygen and ldns-signzone are installed.
[[nodiscard]] bool have_ldnsutils();

}  // namespace lookalike::test_support
