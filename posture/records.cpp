#include "posture/records.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>
#include <optional>

#include "util/encoding.hpp"

namespace lookalike::posture {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::expected<std::vector<Tag>, std::string> parse_tags(std::string_view text) {
  if (text.size() > kMaxRecordText) return std::unexpected("record longer than 64 KiB");
  std::vector<Tag> tags;
  while (!text.empty()) {
    const auto semi = text.find(';');
    std::string_view spec = trim(text.substr(0, semi));
    text = semi == std::string_view::npos ? std::string_view{} : text.substr(semi + 1);
    if (spec.empty()) continue;  // a trailing ';' (or ";;") is allowed
    const auto eq = spec.find('=');
    if (eq == std::string_view::npos) return std::unexpected("tag without '=': \"" + std::string(spec.substr(0, 40)) + "\"");
    std::string_view name = trim(spec.substr(0, eq));
    if (name.empty() || !std::isalpha(static_cast<unsigned char>(name.front())) ||
        !std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }))
      return std::unexpected("invalid tag name \"" + std::string(name.substr(0, 40)) + "\"");
    std::string key = lower(name);
    if (find_tag(tags, key)) return std::unexpected("duplicate tag \"" + key + "\"");
    if (tags.size() >= 64) return std::unexpected("more than 64 tags");
    tags.push_back({std::move(key), std::string(trim(spec.substr(eq + 1)))});
  }
  return tags;
}

const std::string* find_tag(const std::vector<Tag>& tags, std::string_view name) {
  for (const auto& t : tags)
    if (t.name == name) return &t.value;
  return nullptr;
}

bool is_spf(std::string_view text) noexcept {
  return text.size() >= 6 && iequals(text.substr(0, 6), "v=spf1") && (text.size() == 6 || text[6] == ' ');
}

bool spf_queries_dns(const SpfTerm& term) noexcept {
  if (term.modifier) return term.name == "redirect";
  return term.name == "include" || term.name == "a" || term.name == "mx" || term.name == "ptr" || term.name == "exists";
}

std::expected<std::vector<SpfTerm>, std::string> parse_spf(std::string_view text) {
  if (text.size() > kMaxRecordText) return std::unexpected("record longer than 64 KiB");
  if (!is_spf(text)) return std::unexpected("does not start with \"v=spf1\"");
  text.remove_prefix(6);
  std::vector<SpfTerm> terms;
  bool redirect = false, exp = false;
  while (true) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    if (text.empty()) break;
    const auto end = text.find(' ');
    std::string_view raw = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end);
    if (terms.size() >= 256) return std::unexpected("more than 256 terms");
    SpfTerm term;
    // A modifier is name=value where name starts with a letter and holds no ':' or '/'.
    const auto eq = raw.find('=');
    const auto colon = raw.find_first_of(":/");
    if (eq != std::string_view::npos && (colon == std::string_view::npos || eq < colon)) {
      term.modifier = true;
      term.name = lower(raw.substr(0, eq));
      term.value = std::string(raw.substr(eq + 1));
      if (term.name.empty() || !std::isalpha(static_cast<unsigned char>(term.name.front())) ||
          !std::all_of(term.name.begin(), term.name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
          }))
        return std::unexpected("invalid modifier \"" + std::string(raw.substr(0, 60)) + "\"");
      if (term.name == "redirect" || term.name == "exp") {
        bool& seen = term.name == "redirect" ? redirect : exp;
        if (seen) return std::unexpected("repeated " + term.name + "= modifier");
        seen = true;
        if (term.value.empty()) return std::unexpected(term.name + "= without a domain");
      }
      terms.push_back(std::move(term));
      continue;
    }
    if (raw.front() == '+' || raw.front() == '-' || raw.front() == '~' || raw.front() == '?') {
      term.qualifier = raw.front();
      raw.remove_prefix(1);
    }
    const auto sep = raw.find_first_of(":/");
    term.name = lower(raw.substr(0, sep));
    if (sep != std::string_view::npos) term.value = std::string(raw.substr(raw[sep] == ':' ? sep + 1 : sep));
    const std::string& n = term.name;
    const bool has_colon = sep != std::string_view::npos && raw[sep] == ':';
    if (n == "all") {
      if (sep != std::string_view::npos) return std::unexpected("\"all\" takes no argument");
    } else if (n == "include" || n == "exists") {
      if (!has_colon || term.value.empty()) return std::unexpected(n + " without a domain");
    } else if (n == "ip4" || n == "ip6") {
      if (!has_colon || term.value.empty()) return std::unexpected(n + " without an address");
    } else if (n == "a" || n == "mx" || n == "ptr") {
      if (has_colon && term.value.empty()) return std::unexpected(n + ": with an empty domain");
    } else {
      return std::unexpected("unknown mechanism \"" + std::string(raw.substr(0, 60)) + "\"");
    }
    terms.push_back(std::move(term));
  }
  return terms;
}

