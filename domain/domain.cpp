#include "domain/domain.hpp"

#include <idn2.h>
#include <libpsl.h>

#include <algorithm>
#include <memory>

#include "util/utf8.hpp"

namespace lookalike::domain {
namespace {

constexpr std::size_t kMaxName = 253;
constexpr std::size_t kMaxLabel = 63;

struct FreeDeleter {
  void operator()(char* p) const noexcept { idn2_free(p); }
};
using IdnString = std::unique_ptr<char, FreeDeleter>;

const psl_ctx_t* psl() {
  // psl_latest picks the newer of the built-in list and Debian's publicsuffix file.
  static const psl_ctx_t* ctx = [] {
    const psl_ctx_t* c = psl_latest(nullptr);
    return c != nullptr ? c : psl_builtin();
  }();
  return ctx;
}

std::unexpected<Error> fail(std::string_view input, std::size_t pos, std::string reason) {
  return std::unexpected(Error{std::string(input), pos, std::move(reason)});
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string to_lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Validates label `label` found at byte `offset` of `whole`.
std::expected<void, Error> check_label(std::string_view whole, std::string_view label, std::size_t offset) {
  if (label.empty()) return fail(whole, offset, "empty label");
  if (label.size() > kMaxLabel) {
    return fail(whole, offset, "label is " + std::to_string(label.size()) + " octets, more than 63");
  }
  for (std::size_t i = 0; i < label.size(); ++i) {
    const char c = label[i];
    if (!is_ldh(c)) {
      const auto uc = static_cast<unsigned char>(c);
      std::string what = uc >= 0x20 && uc < 0x7f ? std::string("character '") + c + "'"
                                                 : "byte 0x" + std::string(1, "0123456789abcdef"[uc >> 4]) +
                                                       std::string(1, "0123456789abcdef"[uc & 15]);
      return fail(whole, offset + i, what + " is not allowed in a host name (letters, digits, hyphen)");
    }
  }
  if (label.front() == '-') return fail(whole, offset, "label starts with a hyphen");
  if (label.back() == '-') return fail(whole, offset + label.size() - 1, "label ends with a hyphen");
  if (label.size() >= 4 && label[2] == '-' && label[3] == '-') {
    if (label.substr(0, 4) != "xn--") {
      return fail(whole, offset + 2, "\"--\" at positions 3-4 is reserved for A-labels (xn--)");
    }
    // A valid A-label must decode and re-encode to itself under IDNA2008.
    const std::string a(label);
    char* u = nullptr;
    if (idn2_to_unicode_8z8z(a.c_str(), &u, 0) != IDN2_OK) {
      return fail(whole, offset, "invalid Punycode in A-label \"" + a + "\"");
    }
    IdnString uholder(u);
    char* back = nullptr;
    const int rc = idn2_register_u8(reinterpret_cast<const uint8_t*>(u), nullptr,
                                    reinterpret_cast<uint8_t**>(&back), IDN2_NFC_INPUT);
    IdnString bholder(back);
    if (rc != IDN2_OK) {
      return fail(whole, offset, "A-label \"" + a + "\" is not valid IDNA2008: " + idn2_strerror(rc));
    }
    if (a != back) return fail(whole, offset, "A-label \"" + a + "\" does not round-trip");
  }
  return {};
}

std::expected<void, Error> check_name(std::string_view whole, std::string_view name, std::size_t base) {
  if (name.empty()) return fail(whole, base, "empty name");
  if (name.size() > kMaxName) {
    return fail(whole, std::string::npos, "name is " + std::to_string(name.size()) + " octets, more than 253");
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    const std::string_view label = name.substr(start, dot == std::string_view::npos ? name.npos : dot - start);
    if (auto ok = check_label(whole, label, base + start); !ok) return ok;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return {};
}

// Reduces a URL-ish input to its host part; returns the host and its offset in `in`.
std::expected<std::pair<std::string_view, std::size_t>, Error> extract_host(std::string_view whole) {
  std::size_t b = 0;
  std::size_t e = whole.size();
  while (b < e && is_space(whole[b])) ++b;
  while (e > b && is_space(whole[e - 1])) --e;
  if (b == e) return fail(whole, std::string::npos, "empty input");
  std::string_view s = whole.substr(b, e - b);
  std::size_t off = b;
  if (const auto scheme = s.find("://"); scheme != std::string_view::npos) {
    const std::string_view sch = s.substr(0, scheme);
    const bool valid = !sch.empty() && std::all_of(sch.begin(), sch.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
             c == '.';
    });
    if (valid) {
      s.remove_prefix(scheme + 3);
      off += scheme + 3;
    }
  }
  if (const auto end = s.find_first_of("/?#"); end != std::string_view::npos) s = s.substr(0, end);
  if (const auto at = s.rfind('@'); at != std::string_view::npos) {
    s.remove_prefix(at + 1);
    off += at + 1;
  }
  if (!s.empty() && s.front() == '[') return fail(whole, off, "an IP address literal is not a domain name");
  if (const auto colon = s.rfind(':'); colon != std::string_view::npos) {
    const std::string_view port = s.substr(colon + 1);
    if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return fail(whole, off + colon, "character ':' is not allowed in a host name");
    }
    s = s.substr(0, colon);
  }
  if (s.empty()) return fail(whole, off, "no host name in input");
  // C APIs below stop at NUL; control characters are never part of a host name.
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return fail(whole, off + i, "control character in host name");
  }
  return std::pair{s, off};
}

bool looks_like_ipv4(std::string_view s) {
  int dots = 0;
  for (char c : s) {
    if (c == '.') ++dots;
    else if (c < '0' || c > '9') return false;
  }
  return dots == 3;
}

}  // namespace

