// Fuzz target: HTTP responses from untrusted web servers, then what the prober derives from
// them (title, page hash, parking markers, sanitised headers).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scoring/probe.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace s = lookalike::scoring;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  for (bool eof : {false, true}) {
    s::HttpResponse r;
    std::string why;
    const auto st = s::parse_http_response(in, eof, 1024, r, &why);
    if (st == s::HttpParse::complete) {
      if (r.status < 100 || r.status > 999 || r.body.size() > in.size()) __builtin_trap();
      (void)s::extract_title(r.body);
      (void)s::page_hash(r.body);
      (void)s::looks_parked(r.body);
      if (auto server = r.header("server")) (void)s::sanitize_text(*server, 64);
    } else if (st != s::HttpParse::incomplete && why.empty()) {
      __builtin_trap();  // every failure names its reason
    }
  }
  return 0;
}
