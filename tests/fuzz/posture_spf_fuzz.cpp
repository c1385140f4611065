// Fuzz target: the SPF record parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "posture/records.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto terms = lookalike::posture::parse_spf(in);
  if (terms) {
    if (!lookalike::posture::is_spf(in) || terms->size() > 256) __builtin_trap();
    int redirects = 0;
    for (const auto& t : *terms) {
      if (t.name.empty()) __builtin_trap();
      redirects += t.modifier && t.name == "redirect";
      (void)lookalike::posture::spf_queries_dns(t);
    }
    if (redirects > 1) __builtin_trap();
    // The look-alike score's readers: an "all" qualifier is one of the four; "+all" alone passes no one.
    const auto all = lookalike::posture::spf_all_qualifier(*terms);
    if (all && *all != '+' && *all != '-' && *all != '~' && *all != '?') __builtin_trap();
    if (lookalike::posture::spf_authorises_senders(*terms) && !terms->empty() && !(*terms)[0].modifier &&
        (*terms)[0].name == "all") {
      __builtin_trap();
    }
  }
  return 0;
}