std::string Error::message() const {
  // Long hostile inputs are cut for display; the position still refers to the full input.
  constexpr std::size_t kShown = 300;  // longer than any valid name
  std::string m = "\"" + util::printable(std::string_view(input).substr(0, kShown)) + (input.size() > kShown ? "...\": " : "\": ") + reason;
  if (position != std::string::npos) m += " at position " + std::to_string(position);
  return m;
}

std::string Name::registrable() const { return label + "." + suffix; }

std::expected<void, Error> validate_label(std::string_view label) { return check_label(label, label, 0); }

std::expected<void, Error> validate_ascii(std::string_view name) { return check_name(name, name, 0); }

std::expected<std::string, Error> to_ascii(std::string_view unicode) {
  if (is_ascii(unicode)) {
    if (auto ok = validate_ascii(unicode); !ok) return std::unexpected(ok.error());
    return std::string(unicode);
  }
  // idn2_register_u8 checks one U-label against IDNA2008's registration rules.
  std::string ascii;
  ascii.reserve(unicode.size() + 16);
  std::size_t start = 0;
  while (true) {
    std::size_t dot = unicode.find('.', start);
    const std::size_t end = dot == std::string_view::npos ? unicode.size() : dot;
    const std::string label(unicode.substr(start, end - start));
    if (is_ascii(label)) {
      if (auto ok = check_label(unicode, label, start); !ok) return std::unexpected(ok.error());
      ascii += label;
    } else {
      char* a = nullptr;
      const int rc = idn2_register_u8(reinterpret_cast<const uint8_t*>(label.c_str()), nullptr,
                                      reinterpret_cast<uint8_t**>(&a), 0);
      IdnString holder(a);
      if (rc != IDN2_OK) {
        return fail(unicode, start, "label \"" + label + "\" is not valid IDNA2008: " + idn2_strerror(rc));
      }
      ascii += a;
    }
    if (dot == std::string_view::npos) break;
    ascii += '.';
    start = dot + 1;
  }
  if (ascii.size() > kMaxName) {
    return fail(unicode, std::string::npos, "name is " + std::to_string(ascii.size()) + " octets, more than 253");
  }
  for (std::size_t b = 0, e; b < ascii.size(); b = e + 1) {
    e = ascii.find('.', b);
    if (e == std::string::npos) e = ascii.size();
    if (e - b > kMaxLabel) return fail(unicode, std::string::npos, "A-label of " + std::to_string(e - b) + " octets, more than 63");
  }
  return ascii;
}

std::expected<std::string, Error> to_unicode(std::string_view ascii) {
  if (ascii.find("xn--") == std::string_view::npos) return std::string(ascii);
  const std::string in(ascii);
  char* out = nullptr;
  const int rc = idn2_to_unicode_8z8z(in.c_str(), &out, 0);
  IdnString holder(out);
  if (rc != IDN2_OK) return fail(ascii, std::string::npos, std::string("cannot decode A-labels: ") + idn2_strerror(rc));
  return std::string(out);
}

