// A synthetic zone for ingest benchmarks and tests: a CZDS-style master file (absolute owners, one
// record per line: SOA, apex NS, two or three NS per delegation, some DS, glue A/AAAA for in-zone
// name servers) of N registrable names made of words, numbers and hyphens, some IDNs, with
// look-alikes of given brands planted at random places.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::bench {

struct ZoneSpec {
  std::string origin = "com";
  std::size_t names = 100000;       // delegations, planted look-alikes included
  std::vector<std::string> brands;  // registrable domains whose look-alikes are planted
  std::size_t planted_per_brand = 4;
  std::uint32_t seed = 1;
  unsigned day = 0;  // 0-3: the same zone on another day (see write_zone)
};

struct Planted {
  std::string name;  // registrable, under the zone's origin
  std::string brand;
  std::string kind;  // "typo", "homoglyph", "combosquat", "tld-swap"
};

// Writes the zone text through `out` in chunks; returns the planted look-alikes it holds. The
// same spec on another `day` gives the same zone with churn: 1% of the names and 25% of the
// look-alikes are registered or deleted between day 0 and day 3.
std::vector<Planted> write_zone(const ZoneSpec& spec, const std::function<void(std::string_view)>& out);

// `n` brand domains: the given ones first, then pronounceable synthetic ones under common TLDs.
std::vector<std::string> brand_domains(std::size_t n, std::vector<std::string> first = {}, std::uint32_t seed = 1234);

}  // namespace lookalike::bench
