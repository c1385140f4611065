// bench_zonegen: writes a synthetic gzip zone (see zone_generator.hpp), the brands whose
// look-alikes it plants (JSON lines for `lookalike db import`) and the planted names (TSV).
// Usage: bench_zonegen --names N [--brands 1000] [--planted-per-brand 4] [--origin com] [--seed 1] [--day 0-3]
//                      --out ZONE.gz --brands-out BRANDS.jsonl --planted-out PLANTED.tsv
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "bench/zone_generator.hpp"

namespace {

std::vector<std::string> detection_brands() {
  std::vector<std::string> out;
  std::ifstream in(std::string(LOOKALIKE_SHARED_DIR) + "/detection/brands.txt");
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  lookalike::bench::ZoneSpec spec;
  std::size_t brand_count = 1000;
  std::string out, brands_out, planted_out;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--names")
      spec.names = std::stoull(v);
    else if (a == "--brands")
      brand_count = std::stoull(v);
    else if (a == "--planted-per-brand")
      spec.planted_per_brand = std::stoull(v);
    else if (a == "--origin")
      spec.origin = v;
    else if (a == "--seed")
      spec.seed = static_cast<std::uint32_t>(std::stoul(v));
    else if (a == "--day")
      spec.day = static_cast<unsigned>(std::stoul(v));
    else if (a == "--out")
      out = v;
    else if (a == "--brands-out")
      brands_out = v;
    else if (a == "--planted-out")
      planted_out = v;
    else {
      std::fprintf(stderr, "bench_zonegen: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (out.empty() || brands_out.empty() || planted_out.empty()) {
    std::fprintf(
        stderr,
        "usage: bench_zonegen --names N [--brands 1000] --out ZONE.gz --brands-out B.jsonl --planted-out P.tsv\n");
    return 2;
  }
  spec.brands = lookalike::bench::brand_domains(brand_count, detection_brands());
  gzFile g = gzopen(out.c_str(), "wb6");
  if (g == nullptr) return 1;
  std::uint64_t bytes = 0;
  const auto planted = lookalike::bench::write_zone(spec, [&](std::string_view chunk) {
    bytes += chunk.size();
    gzwrite(g, chunk.data(), static_cast<unsigned>(chunk.size()));
  });
  if (gzclose(g) != Z_OK) return 1;
  std::ofstream b(brands_out);
  for (const auto& d : spec.brands) {
    b << "{\"type\":\"brand\",\"domain\":\"" << d
      << "\",\"keywords\":[],\"owned\":[],\"tlds\":\"common\",\"added\":0}\n";
  }
  std::ofstream p(planted_out);
  for (const auto& x : planted) p << x.name << '\t' << x.brand << '\t' << x.kind << '\n';
  std::fprintf(stderr,
               "bench_zonegen: %zu names (%zu planted look-alikes of %zu brands), %llu bytes of zone text -> %s\n",
               spec.names, planted.size(), spec.brands.size(), static_cast<unsigned long long>(bytes), out.c_str());
  return 0;
}
