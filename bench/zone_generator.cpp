#include "bench/zone_generator.hpp"

#include <algorithm>
#include <array>
#include <random>
#include <unordered_set>

#include "bench/words.hpp"

namespace lookalike::bench {
namespace {

// A registrable label as registries see them: words, word-word, word+number, numbers, some IDNs
// (real Punycode of accented words).
std::string label(std::mt19937& rng) {
  static constexpr std::string_view kIdns[] = {"xn--mnchen-3ya", "xn--bcher-kva",  "xn--caf-dma", "xn--nave-6pa",
                                               "xn--jp-2g5a",    "xn--80ak6aa92e", "xn--fiqs8s",  "xn--wgv71a"};
  const auto r = static_cast<unsigned>(rng() % 100);
  if (r < 45) return word(rng, 5, 12);
  if (r < 70) return word(rng, 3, 8) + "-" + word(rng, 3, 8);
  if (r < 85) return word(rng, 4, 10) + std::to_string(rng() % 1000);
  if (r < 90) return std::to_string(rng() % 10000000);
  if (r < 93) return std::string(kIdns[rng() % std::size(kIdns)]) + std::to_string(rng() % 100000);
  return word(rng, 2, 6) + word(rng, 4, 9);
}

std::string typo(std::string l, std::mt19937& rng) {
  const std::size_t i = 1 + rng() % (l.size() - 1);
  switch (rng() % 3) {
    case 0:
      l[i] = static_cast<char>('a' + rng() % 26);
      break;  // substitution
    case 1:
      l.insert(i, 1, l[i - 1]);
      break;  // doubled letter
    default:
      std::swap(l[i - 1], l[i]);
      break;  // transposition
  }
  return l;
}

// A look-alike glyph swap the matcher's homoglyph table knows; "" when the label has none.
std::string homoglyph(std::string l) {
  static constexpr std::pair<char, std::string_view> kSwaps[] = {{'m', "rn"}, {'w', "vv"}, {'o', "0"}, {'l', "1"},
                                                                 {'i', "1"},  {'c', "e"},  {'g', "q"}};
  for (const auto& [from, to] : kSwaps) {
    if (const auto p = l.find(from); p != std::string::npos) return l.replace(p, 1, to);
  }
  return {};
}

// Whether delegation `i` exists on `day`: `percent` of them are registered on day 1-3 (absent
// before) and as many deleted on day 1-3 (absent from then on).
bool alive(std::size_t i, unsigned day, unsigned percent) {
  std::uint64_t h = (i + 1) * 0x9e3779b97f4a7c15ull;
  h ^= h >> 31;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 29;
  const unsigned roll = static_cast<unsigned>(h % 100);
  const unsigned when = 1 + static_cast<unsigned>((h >> 8) % 3);
  if (roll < percent) return day >= when;     // registered on day `when`
  if (roll < 2 * percent) return day < when;  // deleted on day `when`
  return true;
}

}  // namespace

std::vector<std::string> brand_domains(std::size_t n, std::vector<std::string> first, std::uint32_t seed) {
  static constexpr std::string_view kTlds[] = {"com", "net", "org", "de", "co.uk", "io", "fr", "com.br", "ru", "jp"};
  std::mt19937 rng(seed);
  std::unordered_set<std::string> seen(first.begin(), first.end());
  while (first.size() < n) {
    std::string d = word(rng, 5, 12) + "." + std::string(kTlds[rng() % std::size(kTlds)]);
    if (seen.insert(d).second) first.push_back(std::move(d));
  }
  first.resize(n);
  return first;
}

std::vector<Planted> write_zone(const ZoneSpec& spec, const std::function<void(std::string_view)>& out) {
  std::mt19937 rng(spec.seed);
  const std::string dot_origin = "." + spec.origin + ".";
  // Planted names first decided, then spread over the zone at random positions.
  std::vector<Planted> planted;
  std::unordered_set<std::string> used;
  for (const auto& b : spec.brands) {
    const std::string l = b.substr(0, b.find('.'));
    const std::string tld = b.substr(b.find('.') + 1);
    if (l.size() < 4) continue;
    for (std::size_t k = 0; k < spec.planted_per_brand; ++k) {
      Planted p;
      p.brand = b;
      switch (k % 4) {
        case 0:
          p.kind = "typo";
          p.name = typo(l, rng);
          break;
        case 1:
          p.kind = "homoglyph";
          p.name = homoglyph(l);
          if (p.name.empty()) {
            p.kind = "typo";
            p.name = typo(l, rng);
          }
          break;
        case 2:
          p.kind = "combosquat";
          p.name =
              l + "-" + std::string(std::array<std::string_view, 4>{"login", "secure", "support", "verify"}[rng() % 4]);
          break;
        default:
          if (tld != spec.origin) {
            p.kind = "tld-swap";
            p.name = l;
          } else {
            p.kind = "combosquat";
            p.name = "my" + l + std::to_string(rng() % 100);
          }
      }
      p.name += "." + spec.origin;
      if (p.name != b && used.insert(p.name).second) planted.push_back(std::move(p));
    }
  }
  std::vector<std::size_t> slots;
  for (std::size_t i = 0; i < planted.size(); ++i) slots.push_back(rng() % std::max<std::size_t>(spec.names, 1));
  std::sort(slots.begin(), slots.end());

  std::string buf;
  buf.reserve(1 << 20);
  auto flush = [&](bool force) {
    if (force || buf.size() > (1 << 20) - 4096) {
      out(buf);
      buf.clear();
    }
  };
  buf += spec.origin + ".\t900\tin\tsoa\ta.gtld-servers.net. nstld.verisign-grs.com. 1796083200 1800 900 604800 900\n";
  for (const char c : std::string_view("abcdefghijklm")) {
    buf += spec.origin + ".\t172800\tin\tns\t" + std::string(1, c) + ".gtld-servers.net.\n";
  }
  static constexpr std::string_view kHosts[] = {"ns1.cloudflare.com.",
                                                "ns2.cloudflare.com.",
                                                "ns1.dnsowl.com.",
                                                "dns1.registrar-servers.com.",
                                                "ns-cloud-a1.googledomains.com.",
                                                "ns51.domaincontrol.com.",
                                                "ns52.domaincontrol.com."};
  std::size_t next_planted = 0;
  std::vector<Planted> present;
  for (std::size_t i = 0; i < spec.names; ++i) {
    std::string owner;
    const std::size_t start = buf.size();
    bool is_planted = false;
    if (next_planted < planted.size() && slots[next_planted] <= i) {
      is_planted = true;
      owner = planted[next_planted++].name + ".";
    } else {
      do owner = label(rng) + dot_origin;
      while (used.contains(owner.substr(0, owner.size() - 1)));
    }
    const auto r = static_cast<unsigned>(rng() % 100);
    const std::size_t ns = 2 + (r % 3 == 0);
    const bool glue = r < 5;
    for (std::size_t k = 0; k < ns; ++k) {
      buf += owner;
      buf += "\t172800\tin\tns\t";
      if (glue) {
        buf += "ns" + std::to_string(k + 1) + "." + owner + "\n";
      } else {
        buf += kHosts[(r + k) % std::size(kHosts)];
        buf += '\n';
      }
    }
    if (r % 10 == 1)
      buf += owner + "\t86400\tin\tds\t" + std::to_string(rng() % 65536) +
             " 13 2 9F1E8C6A2B37D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F6071829AB3C4D5E\n";
    if (glue) {
      for (std::size_t k = 0; k < ns; ++k) {
        buf += "ns" + std::to_string(k + 1) + "." + owner + "\t172800\tin\ta\t198.51.100." +
               std::to_string(rng() % 250 + 1) + "\n";
        if (k == 0) buf += "ns1." + owner + "\t172800\tin\taaaa\t2001:db8::" + std::to_string(rng() % 9999 + 1) + "\n";
      }
    }
    // Day-over-day churn: the same random stream every day, each delegation present from its
    // registration day until its deletion day (1% of names and 25% of look-alikes change).
    if (!alive(i, spec.day, is_planted ? 25 : 1)) {
      buf.resize(start);
    } else if (is_planted) {
      present.push_back(planted[next_planted - 1]);
    }
    flush(false);
  }
  flush(true);
  return present;
}

}  // namespace lookalike::bench
