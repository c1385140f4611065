// Fuzz target: the brand matcher on hostile names (CT SANs and feeds are attacker-controlled).
// Each line of the input is one name; every match must name an indexed brand and point into
// the name it came from.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "generator/matcher.hpp"

namespace g = lookalike::generator;

namespace {

const g::Matcher& matcher() {
  static const g::Matcher m = [] {
    const std::vector<g::BrandSpec> brands = {
        {"paypal.com", {"venmo"}, {"paypal.me"}}, {"hp.com", {}, {}}, {"bankofamerica.com", {"bofa"}, {}},
        {"xn--mnchen-3ya.de", {}, {}},           {"bbc.co.uk", {}, {}}, {"example-bank.com", {}, {}}};
    auto built = g::Matcher::build(brands);
    if (!built) __builtin_trap();
    return *built;
  }();
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<g::Match> out;
  std::size_t start = 0;
  while (start <= in.size()) {
    std::size_t end = in.find('\n', start);
    if (end == std::string_view::npos) end = in.size();
    const std::string_view name = in.substr(start, end - start);
    out.clear();
    matcher().match(name, out);
    for (const auto& m : out) {
      if (m.brand.empty() || g::rule_name(m.rule) == "unknown") __builtin_trap();
      if (m.matched_label.data() < name.data() || m.matched_label.data() + m.matched_label.size() > name.data() + name.size()) {
        __builtin_trap();
      }
    }
    (void)g::public_suffix_labels(name);
    start = end + 1;
  }
  return 0;
}
