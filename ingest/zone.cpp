// The master-file parser (RFC 1035 section 5) and the list-line parser.
#include <algorithm>
#include <array>
#include <cstring>

#include "domain/domain.hpp"
#include "generator/matcher.hpp"
#include "ingest/parse.hpp"
#include "util/utf8.hpp"

namespace lookalike::ingest {
namespace {

constexpr char kSep = '\0';  // between the tokens of an entry (a raw NUL in input is refused)

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool all_digits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A TTL: seconds, or BIND's units (1h30m, 2D).
bool is_ttl(std::string_view s) noexcept {
  if (s.empty() || s[0] < '0' || s[0] > '9') return false;
  bool digit = false;
  for (const char c : s) {
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (digit && std::strchr("smhdwSMHDW", c) != nullptr) {
      digit = false;
    } else {
      return false;
    }
  }
  return true;
}

bool is_class(std::string_view s) noexcept {
  if (iequals(s, "IN") || iequals(s, "CH") || iequals(s, "CS") || iequals(s, "HS") || iequals(s, "ANY") ||
      iequals(s, "NONE")) {
    return true;
  }
  return s.size() > 5 && iequals(s.substr(0, 5), "CLASS") && all_digits(s.substr(5));
}

// IANA's RR type mnemonics (the ones a master file can hold), upper case, sorted for binary search.
constexpr std::array<std::string_view, 72> kTypes{
    "A",       "A6",         "AAAA", "AFSDB", "AMTRELAY", "APL",   "ATMA",  "AVC",        "CAA",
    "CDNSKEY", "CDS",        "CERT", "CNAME", "CSYNC",    "DHCID", "DLV",   "DNAME",      "DNSKEY",
    "DOA",     "DS",         "EID",  "EUI48", "EUI64",    "GID",   "GPOS",  "HINFO",      "HIP",
    "HTTPS",   "IPSECKEY",   "ISDN", "KEY",   "KX",       "L32",   "L64",   "LOC",        "LP",
    "MB",      "MD",         "MF",   "MG",    "MINFO",    "MR",    "MX",    "NAPTR",      "NID",
    "NIMLOC",  "NINFO",      "NS",   "NSAP",  "NSAP-PTR", "NSEC",  "NSEC3", "NSEC3PARAM", "NULL",
    "NXT",     "OPENPGPKEY", "PTR",  "PX",    "RKEY",     "RP",    "RRSIG", "RT",         "SIG",
    "SMIMEA",  "SOA",        "SPF",  "SRV",   "SSHFP",    "SVCB",  "TA",    "TALINK",     "TLSA"};
constexpr std::array<std::string_view, 8> kMoreTypes{"TXT", "UID", "UINFO", "UNSPEC", "URI", "WKS", "X25", "ZONEMD"};

bool is_type(std::string_view s) noexcept {
  if (s.empty() || s.size() > 10) return false;
  char up[10];
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    up[i] = c >= 'a' && c <= 'z' ? static_cast<char>(c - ('a' - 'A')) : c;
  }
  const std::string_view u(up, s.size());
  if (std::binary_search(kTypes.begin(), kTypes.end(), u) ||
      std::binary_search(kMoreTypes.begin(), kMoreTypes.end(), u)) {
    return true;
  }
  return u.size() > 4 && u.starts_with("TYPE") && all_digits(u.substr(4));
}

// `name` is `apex` or below it (every name is below the root, "").
bool within(std::string_view name, std::string_view apex) noexcept {
  if (apex.empty()) return true;
  if (name.size() == apex.size()) return name == apex;
  return name.size() > apex.size() && name.ends_with(apex) && name[name.size() - apex.size() - 1] == '.';
}

std::string shown(std::string_view name) { return name.empty() ? std::string(".") : util::printable(name); }

LineError error(std::string reason, bool fatal = false) { return LineError{std::move(reason), fatal}; }

}  // namespace

std::string_view format_name(Format f) noexcept {
  switch (f) {
    case Format::automatic:
      return "auto";
    case Format::zone:
      return "zone";
    case Format::list:
      return "list";
  }
  return "auto";
}

