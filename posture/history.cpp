#include "posture/history.hpp"

#include "index/index.hpp"
#include "posture/render.hpp"
#include "util/time.hpp"

namespace lookalike::posture {
namespace {

// Severity for regressions: not_assessable/info/pass are equally fine.
int severity(Status s) noexcept {
  switch (s) {
    case Status::fail: return 3;
    case Status::error: return 2;
    case Status::warn: return 1;
    default: return 0;
  }
}

}  // namespace

std::expected<void, std::string> store_run(index::Store& store, const DomainReport& report) {
  auto r = store.put_posture_run(report.domain, report.checked_at_ms, to_json(report));
  if (!r) return std::unexpected(r.error().message);
  return {};
}

std::expected<std::optional<DomainReport>, std::string> latest_run(const index::Store& store, std::string_view domain) {
  std::optional<DomainReport> out;
  std::string bad;
  auto r = store.posture_runs(domain, [&](index::Time, std::string_view payload) {
    auto parsed = from_json(payload);
    if (parsed) out = std::move(*parsed);
    else bad = parsed.error();
    return false;
  });
  if (!r) return std::unexpected(r.error().message);
  if (!bad.empty()) return std::unexpected("stored posture run of " + std::string(domain) + ": " + bad);
  return out;
}

std::vector<Change> diff(const DomainReport* before, const DomainReport& after) {
  std::vector<Change> out;
  if (!before) return out;
  auto find = [](const DomainReport& r, const Finding& f) -> const Finding* {
    for (const auto& x : r.findings)
      if (x.id == f.id && x.subject == f.subject) return &x;
    return nullptr;
  };
  for (const auto& f : after.findings) {
    const Finding* old = find(*before, f);
    if (!old) out.push_back({f.id, f.subject, std::nullopt, f.status, f.explanation});
    else if (old->status != f.status) out.push_back({f.id, f.subject, old->status, f.status, f.explanation});
  }
  for (const auto& f : before->findings)
    if (!find(after, f)) out.push_back({f.id, f.subject, f.status, std::nullopt, f.explanation});
  return out;
}

bool regressed(const Change& c) noexcept {
  const int b = c.before ? severity(*c.before) : 0;
  const int a = c.after ? severity(*c.after) : 0;
  return a > b;
}

bool improved(const Change& c) noexcept {
  const int b = c.before ? severity(*c.before) : 0;
  const int a = c.after ? severity(*c.after) : 0;
  return a < b;
}

std::string describe(std::string_view domain, const DomainReport* before, const std::vector<Change>& changes) {
  std::string out = "posture diff " + std::string(domain);
  if (!before) return out + ": no previous run to compare with\n";
  out += " (since " + util::format_rfc3339(before->checked_at_ms) + ")";
  if (changes.empty()) return out + ": no change\n";
  out += "\n";
  for (const auto& c : changes) {
    out += "  " + c.id + (c.subject.empty() ? "" : " [" + c.subject + "]") + ": " +
           (c.before ? std::string(to_string(*c.before)) : "new") + " -> " +
           (c.after ? std::string(to_string(*c.after)) : "gone") + (regressed(c) ? " (regressed)" : improved(c) ? " (improved)" : "") +
           ": " + c.explanation + "\n";
  }
  return out;
}

}  // namespace lookalike::posture
