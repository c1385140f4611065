// Fuzz target: RFC 6962 MerkleTreeLeaf + certificate name extraction + extra_data, as a log serves them.
#include <cstddef>
#include <cstdint>
#include <span>

#include "ctlog/ctlog.hpp"
#include "ctlog/entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lookalike::ctlog;
  const std::span<const std::uint8_t> in(data, size);
  if (auto p = parse_leaf_names(in, 0)) {
    for (const CertName& n : p->names) {
      // Names are normalised: non-empty, lower-case, no leading "*.".
      if (n.ascii.empty() || n.ascii.starts_with("*.")) __builtin_trap();
    }
  }
  (void)parse_extra_data(EntryType::x509, in);
  (void)parse_extra_data(EntryType::precert, in);
  (void)certificate_names(in, false);
  (void)certificate_names(in, true);
  // Issuer DN, validity times and raw SANs (the takedown evidence) from arbitrary DER.
  (void)certificate_info(in, false);
  (void)certificate_info(in, true);
  return 0;
}