std::expected<Format, std::string> parse_format(std::string_view s) {
  for (const Format f : {Format::automatic, Format::zone, Format::list}) {
    if (s == format_name(f)) return f;
  }
  return std::unexpected("unknown format \"" + std::string(s) + "\" (expected auto, zone or list)");
}

std::string ParseError::message() const {
  return line == 0 ? file + ": " + reason : file + ":" + std::to_string(line) + ": " + reason;
}

std::string_view registrable_part(std::string_view ascii) {
  // The matcher's in-memory copy of the domain model's Public Suffix List (no libpsl call and no
  // allocation per name; the same split the matcher applies to the names we give it).
  const std::size_t suffix_labels = generator::public_suffix_labels(ascii);
  std::size_t begin = ascii.size() + 1;  // start of the label last taken (+1 past a virtual dot)
  for (std::size_t k = 0; k <= suffix_labels; ++k) {
    if (begin <= 1) return {};  // no label left below the suffix
    const std::size_t end = begin - 1;
    const std::size_t dot = end == 0 ? std::string_view::npos : ascii.rfind('.', end - 1);
    begin = dot == std::string_view::npos ? 0 : dot + 1;
  }
  return ascii.substr(begin);
}

ZoneParser::ZoneParser(std::string declared_origin) : apex_(std::move(declared_origin)) {
  while (apex_.ends_with('.')) apex_.pop_back();
  apex_known_ = !apex_.empty();
  origin_ = apex_;
  origin_known_ = apex_known_;
}

std::expected<void, LineError> ZoneParser::line(std::string_view text, const NameSink& sink) {
  if (depth_ == 0) {
    tokens_.clear();
    token_count_ = 0;
    multiline_ = false;
    blank_owner_ = !text.empty() && (text[0] == ' ' || text[0] == '\t');
  }
  auto reset = [this](std::string reason) {
    depth_ = 0;
    tokens_.clear();
    token_count_ = 0;
    multiline_ = false;
    return std::unexpected(error(std::move(reason)));
  };
  // One-line entries (nearly all) are parsed from views into `text`; an entry that parentheses
  // continue on the next line keeps copies of its first tokens.
  Tokens t{};
  auto keep = [&](std::string_view token) {
    if (token_count_ < kKept) {
      if (multiline_) {
        tokens_.append(token);
        tokens_.push_back(kSep);
      } else {
        t[token_count_] = token;
      }
    }
    ++token_count_;
  };
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
    } else if (c == ';') {
      break;
    } else if (c == '(') {
      ++depth_;
      ++i;
    } else if (c == ')') {
      if (depth_ == 0) return reset("')' without '('");
      --depth_;
      ++i;
    } else if (c == '\0') {
      return reset("NUL byte in a record");
    } else {
      // One token: a quoted string, or characters up to a delimiter; backslash escapes the next
      // character (\DDD is checked when the token is read as a name).
      const std::size_t start = i;
      if (c == '"') {
        ++i;
        while (i < n && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
        if (i >= n) return reset("unterminated quoted string");
        ++i;
      } else {
        while (i < n) {
          const char d = text[i];
          if (d == ' ' || d == '\t' || d == '\r' || d == ';' || d == '(' || d == ')' || d == '"' || d == '\0') break;
          if (d == '\\') {
            if (i + 1 >= n) return reset("'\\' at the end of a line");
            ++i;
          }
          ++i;
        }
      }
      keep(text.substr(start, i - start));
    }
  }
  if (depth_ > 0) {
    if (!multiline_) {
      for (std::size_t k = 0; k < std::min(token_count_, kKept); ++k) {
        tokens_.append(t[k]);
        tokens_.push_back(kSep);
      }
      multiline_ = true;
    }
    if (tokens_.size() > kMaxLineBytes) return reset("record over 64 KiB");
    return {};
  }
  if (token_count_ == 0) return {};
  if (multiline_) {
    std::size_t pos = 0;
    for (std::size_t k = 0; k < std::min(token_count_, kKept); ++k) {
      const std::size_t end = tokens_.find(kSep, pos);
      t[k] = std::string_view(tokens_).substr(pos, end - pos);
      pos = end + 1;
    }
  }
  return entry(t, sink);
}

std::expected<void, LineError> ZoneParser::finish(const NameSink&) {
  if (depth_ > 0) {
    depth_ = 0;
    return std::unexpected(error("end of input inside parentheses"));
  }
  return {};
}

