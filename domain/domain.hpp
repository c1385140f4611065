// The domain model every stage shares: parsing what users type into a canonical domain name,
// IDNA2008/UTS #46 conversion (libidn2), LDH validation and the Public Suffix List split (libpsl).
// Depends only on util/.
#pragma once

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>

namespace lookalike::domain {

// Why an input is not a usable domain name; `position` is a 0-based byte offset into `input`
// (std::string::npos when the problem is not at one place).
struct Error {
  std::string input;
  std::size_t position = std::string::npos;
  std::string reason;

  // One line for humans: `"paypal..com": empty label at position 7`.
  [[nodiscard]] std::string message() const;
};

// A canonical, validated domain name split at the public suffix (ICANN section of the PSL).
struct Name {
  std::string ascii;      // A-label form, lower case, no trailing dot: "xn--mnchen-3ya.de"
  std::string unicode;    // U-label form: "münchen.de"
  std::string subdomain;  // A-label labels left of the registrable domain ("www"), maybe empty
  std::string label;      // the registrable label, A-label: "xn--mnchen-3ya"
  std::string suffix;     // the public suffix, A-label: "de", "co.uk"
  bool known_suffix = true;  // false when only the PSL's default "*" rule matched

  // label + "." + suffix.
  [[nodiscard]] std::string registrable() const;
};

// Parses what a user typed: surrounding spaces, a URL (scheme, userinfo, port, path), upper
// case, a trailing dot, U-labels or A-labels. Applies UTS #46 (non-transitional) mapping and
// IDNA2008 validation, then checks that the name is registrable (has a label below a public suffix).
[[nodiscard]] std::expected<Name, Error> parse(std::string_view input);

// Validates an already lower-case ASCII name (A-labels allowed) per RFC 1035/5890-5891:
// labels 1..63 octets, name <= 253, LDH, no leading/trailing hyphen, "--" at 3-4 only in a
// valid "xn--" label whose Punycode decodes to a valid IDNA2008 U-label.
[[nodiscard]] std::expected<void, Error> validate_ascii(std::string_view name);

// Same checks as validate_ascii for a single label.
[[nodiscard]] std::expected<void, Error> validate_label(std::string_view label);

// Converts a lower-case Unicode (UTF-8) name to its A-label form, enforcing IDNA2008 registration
// rules (no mapping: the input must already be in canonical form).
[[nodiscard]] std::expected<std::string, Error> to_ascii(std::string_view unicode);

// Converts an A-label name to Unicode; ASCII labels pass through.
[[nodiscard]] std::expected<std::string, Error> to_unicode(std::string_view ascii);

// The public suffix (ICANN section) of a lower-case ASCII name: "co.uk" for "a.b.co.uk".
// Sets `known` to false when only the default "*" rule applied. Never fails: a name that is
// itself a suffix returns the whole name.
[[nodiscard]] std::string_view public_suffix(std::string_view ascii, bool* known = nullptr);

// True when `ascii` is itself a public suffix (ICANN section, default rule excluded).
[[nodiscard]] bool is_public_suffix(std::string_view ascii);

// Version of the Public Suffix List in use: file name and date, e.g. for --version.
[[nodiscard]] std::string public_suffix_list_version();

// True for a-z, 0-9 and '-'.
[[nodiscard]] constexpr bool is_ldh(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

}  // namespace lookalike::domain
