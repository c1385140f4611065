#include "posture/run.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "domain/domain.hpp"
#include "index/index.hpp"
#include "posture/history.hpp"

namespace lookalike::posture {

std::expected<std::optional<LookalikeSummary>, std::string> summarize_lookalikes(const index::Store& store,
                                                                                 std::string_view brand) {
  auto b = store.get_brand(brand);
  if (!b) return std::unexpected(b.error().message);
  if (!*b) return std::optional<LookalikeSummary>{};
  LookalikeSummary s;
  std::vector<std::string> names;
  auto visited = store.candidates_by_brand(brand, 0, [&](const index::Ranked& r) {
    names.emplace_back(r.name);
    return names.size() < 100'000;
  });
  if (!visited) return std::unexpected(visited.error().message);
  for (const auto& name : names) {
    auto c = store.get_candidate(name);
    if (!c) return std::unexpected(c.error().message);
    if (!*c || !(*c)->state || !((*c)->state->flags & index::state_flag::registered)) continue;
    const auto& cand = **c;
    ++s.registered;
    const bool live_mx = (cand.state->flags & index::state_flag::mx_live) || (cand.state->flags & index::state_flag::has_mx);
    const int score = cand.score ? cand.score->value : -1;
    const int level = cand.score ? cand.score->level : 0;
    if (score > s.worst_score) s.worst_score = score;
    if (live_mx && level >= 3) ++s.live_mx_high;
    if (s.top.size() < 5 && score >= 0) s.top.push_back({cand.name, score, level, live_mx});
  }
  std::stable_sort(s.top.begin(), s.top.end(), [](const auto& x, const auto& y) { return x.score > y.score; });
  return std::optional<LookalikeSummary>{std::move(s)};
}

Finding lookalikes_finding(const std::optional<LookalikeSummary>& summary) {
  Finding f;
  f.id = "lookalikes";
  f.policy_point = 13;
  f.standard = "-";
  if (!summary) {
    f.status = Status::not_assessable;
    f.explanation = "the domain is not a brand in the index (`lookalike brand add`, then `scan`)";
    return f;
  }
  static constexpr const char* levels[] = {"info", "low", "medium", "high", "critical"};
  for (const auto& t : summary->top)
    f.evidence.push_back({"lookalike", t.name + " score " + std::to_string(t.score) + " " + levels[std::clamp(t.level, 0, 4)] +
                                           (t.live_mx ? " mx" : "")});
  if (summary->registered == 0) {
    f.status = Status::info;
    f.explanation = "no registered look-alike found";
  } else if (summary->live_mx_high > 0) {
    f.status = Status::warn;
    f.explanation = std::to_string(summary->live_mx_high) + " registered look-alike(s) at high/critical with mail (MX); " +
                    std::to_string(summary->registered) + " registered in all";
  } else {
    f.status = Status::pass;
    f.explanation = std::to_string(summary->registered) + " registered look-alike(s) monitored, worst score " +
                    std::to_string(std::max(summary->worst_score, 0));
  }
  return f;
}

DomainReport check_domain(std::string_view domain, Dns& dns, PolicyFetcher& fetcher, const RunOptions& options,
                          const std::optional<LookalikeSummary>& lookalikes, std::int64_t now_ms) {
  DomainReport report;
  report.domain = std::string(domain);
  report.checked_at_ms = now_ms;
  MxResult mx = check_mx(domain, dns);
  report.findings.push_back(mx.finding);

  std::vector<Finding> active;
  std::vector<Finding> dane;
  if (options.active && !mx.hosts.empty()) {
    attach_tlsa(mx.hosts, dns);
    active = check_mail_hosts(domain, mx.hosts, options.active_options);
    dane = check_dane(domain, mx.hosts, dns, options.active_options);
  }
  // The policy's order: 1-3, 5 come from the active checks; ids not present were not run.
  auto take = [&](std::string_view id, int point, const char* standard) {
    bool any = false;
    for (const auto& f : active)
      if (f.id == id) {
        report.findings.push_back(f);
        any = true;
      }
    if (!any) {
      Finding f;
      f.id = std::string(id);
      f.policy_point = point;
      f.standard = standard;
      f.status = Status::not_assessable;
      f.explanation = mx.hosts.empty() ? "no MX host to connect to" : "active checks not run (use --active)";
      report.findings.push_back(std::move(f));
    }
  };
  take("starttls", 1, "RFC 3207");
  take("tls-versions", 2, "RFC 8996, RFC 8446");
  take("tls-ciphers", 2, "BCP 195 (RFC 9325)");
  take("certificate", 3, "RFC 5280, RFC 9525, RFC 7817");
  report.findings.push_back(logs_finding());
  take("require-tls", 5, "RFC 3207");

  DmarcResult dmarc = check_dmarc(domain, dns);
  report.findings.push_back(dmarc.reporting);
  Finding sts = check_mta_sts(domain, dns, mx.hosts, fetcher, active);
  bool dane_used = false;
  for (const auto& d : dane) dane_used = dane_used || d.status == Status::pass;
  for (const auto& h : mx.hosts) dane_used = dane_used || !h.tlsa.empty();
  const bool sts_used = sts.status != Status::info && sts.status != Status::error;
  report.findings.push_back(check_tls_rpt(domain, dns, sts_used || dane_used));
  report.findings.push_back(check_spf(domain, dns));
  report.findings.push_back(check_dkim(domain, dns, options.dkim_selectors));
  report.findings.push_back(dmarc.policy);
  if (!dane.empty()) {
    for (auto& d : dane) report.findings.push_back(std::move(d));
  } else {
    Finding f;
    f.id = "dane";
    f.policy_point = 11;
    f.standard = "RFC 7671, RFC 7672";
    f.status = Status::not_assessable;
    f.explanation = mx.hosts.empty() ? "no MX host to check" : "DANE matching needs the active checks (use --active)";
    report.findings.push_back(std::move(f));
  }
  report.findings.push_back(std::move(sts));
  report.findings.push_back(lookalikes_finding(lookalikes));
  report.findings.push_back(check_bimi(domain, dns, dmarc.enforcing));
  return report;
}

int exit_code(std::span<const DomainReport> reports) noexcept {
  Status worst = Status::pass;
  for (const auto& r : reports)
    for (const auto& f : r.findings) worst = worse(worst, f.status);
  switch (worst) {
    case Status::fail: return 2;
    case Status::error: return 3;
    case Status::warn: return 1;
    default: return 0;
  }
}

namespace {

std::string normalise(const std::string& input) {
  if (auto name = domain::parse(input)) return name->ascii;
  std::string s = input;
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

std::expected<Checked, std::string> check_domains(std::span<const std::string> inputs, index::Store* store,
                                                  bool want_diff, Dns& dns, PolicyFetcher& fetcher,
                                                  const RunOptions& options) {
  Checked out;
  for (const auto& input : inputs) {
    const std::string domain = normalise(input);
    std::optional<LookalikeSummary> summary;
    if (store != nullptr) {
      auto s = summarize_lookalikes(*store, domain);
      if (!s) return std::unexpected("posture: " + s.error());
      summary = *s;
    }
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    auto report = check_domain(domain, dns, fetcher, options, summary, now);
    if (store != nullptr) {
      auto previous = latest_run(*store, domain);
      if (!previous) return std::unexpected("posture: " + previous.error());
      if (want_diff) {
        const auto changes = diff(*previous ? &**previous : nullptr, report);
        out.diffs.push_back(describe(domain, *previous ? &**previous : nullptr, changes));
      }
      // Stored as the newest run; regressions and improvements go to the change feed (watch's sinks).
      if (auto stored = record_and_alert(*store, report); !stored) return std::unexpected("posture: " + stored.error());
    } else if (want_diff) {
      return std::unexpected(std::string("posture --diff needs a store (--db) to compare with"));
    }
    out.reports.push_back(std::move(report));
  }
  return out;
}

}  // namespace lookalike::posture
