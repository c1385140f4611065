// The takedown feed's RDAP step: the registrar and abuse facts of each threat, from the store's
// cache or looked up (and cached), where the report's threats meet the RDAP client.
#pragma once

#include <expected>
#include <ostream>
#include <span>
#include <string>

#include "index/index.hpp"
#include "report/export.hpp"

namespace lookalike::pipeline {

struct RdapStep {
  bool network = true;      // look up what the cache lacks (else: cached records only)
  bool refresh = false;     // look every threat up again instead of using cached records
  bool cache_new = true;    // store fresh records (false: the store is open read-only)
  std::string bootstrap;    // IANA dns.json instead of the bundled snapshot ("" for it)
  std::string ca_file;      // extra trusted CA (PEM) for RDAP servers
};

// Sets each threat's rdap (or rdap_error); a failed lookup is also reported on `err`. An error
// only when the RDAP client cannot be set up (bad bootstrap or CA file).
[[nodiscard]] std::expected<void, std::string> attach_rdap(std::span<report::Threat> threats, index::Store& store,
                                                           const RdapStep& step, std::ostream& err);

}  // namespace lookalike::pipeline
