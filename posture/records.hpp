#pragma once
// Bounded parsers for the mail-policy records posture grades: tag-value lists (DMARC, TLS-RPT,
// DKIM keys, BIMI, the MTA-STS TXT), SPF records and the MTA-STS policy file. The input is
// untrusted DNS and HTTP text: every parser caps its input and its output and never throws.
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::posture {

// Longest record text any parser accepts (a TXT RRset can be large; a policy is <= 64 KiB).
inline constexpr std::size_t kMaxRecordText = 64 * 1024;
// Longest HTTP response header the policy fetch reads.
inline constexpr std::size_t kMaxHttpHead = 16 * 1024;

struct Tag {
  std::string name;   // lower-case
  std::string value;  // whitespace around it trimmed
};

// A tag-list (RFC 6376 §3.2, used by RFC 7489 §6.4, RFC 8460 §3, RFC 8461 §3.1): "a=b; c=d".
// Error text on a missing '=', an empty or invalid tag name, a duplicate tag, or > 64 tags.
[[nodiscard]] std::expected<std::vector<Tag>, std::string> parse_tags(std::string_view text);
// The value of `name` in `tags`, or nullptr.
[[nodiscard]] const std::string* find_tag(const std::vector<Tag>& tags, std::string_view name);

// One SPF term (RFC 7208 §4.6.1): a mechanism with its qualifier, or a modifier (name=value).
struct SpfTerm {
  bool modifier = false;
  char qualifier = '+';  // '+', '-', '~', '?' (mechanisms only)
  std::string name;      // lower-case: "all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists", or a modifier name
  std::string value;     // domain-spec / address / modifier value, without ':' or '='; may carry "/cidr"
};

// True for the mechanisms and modifiers that cost a DNS lookup (RFC 7208 §4.6.4).
[[nodiscard]] bool spf_queries_dns(const SpfTerm& term) noexcept;

// An SPF record "v=spf1 ..." split into terms; error text for the first syntax error (an unknown
// mechanism, a missing domain, a repeated redirect/exp). At most 256 terms.
[[nodiscard]] std::expected<std::vector<SpfTerm>, std::string> parse_spf(std::string_view text);
// True when a TXT string is an SPF record (starts with "v=spf1" followed by a space or its end).
[[nodiscard]] bool is_spf(std::string_view text) noexcept;
// The qualifier of the first "all" mechanism of a parsed record ('+', '-', '~', '?'): the one that
// matches (later terms never run); nullopt when the record has none (redirect= may then decide).
[[nodiscard]] std::optional<char> spf_all_qualifier(const std::vector<SpfTerm>& terms) noexcept;
// True when a parsed record passes some sender before its "all": a '+' mechanism other than
// "all" (ip4, a, mx, include, ...) or a redirect=. A record of only "-all" authorises no one.
[[nodiscard]] bool spf_authorises_senders(const std::vector<SpfTerm>& terms) noexcept;

// The p= policy of a DMARC record ("none", "quarantine", "reject"); nullopt when the record is not
// a tag list starting with v=, or p= is missing or another value (receivers ignore it, RFC 7489).
[[nodiscard]] std::optional<std::string> dmarc_policy(std::string_view record);

// The selectors a DKIM lookup tries besides the user's (common provider defaults; a guess list
// can only hint, selectors cannot be enumerated). Used by posture's dkim check and by the
// look-alike mail readiness alike.
inline constexpr std::string_view kGuessedDkimSelectors[] = {"default", "selector1", "selector2", "google", "k1",
                                                              "s1", "s2", "dkim", "mail"};
// The selectors to ask: `user` first, then the guess list without repeats.
[[nodiscard]] std::vector<std::string> dkim_selectors(std::span<const std::string> user = {});
// "_domainkey.<domain>": exists (an empty non-terminal at least) when any selector is published.
[[nodiscard]] std::string dkim_hint_name(std::string_view domain);
// "<selector>._domainkey.<domain>": where one key's TXT record lives.
[[nodiscard]] std::string dkim_key_name(std::string_view selector, std::string_view domain);

// One DKIM key record (RFC 6376 §3.6.1) as read: its kind, size and flags, and a one-line text
// ("RSA 2048 bits", "Ed25519, t=y (testing)", "revoked (empty p=)", "no p= tag", ...).
struct DkimKey {
  enum class Kind : std::uint8_t {
    unusable,  // no verifier accepts it: bad syntax, v= not DKIM1, no or bad p=, unknown k=, RSA < 1024 (RFC 8301)
    revoked,   // empty p=
    rsa,
    ed25519,   // RFC 8463
  };
  Kind kind = Kind::unusable;
  int bits = 0;          // RSA modulus size; 256 for Ed25519
  bool testing = false;  // t=y: verifiers treat its signatures like none (RFC 6376 §3.6.1)
  std::string text;
};
// Reads a TXT string published at a DKIM key name; nullopt when it is no key record (no "p=").
[[nodiscard]] std::optional<DkimKey> read_dkim_key(std::string_view record);
// True when the key makes signatures receivers count: a usable RSA or Ed25519 key, not t=y.
[[nodiscard]] bool dkim_key_signs(const DkimKey& key) noexcept;

// The MTA-STS policy file (RFC 8461 §3.2): "key: value" lines.
struct StsPolicy {
  std::string version;             // "STSv1"
  std::string mode;                // "enforce", "testing", "none"
  std::vector<std::string> mx;     // patterns, lower-case ("mail.example.com", "*.example.net")
  std::optional<std::int64_t> max_age;
};
// Error text when a required key (version, mode, max_age; mx unless mode is none) is missing or
// invalid, or a line is not "key: value".
[[nodiscard]] std::expected<StsPolicy, std::string> parse_sts_policy(std::string_view text);
// True when an MX host matches a policy pattern ("*.example.com" covers one leftmost label).
[[nodiscard]] bool sts_mx_matches(std::string_view pattern, std::string_view host) noexcept;

// The policy file as the HTTPS server returned it (no redirects followed).
struct FetchedPolicy {
  unsigned status = 0;
  std::string content_type;
  std::string location;   // a redirect's target, for evidence
  std::string body;       // at most 64 KiB
  std::string peer;       // the address it came from
};
// Parses one HTTP/1.1 response (status line, headers, body; chunked or not); error text when it
// is malformed or the body exceeds 64 KiB.
[[nodiscard]] std::expected<FetchedPolicy, std::string> parse_http_response(std::string_view raw);

}  // namespace lookalike::posture
