// Fuzz target: zone master-file lines (and list lines) through ingest's parsers. Every emitted name
// must be a lower-case LDH host name with no empty label, at most 253 octets, below a public suffix.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "domain/domain.hpp"
#include "generator/matcher.hpp"
#include "ingest/parse.hpp"

namespace {

void check_name(std::string_view n) {
  if (n.empty() || n.size() > 253 || n.front() == '.' || n.back() == '.') __builtin_trap();
  if (n.find("..") != std::string_view::npos) __builtin_trap();
  for (const char c : n) {
    if (!lookalike::domain::is_ldh(c) && c != '.') __builtin_trap();
  }
  // Below its public suffix by the split the parsers use (the matcher's table; libpsl itself calls
  // names under some unknown TLDs suffixes, e.g. "x.m", see the seed corpus).
  const auto labels = static_cast<std::size_t>(std::count(n.begin(), n.end(), '.')) + 1;
  if (lookalike::generator::public_suffix_labels(n) >= labels) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lookalike::ingest;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const NameSink sink = [](std::string_view n) { check_name(n); };
  // The first byte picks the declared origin, so both the learnt and the declared paths run.
  ZoneParser learnt;
  ZoneParser declared(size > 0 && (data[0] & 1) ? "com" : "co.uk");
  std::size_t start = 0;
  while (start <= input.size()) {
    std::size_t nl = input.find('\n', start);
    if (nl == std::string_view::npos) nl = input.size();
    const std::string_view line = input.substr(start, nl - start);
    (void)learnt.line(line, sink);
    (void)declared.line(line, sink);
    (void)parse_list_line(line, sink);
    start = nl + 1;
  }
  (void)learnt.finish(sink);
  (void)declared.finish(sink);
  return 0;
}