std::expected<StsPolicy, std::string> parse_sts_policy(std::string_view text) {
  if (text.size() > kMaxRecordText) return std::unexpected("policy longer than 64 KiB");
  StsPolicy policy;
  bool have_version = false, have_mode = false;
  std::size_t lines = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) continue;
    if (++lines > 1000) return std::unexpected("more than 1000 lines");
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return std::unexpected("line without ':': \"" + std::string(line.substr(0, 60)) + "\"");
    const std::string key = lower(trim(line.substr(0, colon)));
    const std::string_view value = trim(line.substr(colon + 1));
    if (key == "version") {
      policy.version = std::string(value);
      have_version = true;
    } else if (key == "mode") {
      policy.mode = std::string(value);
      have_mode = true;
    } else if (key == "mx") {
      if (policy.mx.size() >= 100) return std::unexpected("more than 100 mx lines");
      policy.mx.push_back(lower(value));
    } else if (key == "max_age") {
      std::int64_t age = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), age);
      if (ec != std::errc{} || p != value.data() + value.size() || value.size() > 10 || age < 0 || age > 31557600)
        return std::unexpected("max_age is not a number of seconds in 0..31557600");
      policy.max_age = age;
    }  // other keys are extensions (RFC 8461 §3.2): ignored
  }
  if (!have_version || policy.version != "STSv1") return std::unexpected("version is not STSv1");
  if (!have_mode || (policy.mode != "enforce" && policy.mode != "testing" && policy.mode != "none"))
    return std::unexpected("mode is not enforce, testing or none");
  if (!policy.max_age) return std::unexpected("max_age missing");
  if (policy.mode != "none" && policy.mx.empty()) return std::unexpected("no mx line");
  return policy;
}

bool sts_mx_matches(std::string_view pattern, std::string_view host) noexcept {
  if (pattern.starts_with("*.")) {
    const auto dot = host.find('.');
    return dot != std::string_view::npos && dot > 0 && iequals(host.substr(dot + 1), pattern.substr(2));
  }
  return iequals(pattern, host);
}

std::expected<FetchedPolicy, std::string> parse_http_response(std::string_view raw) {
  const auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string_view::npos || head_end > kMaxHttpHead) return std::unexpected("no complete HTTP header");
  std::string_view head = raw.substr(0, head_end);
  std::string_view body = raw.substr(head_end + 4);
  FetchedPolicy out;
  const auto line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, line_end);
  if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12) return std::unexpected("not an HTTP/1.x response");
  unsigned status = 0;
  auto [p, ec] = std::from_chars(status_line.data() + 9, status_line.data() + 12, status);
  if (ec != std::errc{} || p != status_line.data() + 12 || status < 100 || status > 599) return std::unexpected("bad status line");
  out.status = status;
  bool chunked = false;
  std::optional<std::size_t> content_length;
  head = line_end == std::string_view::npos ? std::string_view{} : head.substr(line_end + 2);
  while (!head.empty()) {
    const auto e = head.find("\r\n");
    const std::string_view line = head.substr(0, e);
    head = e == std::string_view::npos ? std::string_view{} : head.substr(e + 2);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return std::unexpected("malformed header line");
    const std::string name = lower(trim(line.substr(0, colon)));
    const std::string_view value = trim(line.substr(colon + 1));
    if (name == "content-type") out.content_type = std::string(value);
    else if (name == "location") out.location = std::string(value);
    else if (name == "transfer-encoding") chunked = lower(value).find("chunked") != std::string::npos;
    else if (name == "content-length") {
      std::size_t n = 0;
      auto [q, ec2] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec2 != std::errc{} || q != value.data() + value.size()) return std::unexpected("bad Content-Length");
      content_length = n;
    }
  }
  if (content_length && *content_length > kMaxRecordText) return std::unexpected("policy larger than 64 KiB");
  if (chunked) {
    std::string decoded;
    while (true) {
      const auto e = body.find("\r\n");
      if (e == std::string_view::npos) return std::unexpected("truncated chunked body");
      std::size_t size = 0;
      const std::string_view hex = body.substr(0, body.substr(0, e).find(';'));
      auto [q, ec2] = std::from_chars(hex.data(), hex.data() + hex.size(), size, 16);
      if (ec2 != std::errc{} || hex.empty()) return std::unexpected("bad chunk size");
      body.remove_prefix(e + 2);
      if (size == 0) break;
      if (size > kMaxRecordText || decoded.size() + size > kMaxRecordText) return std::unexpected("policy larger than 64 KiB");
      if (body.size() < size + 2) return std::unexpected("truncated chunked body");
      decoded.append(body.substr(0, size));
      body.remove_prefix(size + 2);
    }
    out.body = std::move(decoded);
  } else {
    if (content_length) {
      if (body.size() < *content_length) return std::unexpected("truncated body");
      body = body.substr(0, *content_length);
    }
    if (body.size() > kMaxRecordText) return std::unexpected("policy larger than 64 KiB");
    out.body = std::string(body);
  }
  return out;
}

