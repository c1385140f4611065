#include "posture/checks.hpp"

#include <algorithm>
#include <charconv>
#include <deque>
#include <memory>
#include <set>

#include "domain/domain.hpp"
#include "posture/rdata.hpp"
#include "posture/records.hpp"
#include "scoring/probe.hpp"

namespace lookalike::posture {
namespace {

Finding make(std::string id, int point, std::string standard) {
  Finding f;
  f.id = std::move(id);
  f.policy_point = point;
  f.standard = std::move(standard);
  return f;
}

void grade(Finding& f, Status status, std::string explanation) {
  f.status = status;
  f.explanation = std::move(explanation);
}

std::string rcode_text(const Answer& a) {
  switch (a.rcode) {
    case Answer::Rcode::noerror: return a.rdata.empty() ? "NOERROR (no records)" : "NOERROR";
    case Answer::Rcode::nxdomain: return "NXDOMAIN";
    case Answer::Rcode::servfail: return "SERVFAIL";
    case Answer::Rcode::refused: return "REFUSED";
    case Answer::Rcode::timeout: return "timeout: " + a.error;
    case Answer::Rcode::error: return "error: " + a.error;
  }
  return "error";
}

bool failed(const Answer& a) noexcept {
  return a.rcode != Answer::Rcode::noerror && a.rcode != Answer::Rcode::nxdomain;
}

Answer ask(Dns& dns, std::string name, std::uint16_t type) {
  Question q{std::move(name), type};
  auto answers = dns.resolve(std::span(&q, 1));
  return answers.empty() ? Answer{} : std::move(answers.front());
}

// The TXT strings of `answer` that start with `prefix` (case-insensitive), as evidence too.
std::vector<std::string> records_with(const Answer& answer, std::string_view prefix, Finding& f, std::string_view owner) {
  std::vector<std::string> out;
  for (auto& t : txt_strings(answer)) {
    std::string head = t.substr(0, prefix.size());
    for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (head == prefix) {
      f.evidence.push_back({"record", std::string(owner) + " TXT \"" + scoring::sanitize_text(t, 4096) + "\""});
      out.push_back(std::move(t));
    }
  }
  return out;
}

// Asks `owner` TXT and keeps the records starting with `prefix` (kept as evidence); nullopt, with
// `f` graded error, when the lookup failed. With no such record the lookup's outcome is evidence.
std::optional<std::vector<std::string>> policy_records(Dns& dns, Finding& f, const std::string& owner,
                                                       std::string_view prefix, std::string_view what) {
  const Answer a = ask(dns, owner, rrtype::txt);
  if (failed(a)) {
    f.evidence.push_back({"dns", owner + " TXT: " + rcode_text(a)});
    grade(f, Status::error, "the " + std::string(what) + " lookup failed (" + rcode_text(a) + ")");
    return std::nullopt;
  }
  auto records = records_with(a, prefix, f, owner);
  if (records.empty()) f.evidence.push_back({"dns", owner + " TXT: " + rcode_text(a)});
  return records;
}

std::string org_domain(std::string_view domain) {
  auto name = domain::parse(domain);
  return name ? name->registrable() : std::string(domain);
}

// The domain part of a mailto: URI ("mailto:d@rua.example.net!10m" -> "rua.example.net").
std::string mailto_domain(std::string_view uri) {
  if (uri.size() < 7) return {};
  std::string scheme(uri.substr(0, 7));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "mailto:") return {};
  uri.remove_prefix(7);
  const auto at = uri.rfind('@');
  if (at == std::string_view::npos) return {};
  std::string_view host = uri.substr(at + 1);
  host = host.substr(0, host.find('!'));
  std::string out(host);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> split_uris(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty() && out.size() < 32) {
    const auto comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  return out;
}

}  // namespace

bool exists(const Answer& answer) noexcept { return answer.rcode == Answer::Rcode::noerror; }

std::vector<std::string> txt_strings(const Answer& answer) {
  std::vector<std::string> out;
  for (const auto& r : answer.rdata)
    if (auto t = txt_text(r)) out.push_back(std::move(*t));
  return out;
}

Finding logs_finding() {
  Finding f = make("logs", 4, "-");
  grade(f, Status::not_assessable, "SMTP connection logging cannot be seen from outside");
  return f;
}

// ---------------------------------------------------------------------------------------------
// mx

MxResult check_mx(std::string_view domain, Dns& dns) {
  MxResult out;
  Finding& f = out.finding;
  f = make("mx", 0, "RFC 5321 §5.1, RFC 7505");
  const Answer mx = ask(dns, std::string(domain), rrtype::mx);
  f.evidence.push_back({"dns", std::string(domain) + " MX: " + rcode_text(mx)});
  if (failed(mx)) {
    grade(f, Status::error, "the MX lookup failed (" + rcode_text(mx) + ")");
    return out;
  }
  if (mx.rcode == Answer::Rcode::nxdomain) {
    out.domain_exists = false;
    grade(f, Status::fail, "the domain does not exist (NXDOMAIN)");
    return out;
  }
  std::vector<MxRecord> records;
  for (const auto& r : mx.rdata) {
    auto rec = mx_record(r);
    if (!rec) continue;
    f.evidence.push_back({"record", std::string(domain) + " MX " + std::to_string(rec->preference) + " " + rec->host});
    records.push_back(std::move(*rec));
  }
  std::stable_sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.preference < b.preference; });
  if (records.empty()) {
    grade(f, Status::warn, "no MX record: senders fall back to the domain's A/AAAA (RFC 5321 §5.1)");
    return out;
  }
  const bool has_null = std::any_of(records.begin(), records.end(), [](const auto& r) { return r.host == "."; });
  if (has_null && records.size() > 1) {
    out.null_mx = true;
    grade(f, Status::fail, "a null MX mixed with other MX records (RFC 7505 §3)");
    return out;
  }
  if (has_null) {
    out.null_mx = true;
    grade(f, Status::pass, "null MX: the domain declares that it accepts no mail (RFC 7505)");
    return out;
  }
  std::vector<Question> qs;
  for (const auto& r : records) {
    qs.push_back({r.host, rrtype::a});
    qs.push_back({r.host, rrtype::aaaa});
  }
  const auto answers = dns.resolve(qs);
  std::vector<std::string> problems;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    MailHost host;
    host.name = r.host;
    host.preference = r.preference;
    const Answer& a = answers[2 * i];
    const Answer& aaaa = answers[2 * i + 1];
    if (scoring::parse_address(r.host)) {
      problems.push_back(r.host + " is an IP address, not a host name");
    } else if (!a.canonical_name.empty() || !aaaa.canonical_name.empty()) {
      const std::string target = !a.canonical_name.empty() ? a.canonical_name : aaaa.canonical_name;
      problems.push_back(r.host + " is a CNAME (to " + target + "), not allowed by RFC 5321 §5.1");
    }
    for (const Answer* ans : {&a, &aaaa})
      for (const auto& rd : ans->rdata)
        if (auto t = address_text(rd)) host.addresses.push_back(*t);
    f.evidence.push_back({"dns", r.host + " A/AAAA: " +
                                     (host.addresses.empty() ? rcode_text(a) : [&] {
                                       std::string s;
                                       for (const auto& x : host.addresses) s += (s.empty() ? "" : " ") + x;
                                       return s;
                                     }())});
    if (host.addresses.empty() && !scoring::parse_address(r.host)) problems.push_back(r.host + " does not resolve");
    out.hosts.push_back(std::move(host));
  }
  if (!problems.empty()) {
    std::string text;
    for (const auto& p : problems) text += (text.empty() ? "" : "; ") + p;
    grade(f, Status::fail, text);
  } else {
    grade(f, Status::pass, std::to_string(records.size()) + " MX host(s), each with an address");
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// spf

Finding check_spf(std::string_view domain, Dns& dns) {
  Finding f = make("spf", 8, "RFC 7208 §4.6.4, §5");
  const Answer top = ask(dns, std::string(domain), rrtype::txt);
  if (failed(top)) {
    f.evidence.push_back({"dns", std::string(domain) + " TXT: " + rcode_text(top)});
    grade(f, Status::error, "the TXT lookup failed (" + rcode_text(top) + ")");
    return f;
  }
  auto records = records_with(top, "v=spf1", f, domain);
  // records_with compares a prefix; "v=spf10" is not SPF.
  std::erase_if(records, [](const std::string& r) { return !is_spf(r); });
  if (records.empty()) {
    grade(f, Status::fail, "no SPF record");
    return f;
  }
  if (records.size() > 1) {
    grade(f, Status::fail, "permerror: " + std::to_string(records.size()) + " SPF records (RFC 7208 §4.5)");
    return f;
  }
  // Walk breadth-first so each level's lookups go out as one batch.
  struct Pending {
    std::string domain;
    std::string text;  // empty: still to be fetched
  };
  int lookups = 0, voids = 0;
  std::vector<std::string> errors, warnings;
  std::optional<char> all_qualifier;
  bool uses_ptr = false;
  // The record whose "all" is the domain's policy: the top one, or its redirect= chain.
  std::string policy_domain(domain);
  std::deque<Pending> level{{std::string(domain), records.front()}};
  std::set<std::string> visited{std::string(domain)};
  for (int depth = 0; !level.empty() && depth < 12 && errors.empty(); ++depth) {
    // Fetch the records of this level's include/redirect targets.
    std::vector<Question> fetch;
    for (const auto& p : level)
      if (p.text.empty()) fetch.push_back({p.domain, rrtype::txt});
    const auto fetched = dns.resolve(fetch);
    std::size_t fi = 0;
    std::deque<Pending> next;
    std::vector<Question> probes;  // a/mx/exists targets, asked only to count void lookups
    for (auto& p : level) {
      if (p.text.empty()) {
        const Answer& a = fetched[fi++];
        if (failed(a)) {
          errors.push_back("temperror: TXT lookup of " + p.domain + " " + rcode_text(a));
          continue;
        }
        if (a.rcode == Answer::Rcode::nxdomain || a.rdata.empty()) ++voids;
        auto found = records_with(a, "v=spf1", f, p.domain);
        std::erase_if(found, [](const std::string& r) { return !is_spf(r); });
        if (found.size() != 1) {
          errors.push_back("permerror: " + p.domain + " has " + std::to_string(found.size()) + " SPF records");
          continue;
        }
        p.text = std::move(found.front());
      }
      auto terms = parse_spf(p.text);
      if (!terms) {
        errors.push_back("permerror in " + p.domain + ": " + terms.error());
        continue;
      }
      bool has_all = false;
      const bool top_level = p.domain == policy_domain;
      const SpfTerm* redirect = nullptr;
      for (const auto& t : *terms) {
        if (spf_queries_dns(t)) ++lookups;
        if (!t.modifier && t.name == "all") {
          const bool has_all_before = has_all;
          has_all = true;
          if (top_level && !has_all_before) all_qualifier = t.qualifier;  // the first "all" matches; later terms never run
        }
        if (!t.modifier && t.name == "ptr") uses_ptr = true;
        if (t.modifier && t.name == "redirect") redirect = &t;
        const bool macro = t.value.find('%') != std::string::npos;
        std::string target = t.value.substr(0, t.value.find('/'));
        if (target.empty()) target = p.domain;
        if (macro) continue;  // needs the sender's address to expand; counted, not followed
        if (!t.modifier && t.name == "include") {
          if (visited.insert(target).second) next.push_back({target, {}});
        } else if (!t.modifier && (t.name == "a" || t.name == "mx" || t.name == "exists")) {
          probes.push_back({target, t.name == "mx" ? rrtype::mx : rrtype::a});
        }
      }
      // redirect= applies only when the record has no "all" (RFC 7208 §6.1).
      if (redirect && !has_all && redirect->value.find('%') == std::string::npos) {
        if (visited.insert(redirect->value).second) next.push_back({redirect->value, {}});
        if (top_level) policy_domain = redirect->value;  // its "all" decides
      }
    }
    for (const auto& a : dns.resolve(probes))
      if (a.rcode == Answer::Rcode::nxdomain || (a.rcode == Answer::Rcode::noerror && a.rdata.empty())) ++voids;
    level = std::move(next);
    if (lookups > 10) break;
  }
  f.evidence.push_back({"spf", "dns lookups " + std::to_string(lookups) + "/10, void lookups " + std::to_string(voids) + "/2"});
  if (lookups > 10) errors.push_back("permerror: " + std::to_string(lookups) + " DNS-querying terms (limit 10)");
  if (voids > 2) errors.push_back("permerror: " + std::to_string(voids) + " void lookups (limit 2)");
  if (all_qualifier == '+') errors.push_back("+all authorises every sender");
  if (!errors.empty()) {
    std::string text;
    for (const auto& e : errors) text += (text.empty() ? "" : "; ") + e;
    grade(f, Status::fail, text);
    return f;
  }
  if (!all_qualifier) warnings.push_back("no \"all\" term: unmatched senders get neutral");
  if (all_qualifier == '?') warnings.push_back("?all: unmatched senders get neutral");
  if (uses_ptr) warnings.push_back("uses \"ptr\" (RFC 7208 §5.5: do not use)");
  if (lookups >= 9) warnings.push_back(std::to_string(lookups) + " of 10 DNS lookups used");
  if (!warnings.empty()) {
    std::string text;
    for (const auto& w : warnings) text += (text.empty() ? "" : "; ") + w;
    grade(f, Status::warn, text);
    return f;
  }
  grade(f, Status::pass, std::string("valid SPF ending in ") + *all_qualifier + "all, " + std::to_string(lookups) +
                             " DNS lookup(s)");
  return f;
}

// ---------------------------------------------------------------------------------------------
// dmarc

DmarcResult check_dmarc(std::string_view domain, Dns& dns) {
  DmarcResult out;
  out.reporting = make("dmarc-reporting", 6, "RFC 7489 §7.1");
  out.policy = make("dmarc-policy", 10, "RFC 7489 §6.3");
  Finding evidence = make("", 0, "");
  std::string owner = "_dmarc." + std::string(domain);
  Answer a = ask(dns, owner, rrtype::txt);
  std::vector<std::string> records;
  bool inherited = false;
  if (!failed(a)) records = records_with(a, "v=dmarc1", evidence, owner);
  const std::string org = org_domain(domain);
  if (!failed(a) && records.empty() && org != domain) {
    // RFC 7489 §6.6.3: fall back to the organisational domain's record.
    evidence.evidence.push_back({"dns", owner + " TXT: no DMARC record; trying the organisational domain"});
    owner = "_dmarc." + org;
    a = ask(dns, owner, rrtype::txt);
    if (!failed(a)) records = records_with(a, "v=dmarc1", evidence, owner);
    inherited = true;
  }
  auto both = [&](Status s, const std::string& text) {
    for (Finding* f : {&out.reporting, &out.policy}) {
      f->evidence = evidence.evidence;
      grade(*f, s, text);
    }
  };
  if (failed(a)) {
    evidence.evidence.push_back({"dns", owner + " TXT: " + rcode_text(a)});
    both(Status::error, "the DMARC lookup failed (" + rcode_text(a) + ")");
    return out;
  }
  if (records.empty()) {
    both(Status::fail, "no DMARC record");
    return out;
  }
  if (records.size() > 1) {
    both(Status::fail, std::to_string(records.size()) + " DMARC records: receivers ignore them all (RFC 7489 §6.6.3)");
    return out;
  }
  auto tags = parse_tags(records.front());
  const std::string* p = tags ? find_tag(*tags, "p") : nullptr;
  if (!tags || (!tags->empty() && tags->front().name != "v") || !p || (*p != "none" && *p != "quarantine" && *p != "reject")) {
    both(Status::fail, "invalid DMARC record: " +
                           (!tags ? tags.error() : !p ? std::string("no p= tag") : "p=" + *p + " is not none/quarantine/reject"));
    return out;
  }
  for (Finding* f : {&out.reporting, &out.policy}) f->evidence = evidence.evidence;
  if (inherited) out.policy.evidence.push_back({"dmarc", "inherited from " + org + " (sp= applies)"});

  // policy
  std::string effective = *p;
  if (inherited)
    if (const auto* sp = find_tag(*tags, "sp")) effective = *sp;
  int pct = 100;
  if (const auto* v = find_tag(*tags, "pct")) {
    auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), pct);
    if (ec != std::errc{} || ptr != v->data() + v->size() || pct < 0 || pct > 100) {
      grade(out.policy, Status::fail, "invalid DMARC record: pct=" + *v + " is not 0-100");
      grade(out.reporting, Status::fail, "invalid DMARC record: pct=" + *v + " is not 0-100");
      return out;
    }
  }
  std::vector<std::string> weak;
  if (effective == "none") weak.push_back("p=none only monitors");
  if (pct < 100) weak.push_back("pct=" + std::to_string(pct) + " applies the policy to part of the mail");
  if (const auto* sp = find_tag(*tags, "sp"); sp && *sp == "none" && effective != "none") weak.push_back("sp=none leaves subdomains unprotected");
  if (const auto* np = find_tag(*tags, "np"); np && *np == "none" && effective != "none") weak.push_back("np=none leaves non-existent subdomains unprotected");
  if (const auto* t = find_tag(*tags, "t"); t && *t == "y") weak.push_back("t=y (testing) asks receivers not to enforce");
  out.enforcing = effective != "none" && pct == 100 && !(find_tag(*tags, "t") && *find_tag(*tags, "t") == "y");
  if (!weak.empty()) {
    std::string text;
    for (const auto& w : weak) text += (text.empty() ? "" : "; ") + w;
    grade(out.policy, Status::warn, text);
  } else {
    const auto* adkim = find_tag(*tags, "adkim");
    const auto* aspf = find_tag(*tags, "aspf");
    grade(out.policy, Status::pass, "p=" + effective + " at 100%, alignment dkim " + (adkim ? *adkim : "r") + "/spf " +
                                        (aspf ? *aspf : "r"));
  }

  // reporting
  const auto* rua = find_tag(*tags, "rua");
  if (!rua || rua->empty()) {
    grade(out.reporting, Status::warn, "no rua= destination: no aggregate reports are sent");
    return out;
  }
  std::vector<std::string> uris = split_uris(*rua);
  if (const auto* ruf = find_tag(*tags, "ruf"))
    for (auto& u : split_uris(*ruf)) uris.push_back(std::move(u));
  std::vector<Question> auth;
  std::vector<std::string> dests;
  std::vector<std::string> bad;
  const std::string org_of_record = org_domain(owner.substr(7));
  for (const auto& u : uris) {
    const std::string dest = mailto_domain(u);
    if (dest.empty()) {
      bad.push_back(u + " is not a mailto: address");
      continue;
    }
    if (org_domain(dest) == org_of_record) continue;
    if (std::find(dests.begin(), dests.end(), dest) != dests.end()) continue;
    dests.push_back(dest);
    auth.push_back({std::string(owner.substr(7)) + "._report._dmarc." + dest, rrtype::txt});
  }
  const auto answers = dns.resolve(auth);
  for (std::size_t i = 0; i < dests.size(); ++i) {
    auto ok = records_with(answers[i], "v=dmarc1", out.reporting, auth[i].name);
    if (ok.empty()) bad.push_back(dests[i] + " has not authorised reports (" + auth[i].name + ": " + rcode_text(answers[i]) + ")");
  }
  if (!bad.empty()) {
    std::string text;
    for (const auto& b : bad) text += (text.empty() ? "" : "; ") + b;
    grade(out.reporting, Status::warn, text);
  } else {
    grade(out.reporting, Status::pass, "aggregate reports go to " + *rua);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// tls-rpt

Finding check_tls_rpt(std::string_view domain, Dns& dns, bool sts_or_dane_used) {
  Finding f = make("tls-rpt", 7, "RFC 8460 §3");
  const std::string owner = "_smtp._tls." + std::string(domain);
  auto found = policy_records(dns, f, owner, "v=tlsrptv1", "TLS-RPT");
  if (!found) return f;
  auto& records = *found;
  if (records.empty()) {
    grade(f, sts_or_dane_used ? Status::warn : Status::info,
          sts_or_dane_used ? "no TLS-RPT record although MTA-STS or DANE is used" : "no TLS-RPT record");
    return f;
  }
  if (records.size() > 1) {
    grade(f, Status::fail, std::to_string(records.size()) + " TLS-RPT records (exactly one allowed)");
    return f;
  }
  auto tags = parse_tags(records.front());
  const std::string* rua = tags ? find_tag(*tags, "rua") : nullptr;
  if (!tags || !rua || rua->empty()) {
    grade(f, Status::fail, "invalid TLS-RPT record: " + (!tags ? tags.error() : std::string("no rua=")));
    return f;
  }
  for (const auto& u : split_uris(*rua)) {
    if (!u.starts_with("mailto:") && !u.starts_with("https:")) {
      grade(f, Status::fail, "invalid TLS-RPT record: rua " + u + " is neither mailto: nor https:");
      return f;
    }
  }
  grade(f, Status::pass, "TLS reports go to " + *rua);
  return f;
}

// ---------------------------------------------------------------------------------------------
// dkim

namespace {

// RFC 6376/8301/8463 grading of one key: RSA >= 2048 and Ed25519 pass, RSA 1024 and t=y warn.
Status grade_key(const DkimKey& key) {
  Status s = Status::fail;
  switch (key.kind) {
    case DkimKey::Kind::unusable: return Status::fail;
    case DkimKey::Kind::revoked: return Status::info;
    case DkimKey::Kind::ed25519: s = Status::pass; break;
    case DkimKey::Kind::rsa: s = key.bits >= 2048 ? Status::pass : Status::warn; break;
  }
  return key.testing ? worse(s, Status::warn) : s;
}

}  // namespace

Finding check_dkim(std::string_view domain, Dns& dns, std::span<const std::string> selectors) {
  Finding f = make("dkim", 9, "RFC 6376, RFC 8301, RFC 8463");
  const std::vector<std::string> names = dkim_selectors(selectors);
  std::vector<Question> qs{{dkim_hint_name(domain), rrtype::txt}};
  for (const auto& s : names) qs.push_back({dkim_key_name(s, domain), rrtype::txt});
  const auto answers = dns.resolve(qs);
  const Answer& hint = answers[0];
  f.evidence.push_back({"dns", qs[0].name + ": " + rcode_text(hint)});
  std::optional<Status> best;  // the best key wins; a bad key alone is a failure
  std::vector<std::string> notes;
  for (std::size_t i = 1; i < answers.size(); ++i) {
    for (const auto& text : txt_strings(answers[i])) {
      const std::optional<DkimKey> key = read_dkim_key(text);
      if (!key) continue;
      f.evidence.push_back({"record", qs[i].name + " TXT \"" + scoring::sanitize_text(text, 2048) + "\""});
      const Status status = grade_key(*key);
      notes.push_back(names[i - 1] + ": " + key->text);
      if (status == Status::info) continue;  // revoked keys neither help nor hurt
      auto rank = [](Status s) { return s == Status::pass ? 0 : s == Status::warn ? 1 : 2; };
      if (!best || rank(status) < rank(*best)) best = status;
    }
  }
  std::string joined;
  for (const auto& n : notes) joined += (joined.empty() ? "" : "; ") + n;
  if (best) {
    grade(f, *best, joined);
  } else if (exists(hint)) {
    grade(f, Status::warn, "_domainkey exists but no key under the given or guessed selectors" +
                               (joined.empty() ? std::string() : " (" + joined + ")"));
  } else if (hint.rcode == Answer::Rcode::nxdomain) {
    grade(f, Status::fail, "_domainkey does not exist and no key was found" + (joined.empty() ? std::string() : " (" + joined + ")"));
  } else {
    grade(f, Status::error, "the _domainkey lookup failed (" + rcode_text(hint) + ")");
  }
  return f;
}

// ---------------------------------------------------------------------------------------------
// bimi

Finding check_bimi(std::string_view domain, Dns& dns, bool dmarc_enforcing) {
  Finding f = make("bimi", 14, "BIMI draft (draft-brand-indicators-for-message-identification)");
  const std::string owner = "default._bimi." + std::string(domain);
  auto found = policy_records(dns, f, owner, "v=bimi1", "BIMI");
  if (!found) return f;
  auto& records = *found;
  if (records.empty()) {
    grade(f, Status::info, "no BIMI record");
    return f;
  }
  auto tags = parse_tags(records.front());
  if (!tags || records.size() > 1) {
    grade(f, Status::warn, records.size() > 1 ? "several BIMI records" : "invalid BIMI record: " + tags.error());
    return f;
  }
  std::vector<std::string> problems;
  const auto* l = find_tag(*tags, "l");
  const auto* mark = find_tag(*tags, "a");
  if (l && !l->empty() && !l->starts_with("https://")) problems.push_back("l= is not https");
  if (mark && !mark->empty() && !mark->starts_with("https://")) problems.push_back("a= is not https");
  if ((!l || l->empty()) && (!mark || mark->empty())) problems.push_back("neither l= nor a= is set");
  if (!dmarc_enforcing) problems.push_back("DMARC is not enforcing (quarantine/reject at 100%): receivers ignore BIMI");
  if (!problems.empty()) {
    std::string text;
    for (const auto& p : problems) text += (text.empty() ? "" : "; ") + p;
    grade(f, Status::warn, text);
  } else {
    grade(f, Status::pass, "BIMI logo " + (l ? *l : std::string("-")) + " with enforcing DMARC");
  }
  return f;
}

// ---------------------------------------------------------------------------------------------
// mta-sts

Finding check_mta_sts(std::string_view domain, Dns& dns, std::span<const MailHost> hosts, PolicyFetcher& fetcher,
                      std::span<const Finding> active) {
  Finding f = make("mta-sts", 12, "RFC 8461");
  const std::string owner = "_mta-sts." + std::string(domain);
  auto found = policy_records(dns, f, owner, "v=stsv1", "MTA-STS");
  if (!found) return f;
  auto& records = *found;
  if (records.empty()) {
    grade(f, Status::info, "no MTA-STS record");
    return f;
  }
  auto tags = parse_tags(records.front());
  const std::string* id = tags ? find_tag(*tags, "id") : nullptr;
  const bool id_ok = id && !id->empty() && id->size() <= 32 &&
                     std::all_of(id->begin(), id->end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
  if (records.size() > 1 || !id_ok) {
    grade(f, Status::fail, records.size() > 1 ? "several MTA-STS records" : "invalid MTA-STS record: id= must be 1-32 letters/digits");
    return f;
  }
  const std::string policy_host = "mta-sts." + std::string(domain);
  auto fetched = fetcher.fetch(policy_host);
  if (!fetched) {
    f.evidence.push_back({"https", scoring::sanitize_text(fetched.error(), 512)});
    grade(f, Status::fail, "MTA-STS record without a usable policy: " + scoring::sanitize_text(fetched.error(), 200));
    return f;
  }
  f.evidence.push_back({"https", "https://" + policy_host + "/.well-known/mta-sts.txt from " + fetched->peer + ": " +
                                     std::to_string(fetched->status) + " " + scoring::sanitize_text(fetched->content_type, 100)});
  if (fetched->status != 200) {
    if (!fetched->location.empty()) f.evidence.push_back({"https", "Location: " + scoring::sanitize_text(fetched->location, 300)});
    grade(f, Status::fail, "MTA-STS record without a usable policy: HTTP " + std::to_string(fetched->status) +
                               (fetched->status / 100 == 3 ? " (redirects are not followed, RFC 8461 §3.3)" : ""));
    return f;
  }
  std::string media = fetched->content_type.substr(0, fetched->content_type.find(';'));
  for (char& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  if (media != "text/plain") {
    grade(f, Status::fail, "MTA-STS record without a usable policy: Content-Type " + scoring::sanitize_text(fetched->content_type, 80) +
                               " (text/plain required)");
    return f;
  }
  f.evidence.push_back({"policy", scoring::sanitize_text(fetched->body, 4096)});
  auto policy = parse_sts_policy(fetched->body);
  if (!policy) {
    grade(f, Status::fail, "MTA-STS record without a usable policy: " + policy.error());
    return f;
  }
  std::vector<std::string> failures, warnings;
  if (policy->mode == "enforce") {
    for (const auto& h : hosts) {
      const bool covered = std::any_of(policy->mx.begin(), policy->mx.end(), [&](const std::string& p) { return sts_mx_matches(p, h.name); });
      if (!covered) failures.push_back("MX " + h.name + " is not covered by the policy");
      for (const auto& af : active)
        if ((af.id == "starttls" || af.id == "certificate") && af.status == Status::fail &&
            (af.subject == h.name || af.subject.starts_with(h.name + " ")))
          failures.push_back(af.id + " fails on " + h.name + " in enforce mode");
    }
  } else {
    warnings.push_back("mode " + policy->mode + " does not protect delivery");
  }
  if (*policy->max_age < 86400) warnings.push_back("max_age " + std::to_string(*policy->max_age) + " s is under a day");
  if (!failures.empty()) {
    std::string text;
    for (const auto& x : failures) text += (text.empty() ? "" : "; ") + x;
    grade(f, Status::fail, text);
  } else if (!warnings.empty()) {
    std::string text;
    for (const auto& x : warnings) text += (text.empty() ? "" : "; ") + x;
    grade(f, Status::warn, text);
  } else {
    grade(f, Status::pass, "mode enforce, max_age " + std::to_string(*policy->max_age) + " s, every MX covered");
  }
  return f;
}

}  // namespace lookalike::posture
