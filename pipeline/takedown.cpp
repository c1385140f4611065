#include "pipeline/takedown.hpp"

#include <optional>
#include <utility>

#include "rdap/rdap.hpp"

namespace lookalike::pipeline {

std::expected<void, std::string> attach_rdap(std::span<report::Threat> threats, index::Store& store,
                                             const RdapStep& step, std::ostream& err) {
  if (threats.empty()) return {};
  std::optional<rdap::Client> client;
  if (step.network) {
    rdap::Options ro;
    ro.bootstrap_path = step.bootstrap;
    ro.ca_file = step.ca_file;
    // A user's own bootstrap file may point at a registry mirror on loopback (tests do).
    ro.allow_loopback = !step.bootstrap.empty();
    auto c = rdap::Client::make(ro);
    if (!c) return std::unexpected(c.error().what);
    client = std::move(*c);
  }
  for (report::Threat& t : threats) {
    const std::string& name = t.evidence.candidate.name;
    if (!step.refresh) {
      auto cached = rdap::cached(store, name);
      if (cached && *cached) {
        t.rdap = std::move(**cached);
        continue;
      }
      if (!cached) t.rdap_error = cached.error().what;
    }
    if (!client) {
      if (t.rdap_error.empty()) t.rdap_error = "no cached RDAP record";
      continue;
    }
    auto r = client->lookup(name, step.cache_new ? &store : nullptr, step.refresh);
    if (r) {
      t.rdap = std::move(*r);
      t.rdap_error.clear();
    } else {
      t.rdap_error = r.error().what;
      err << "lookalike export: RDAP for " << name << ": " << r.error().what << "\n";
    }
  }
  return {};
}

}  // namespace lookalike::pipeline
