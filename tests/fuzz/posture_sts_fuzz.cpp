// Fuzz target: the MTA-STS policy file and the HTTP response it arrives in.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "posture/records.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto p = lookalike::posture::parse_sts_policy(in)) {
    if (p->version != "STSv1" || !p->max_age || *p->max_age < 0 || *p->max_age > 31557600) __builtin_trap();
    for (const auto& mx : p->mx) (void)lookalike::posture::sts_mx_matches(mx, "mx1.example.com");
  }
  if (auto r = lookalike::posture::parse_http_response(in)) {
    if (r->body.size() > lookalike::posture::kMaxRecordText || r->status < 100 || r->status > 599) __builtin_trap();
  }
  return 0;
}
