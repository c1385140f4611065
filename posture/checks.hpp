#pragma once
// The DNS-only checks of POSTURE.md, each a pure function of what a posture::Dns answers (plus the
// MTA-STS policy fetch behind PolicyFetcher): one graded Finding with the records as evidence.
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "posture/active.hpp"
#include "posture/dns.hpp"
#include "posture/posture.hpp"
#include "posture/records.hpp"

namespace lookalike::posture {

// The mx finding plus what later checks need: the usable hosts in preference order.
struct MxResult {
  Finding finding;
  std::vector<MailHost> hosts;  // without the null MX
  bool null_mx = false;
  bool domain_exists = true;
};
[[nodiscard]] MxResult check_mx(std::string_view domain, Dns& dns);

// spf: the record walked recursively, counting DNS-querying terms and void lookups (RFC 7208 §4.6.4).
[[nodiscard]] Finding check_spf(std::string_view domain, Dns& dns);

// dmarc-reporting and dmarc-policy from one lookup (with the organisational-domain fallback).
struct DmarcResult {
  Finding reporting;
  Finding policy;
  bool enforcing = false;  // p=quarantine/reject at pct=100
};
[[nodiscard]] DmarcResult check_dmarc(std::string_view domain, Dns& dns);

// tls-rpt: `_smtp._tls` TXT; a missing record is a warn when MTA-STS or DANE is in use.
[[nodiscard]] Finding check_tls_rpt(std::string_view domain, Dns& dns, bool sts_or_dane_used);

// dkim: the `_domainkey` hint and each selector's key (dkim_selectors: the user's, then the
// guess list kGuessedDkimSelectors of records.hpp).
[[nodiscard]] Finding check_dkim(std::string_view domain, Dns& dns, std::span<const std::string> selectors);

// bimi: `default._bimi` TXT; needs an enforcing DMARC policy.
[[nodiscard]] Finding check_bimi(std::string_view domain, Dns& dns, bool dmarc_enforcing);

// Fetches https://mta-sts.<domain>/.well-known/mta-sts.txt; injectable so the check is testable.
class PolicyFetcher {
 public:
  virtual ~PolicyFetcher() = default;
  [[nodiscard]] virtual std::expected<FetchedPolicy, std::string> fetch(std::string_view policy_host) = 0;
};

// mta-sts: TXT, policy, mode, mx coverage, max_age; in enforce mode a starttls/certificate
// failure among `active` findings for a covered host fails it too.
[[nodiscard]] Finding check_mta_sts(std::string_view domain, Dns& dns, std::span<const MailHost> hosts,
                                    PolicyFetcher& fetcher, std::span<const Finding> active);

// logs: cannot be seen from outside.
[[nodiscard]] Finding logs_finding();

// True when `answer` exists: NOERROR (with or without data).
[[nodiscard]] bool exists(const Answer& answer) noexcept;
// The TXT strings of an answer, each record's character-strings joined.
[[nodiscard]] std::vector<std::string> txt_strings(const Answer& answer);

}  // namespace lookalike::posture