std::optional<char> spf_all_qualifier(const std::vector<SpfTerm>& terms) noexcept {
  for (const auto& t : terms) {
    if (!t.modifier && t.name == "all") return t.qualifier;
  }
  return std::nullopt;
}

bool spf_authorises_senders(const std::vector<SpfTerm>& terms) noexcept {
  for (const auto& t : terms) {
    if (!t.modifier && t.name == "all") return false;  // terms after the first "all" never run
    if (t.modifier ? t.name == "redirect" : t.qualifier == '+') return true;
  }
  return false;
}

std::optional<std::string> dmarc_policy(std::string_view record) {
  auto tags = parse_tags(record);
  if (!tags || tags->empty() || tags->front().name != "v") return std::nullopt;
  const std::string* p = find_tag(*tags, "p");
  if (p == nullptr || (*p != "none" && *p != "quarantine" && *p != "reject")) return std::nullopt;
  return *p;
}

// ---------------------------------------------------------------------------------------------
// DKIM keys

std::vector<std::string> dkim_selectors(std::span<const std::string> user) {
  std::vector<std::string> names(user.begin(), user.end());
  for (auto s : kGuessedDkimSelectors)
    if (std::find(names.begin(), names.end(), s) == names.end()) names.emplace_back(s);
  return names;
}

std::string dkim_hint_name(std::string_view domain) { return "_domainkey." + std::string(domain); }

std::string dkim_key_name(std::string_view selector, std::string_view domain) {
  return std::string(selector) + "._domainkey." + std::string(domain);
}

std::optional<DkimKey> read_dkim_key(std::string_view record) {
  if (record.find("p=") == std::string_view::npos) return std::nullopt;
  DkimKey key;
  auto unusable = [&](std::string why) {
    key.kind = DkimKey::Kind::unusable;
    key.text = std::move(why);
    return key;
  };
  auto tags = parse_tags(record);
  if (!tags) return unusable("unparsable: " + tags.error());
  if (const auto* v = find_tag(*tags, "v"); v && *v != "DKIM1") return unusable("v=" + *v + " is not DKIM1");
  const auto* k = find_tag(*tags, "k");
  const std::string type = k ? *k : "rsa";
  const auto* p = find_tag(*tags, "p");
  if (!p) return unusable("no p= tag");
  std::string b64;
  for (char c : *p)
    if (c != ' ' && c != '\t') b64.push_back(c);
  if (b64.empty()) {
    key.kind = DkimKey::Kind::revoked;
    key.text = "revoked (empty p=)";
    return key;
  }
  auto der = util::base64_decode(b64);
  if (!der) return unusable("p= is not base64");
  if (type == "ed25519") {
    if (der->size() != 32) return unusable("Ed25519 key of " + std::to_string(der->size()) + " bytes (32 expected)");
    key.kind = DkimKey::Kind::ed25519;
    key.bits = 256;
    key.text = "Ed25519";
  } else if (type == "rsa") {
    const unsigned char* in = der->data();
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(d2i_PUBKEY(nullptr, &in, static_cast<long>(der->size())),
                                                             &EVP_PKEY_free);
    if (!pkey) return unusable("p= is not a SubjectPublicKeyInfo RSA key");
    if (EVP_PKEY_base_id(pkey.get()) != EVP_PKEY_RSA) return unusable("k=rsa but the key is not RSA");
    key.bits = EVP_PKEY_get_bits(pkey.get());
    if (key.bits < 1024) return unusable("RSA " + std::to_string(key.bits) + " bits (RFC 8301: at least 1024)");
    key.kind = DkimKey::Kind::rsa;
    key.text = "RSA " + std::to_string(key.bits) + " bits";
  } else {
    return unusable("unknown key type k=" + type);
  }
  const auto* t = find_tag(*tags, "t");
  key.testing = t && t->find('y') != std::string::npos;
  if (key.testing) key.text += ", t=y (testing)";
  return key;
}

bool dkim_key_signs(const DkimKey& key) noexcept {
  return (key.kind == DkimKey::Kind::rsa || key.kind == DkimKey::Kind::ed25519) && !key.testing;
}

}  // namespace lookalike::posture
