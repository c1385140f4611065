// Fuzz target: `lookalike match` input lines (names from feeds and certificates, untrusted).
// Each line's fast path (plain ASCII names) must agree with the full parser: an accepted name is
// lower-case LDH with DNS-sized labels, equal to the full parser's A-label form when that parser
// accepts the line, and a line the full parser accepts is never refused. The fast path is
// deliberately more lenient (match_input.cpp: names that exist in zones and certificates but that
// IDNA2008 or the registrable-domain rule refuses, "-x.com", a bare "co.uk"), never stricter.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "domain/domain.hpp"
#include "generator/match_input.hpp"

namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  if (s.starts_with("*.")) s.remove_prefix(2);
  return s;
}

void check_line(std::string_view line) {
  std::string out;
  const auto got = lookalike::generator::match_input_name(line, out);
  const auto full = lookalike::domain::parse(trimmed(line));
  if (!got) {
    if (got.error().empty()) __builtin_trap();  // an error always says what is wrong
    if (full) __builtin_trap();                 // the full parser took it: refusing it loses a name
    return;
  }
  if (!*got) {
    if (!trimmed(line).empty()) __builtin_trap();  // "blank" only for blank lines
    return;
  }
  if (out.empty() || out.size() > 253) __builtin_trap();
  for (const char c : out) {
    if (c != '.' && (!lookalike::domain::is_ldh(c) || (c >= 'A' && c <= 'Z'))) __builtin_trap();
  }
  for (std::size_t start = 0;;) {
    const std::size_t dot = out.find('.', start);
    const std::size_t len = (dot == std::string::npos ? out.size() : dot) - start;
    if (len == 0 || len > 63) __builtin_trap();
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (!full) return;
  if (full->ascii != out) __builtin_trap();  // fast path and full parser disagree
  const auto again = lookalike::domain::parse(out);
  if (!again || again->ascii != out) __builtin_trap();  // output is canonical
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t start = 0;
  while (start <= input.size()) {
    std::size_t nl = input.find('\n', start);
    if (nl == std::string_view::npos) nl = input.size();
    check_line(input.substr(start, nl - start));
    start = nl + 1;
  }
  return 0;
}