std::string_view public_suffix(std::string_view ascii, bool* known) {
  // Walk from the longest candidate suffix (the whole name) to the shortest; the first that the
  // PSL calls a public suffix is the longest one, which is the one that counts.
  std::string buf(ascii);
  std::size_t start = 0;
  while (true) {
    if (psl_is_public_suffix2(psl(), buf.c_str() + start, PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE)) {
      if (known != nullptr) *known = true;
      return ascii.substr(start);
    }
    const std::size_t dot = buf.find('.', start);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  // Unknown TLD: the default rule "*" makes the last label the suffix.
  if (known != nullptr) *known = false;
  const std::size_t last = ascii.rfind('.');
  return last == std::string_view::npos ? ascii : ascii.substr(last + 1);
}

bool is_public_suffix(std::string_view ascii) {
  const std::string buf(ascii);
  return psl_is_public_suffix2(psl(), buf.c_str(), PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE) != 0;
}

std::string public_suffix_list_version() {
  const char* file = psl_dist_filename();
  std::string v = file != nullptr && *file != '\0' ? file : "built-in";
  v += " (libpsl " + std::string(psl_get_version()) + ")";
  return v;
}

std::expected<Name, Error> parse(std::string_view input) {
  auto host = extract_host(input);
  if (!host) return std::unexpected(host.error());
  auto [h, off] = *host;
  if (!h.empty() && h.back() == '.') {
    h.remove_suffix(1);
    if (h.empty()) return fail(input, off, "empty name");
    if (h.back() == '.') return fail(input, off + h.size(), "empty label");
  }
  if (h.front() == '.') return fail(input, off, "empty label");
  if (const auto dd = h.find(".."); dd != std::string_view::npos) return fail(input, off + dd + 1, "empty label");
  if (looks_like_ipv4(h)) return fail(input, off, "an IP address is not a domain name");

  Name n;
  if (is_ascii(h)) {
    n.ascii = to_lower_ascii(h);
    if (auto ok = check_name(input, n.ascii, off); !ok) return std::unexpected(ok.error());
    auto u = to_unicode(n.ascii);
    if (!u) return std::unexpected(Error{std::string(input), off, u.error().reason});
    n.unicode = std::move(*u);
  } else {
    // UTS #46 mapping (case folding, width), non-transitional as browsers do, STD3 rules.
    const std::string in(h);
    char* out = nullptr;
    const int rc = idn2_to_ascii_8z(in.c_str(), &out, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT | IDN2_USE_STD3_ASCII_RULES);
    IdnString holder(out);
    if (rc != IDN2_OK) {
      // Find the offending label for a precise position.
      std::size_t start = 0;
      while (start <= in.size()) {
        std::size_t dot = in.find('.', start);
        if (dot == std::string::npos) dot = in.size();
        const std::string label = in.substr(start, dot - start);
        char* a = nullptr;
        const int lrc = idn2_to_ascii_8z(label.c_str(), &a, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT | IDN2_USE_STD3_ASCII_RULES);
        IdnString ah(a);
        if (lrc != IDN2_OK) {
          return fail(input, off + start, "label \"" + label + "\" is not valid IDNA2008: " + idn2_strerror(lrc));
        }
        start = dot + 1;
      }
      return fail(input, off, std::string("not valid IDNA2008: ") + idn2_strerror(rc));
    }
    n.ascii = out;
    if (auto ok = check_name(n.ascii, n.ascii, 0); !ok) {
      Error e = ok.error();
      e.input = std::string(input);
      e.reason += " (in A-label form \"" + n.ascii + "\")";
      e.position = std::string::npos;
      return std::unexpected(e);
    }
    auto u = to_unicode(n.ascii);
    if (!u) return std::unexpected(Error{std::string(input), off, u.error().reason});
    n.unicode = std::move(*u);
  }

  if (looks_like_ipv4(n.ascii)) return fail(input, off, "an IP address is not a domain name");
  bool known = true;
  const std::string_view suffix = public_suffix(n.ascii, &known);
  if (suffix.size() == n.ascii.size()) {
    return fail(input, off, "\"" + n.ascii + "\" is a public suffix, not a registrable domain");
  }
  n.suffix = std::string(suffix);
  n.known_suffix = known;
  const std::string_view rest = std::string_view(n.ascii).substr(0, n.ascii.size() - suffix.size() - 1);
  const std::size_t dot = rest.rfind('.');
  n.label = std::string(dot == std::string_view::npos ? rest : rest.substr(dot + 1));
  if (dot != std::string_view::npos) n.subdomain = std::string(rest.substr(0, dot));
  return n;
}

}  // namespace lookalike::domain