std::expected<void, LineError> ZoneParser::absolute(std::string_view token, std::string& out, bool& host) const {
  out.clear();
  host = true;
  if (token == "@") {
    if (!origin_known_) return std::unexpected(error("'@' before any $ORIGIN or SOA"));
    out = origin_;
    host = origin_host_;
    return {};
  }
  if (token == ".") return {};
  // A relative name gets the current origin; either way the whole name must fit.
  auto complete = [&](bool absolute_name) -> std::expected<void, LineError> {
    if (!absolute_name) {
      if (!origin_known_) {
        return std::unexpected(error("relative name \"" + util::printable(token) + "\" before any $ORIGIN or SOA"));
      }
      if (!origin_.empty()) {
        out.push_back('.');
        out += origin_;
        host = host && origin_host_;
      }
    }
    if (out.size() > 253) return std::unexpected(error("name over 253 octets"));
    return {};
  };
  if (token.find('\\') == std::string_view::npos) {
    // No escapes (nearly every name): copy, then lower-case and check in place.
    const bool abs = token.back() == '.';
    out.assign(token.substr(0, token.size() - (abs ? 1 : 0)));
    std::size_t label = 0;
    for (char& c : out) {
      if (c == '.') {
        if (label == 0) return std::unexpected(error("empty label in \"" + util::printable(token) + "\""));
        label = 0;
        continue;
      }
      c = lower(c);
      host = host && domain::is_ldh(c);
      if (++label > 63) return std::unexpected(error("label over 63 octets in \"" + util::printable(token) + "\""));
    }
    if (label == 0) return std::unexpected(error("empty label in \"" + util::printable(token) + "\""));
    return complete(abs);
  }
  std::size_t label = 0;  // length of the current label
  bool absolute_name = false;
  for (std::size_t i = 0; i < token.size(); ++i) {
    char c = token[i];
    if (c == '.') {
      if (label == 0) return std::unexpected(error("empty label in \"" + util::printable(token) + "\""));
      if (i + 1 == token.size()) {
        absolute_name = true;
        break;
      }
      out.push_back('.');
      label = 0;
      continue;
    }
    if (c == '\\') {
      // Checked by the tokenizer: a character follows.
      const std::string_view rest = token.substr(i + 1);
      if (rest.size() >= 3 && all_digits(rest.substr(0, 3))) {
        const int v = (rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0');
        if (v > 255) return std::unexpected(error("escape \\" + std::string(rest.substr(0, 3)) + " is over 255"));
        c = static_cast<char>(v);
        i += 3;
      } else if (rest[0] >= '0' && rest[0] <= '9') {
        return std::unexpected(error("escape \\" + util::printable(rest.substr(0, 3)) + " needs three digits"));
      } else {
        c = rest[0];
        i += 1;
      }
      host = host && c != '.';  // an escaped dot is part of a label: not a host name
    }
    c = lower(c);
    host = host && domain::is_ldh(c);
    out.push_back(c);
    if (++label > 63) return std::unexpected(error("label over 63 octets in \"" + util::printable(token) + "\""));
  }
  return complete(absolute_name);
}

std::expected<void, LineError> ZoneParser::directive(const Tokens& t) {
  if (iequals(t[0], "$ORIGIN")) {
    if (token_count_ != 2) return std::unexpected(error("$ORIGIN takes one name"));
    std::string name;
    bool host = true;
    if (auto r = absolute(t[1], name, host); !r) return r;
    if (apex_known_ && !within(name, apex_)) {
      return std::unexpected(error("$ORIGIN " + shown(name) + " is outside the zone " + shown(apex_), true));
    }
    if (!apex_known_) {
      apex_ = name;
      apex_known_ = true;
    }
    origin_ = std::move(name);
    origin_known_ = true;
    origin_host_ = host;
    return {};
  }
  if (iequals(t[0], "$TTL")) {
    if (token_count_ != 2 || !is_ttl(t[1])) return std::unexpected(error("$TTL takes one TTL"));
    return {};
  }
  if (iequals(t[0], "$INCLUDE"))
    return std::unexpected(error("$INCLUDE is not followed (ingest the included file itself)"));
  return std::unexpected(error("unsupported directive " + util::printable(t[0])));
}

std::expected<void, LineError> ZoneParser::entry(const Tokens& t, const NameSink& sink) {
  // The leading tokens: owner, [ttl] [class] in either order, type, and whether data follows.
  const std::size_t have = std::min(token_count_, kKept);
  std::size_t i = 0;
  if (!blank_owner_) {
    if (t[0].starts_with('$')) return directive(t);
    std::string name;
    bool host = true;
    if (auto r = absolute(t[0], name, host); !r) return r;
    owner_ = std::move(name);
    owner_host_ = host;
    i = 1;
    have_owner_ = true;
  } else if (!have_owner_) {
    return std::unexpected(error("the first record has no owner (the line starts with a blank)"));
  }
  for (int k = 0; k < 2 && i < have && (is_ttl(t[i]) || is_class(t[i])); ++k) ++i;
  if (i >= have) return std::unexpected(error("no record type"));
  const std::string_view type = t[i];
  const bool ns = iequals(type, "NS");
  if (!ns && !is_type(type)) return std::unexpected(error("unknown record type \"" + util::printable(type) + "\""));
  if (token_count_ <= i + 1) return std::unexpected(error("no data in the " + util::printable(type) + " record"));
  ++records_;
  if (iequals(type, "SOA")) {
    if (!apex_known_) {
      apex_ = owner_;
      apex_known_ = true;
      if (!origin_known_) {
        origin_ = owner_;
        origin_known_ = true;
        origin_host_ = owner_host_;
      }
    } else if (owner_ != apex_) {
      return std::unexpected(error("SOA of " + shown(owner_) + " in the zone " + shown(apex_), true));
    }
    return {};
  }
  if (apex_known_ && !within(owner_, apex_)) {
    return std::unexpected(error("owner " + shown(owner_) + " is outside the zone " + shown(apex_)));
  }
  if (!ns) return {};
  if (!owner_host_) {
    ++not_host_;
    return {};
  }
  // NS records of one owner are adjacent: one suffix lookup per delegation, not per record.
  if (owner_ == last_ns_owner_) return {};
  last_ns_owner_ = owner_;
  const std::string_view reg = registrable_part(owner_);
  if (reg.empty() || reg == last_emitted_) return {};
  last_emitted_.assign(reg);
  sink(reg);
  return {};
}

std::expected<void, LineError> parse_list_line(std::string_view text, const NameSink& sink) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  if (text.empty() || text.front() == '#' || text.front() == ';') return {};
  std::size_t end = 0;
  while (end < text.size() && text[end] != ' ' && text[end] != '\t' && text[end] != '\r') ++end;
  std::string_view field = text.substr(0, end);
  if (field.starts_with("*.")) field.remove_prefix(2);
  if (field.empty()) return std::unexpected(error("no name"));
  // Host names (any case, maybe a trailing dot) are taken as they are: registries hold A-labels
  // that IDNA2008 refuses (IDNA2003-era or symbol names), and those are look-alikes too. URLs and
  // Unicode go through the domain model's parser.
  thread_local std::string plain;
  plain.clear();
  bool ldh = true;
  for (const char c : field) {
    plain.push_back(lower(c));
    ldh = ldh && (domain::is_ldh(plain.back()) || c == '.');
  }
  if (plain.ends_with('.')) plain.pop_back();
  if (ldh && !plain.empty()) {
    std::size_t label = 0;
    for (const char c : plain) {
      if (c == '.' && label == 0) return std::unexpected(error("empty label in \"" + plain + "\""));
      label = c == '.' ? 0 : label + 1;
      if (label > 63) return std::unexpected(error("label over 63 octets in \"" + plain + "\""));
    }
    if (label == 0) return std::unexpected(error("empty label in \"" + plain + "\""));
    if (plain.size() > 253) return std::unexpected(error("name over 253 octets"));
    const std::string_view reg = registrable_part(plain);
    if (reg.empty()) return std::unexpected(error(plain + " is a public suffix"));
    sink(reg);
    return {};
  }
  auto name = domain::parse(field);
  if (!name) return std::unexpected(error(name.error().message()));
  sink(name->registrable());
  return {};
}

}  // namespace lookalike::ingest
