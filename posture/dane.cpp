// DANE for SMTP (RFC 7672, RFC 7671; POSTURE.md point 11): the DNSSEC state of the domain's MX
// set and of each MX host, its `_25._tcp` TLSA records, and whether they match the chain the host
// presents (OpenSSL's DANE verifier does the matching).
#include <algorithm>

#include "posture/active.hpp"
#include "posture/smtp.hpp"
#include "posture/tls.hpp"

namespace lookalike::posture {
namespace {

constexpr const char* kStandard = "RFC 7672, RFC 7671";

std::string_view security_name(Security s) {
  switch (s) {
    case Security::secure: return "secure";
    case Security::insecure: return "insecure";
    case Security::bogus: return "bogus";
    case Security::indeterminate: return "indeterminate";
  }
  return "indeterminate";
}

std::string_view rcode_name(Answer::Rcode r) {
  switch (r) {
    case Answer::Rcode::noerror: return "NOERROR";
    case Answer::Rcode::nxdomain: return "NXDOMAIN";
    case Answer::Rcode::servfail: return "SERVFAIL";
    case Answer::Rcode::refused: return "REFUSED";
    case Answer::Rcode::timeout: return "timeout";
    case Answer::Rcode::error: return "error";
  }
  return "error";
}

std::string tlsa_text(std::string_view rdata) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (rdata.size() < 3) return "(short TLSA rdata)";
  std::string out = std::to_string(static_cast<unsigned char>(rdata[0])) + " " +
                    std::to_string(static_cast<unsigned char>(rdata[1])) + " " +
                    std::to_string(static_cast<unsigned char>(rdata[2])) + " ";
  for (const char c : rdata.substr(3)) {
    out += kHex[static_cast<unsigned char>(c) >> 4];
    out += kHex[static_cast<unsigned char>(c) & 15];
  }
  return out;
}

std::string state_line(std::string_view what, const Answer& a) {
  std::string s = std::string(what) + ": " + std::string(rcode_name(a.rcode)) + ", " +
                  std::string(security_name(a.security)) + ", " + std::to_string(a.rdata.size()) + " records";
  if (!a.why_bogus.empty()) s += " (" + a.why_bogus + ")";
  if (!a.error.empty()) s += " (" + a.error + ")";
  return s;
}

std::string tlsa_name(const std::string& host) {
  std::string h = host;
  if (!h.empty() && h.back() == '.') h.pop_back();
  return "_25._tcp." + h;
}

// RFC 7672 §3.1.3: SMTP clients use only DANE-TA(2) and DANE-EE(3) with known selector and type.
bool usable(std::string_view rdata) {
  if (rdata.size() < 4) return false;
  const auto usage = static_cast<unsigned char>(rdata[0]);
  const auto selector = static_cast<unsigned char>(rdata[1]);
  const auto mtype = static_cast<unsigned char>(rdata[2]);
  return (usage == 2 || usage == 3) && selector <= 1 && mtype <= 2;
}

Finding make(const std::string& subject) {
  Finding f;
  f.id = "dane";
  f.subject = subject;
  f.policy_point = 11;
  f.standard = kStandard;
  return f;
}

Finding host_finding(const MailHost& host, const Answer& a, const Answer& aaaa, const Answer& tlsa,
                     const ActiveOptions& o) {
  Finding f = make(host.name);
  f.evidence.push_back({"dnssec", state_line(host.name + " A", a)});
  f.evidence.push_back({"dnssec", state_line(host.name + " AAAA", aaaa)});
  f.evidence.push_back({"dnssec", state_line(tlsa_name(host.name) + " TLSA", tlsa)});
  for (const auto& r : tlsa.rdata) f.evidence.push_back({"tlsa", tlsa_text(r)});
  if (a.security == Security::bogus || aaaa.security == Security::bogus || tlsa.security == Security::bogus) {
    f.status = Status::fail;
    f.explanation = "DNSSEC validation failed (bogus) for the MX host or its TLSA records";
    return f;
  }
  if (tlsa.rcode == Answer::Rcode::servfail) {
    f.status = Status::fail;
    f.explanation = "TLSA lookup fails (SERVFAIL): senders that use DANE cannot deliver (RFC 7672 §2.2)";
    return f;
  }
  if (tlsa.rcode == Answer::Rcode::timeout || tlsa.rcode == Answer::Rcode::error ||
      tlsa.rcode == Answer::Rcode::refused) {
    f.status = Status::error;
    f.explanation = "TLSA lookup did not answer: " + std::string(rcode_name(tlsa.rcode));
    return f;
  }
  const bool host_secure = a.security == Security::secure || aaaa.security == Security::secure;
  if (!host_secure || tlsa.security != Security::secure) {
    f.status = Status::warn;
    f.explanation = "the MX host's zone is not signed: DANE cannot apply to it";
    return f;
  }
  if (tlsa.rdata.empty()) {
    f.status = Status::warn;
    f.explanation = "signed, but no TLSA records at " + tlsa_name(host.name);
    return f;
  }
  std::vector<std::string> records;
  std::copy_if(tlsa.rdata.begin(), tlsa.rdata.end(), std::back_inserter(records), usable);
  if (records.empty()) {
    f.status = Status::warn;
    f.explanation = "only TLSA usages SMTP ignores (PKIX-TA/PKIX-EE 0/1 or unknown parameters)";
    return f;
  }
  // Match against what the host presents, on the first address the guard lets us reach.
  smtp::Limits limits;
  limits.timeout_ms = o.timeout_ms;
  limits.allow_private = o.allow_private;
  std::string last_error = host.addresses.empty() ? "no address" : "";
  const std::span<const std::string> addresses(host.addresses.data(), std::min(host.addresses.size(), o.max_addresses));
  for (const auto& address : addresses) {
    auto s = smtp::open_to_starttls(address, o.smtp_port, limits, o.ehlo_name);
    if (!s) {
      last_error = address + ": " + s.error();
      continue;
    }
    tls::Request request;
    request.sni = host.name;
    request.tlsa = records;
    const tls::Result r = s->start_tls(request);
    s->quit();
    if (!r.ok) {
      last_error = address + ": TLS " + r.error;
      continue;
    }
    for (std::size_t i = 0; i < r.chain.size(); ++i) {
      f.evidence.push_back({"certificate", "[" + address + "] depth " + std::to_string(i) + " sha256=" + r.chain[i].sha256 +
                                               " subject=" + r.chain[i].subject});
    }
    if (!r.dane_matched) {
      f.status = Status::fail;
      f.explanation = "TLSA records present but none matches the chain " + address + " presents (" + r.dane_error + ")";
      return f;
    }
    f.evidence.push_back({"dane", "[" + address + "] matched TLSA " + std::to_string(r.dane_usage) + " " +
                                      std::to_string(r.dane_selector) + " " + std::to_string(r.dane_mtype) +
                                      " at depth " + std::to_string(r.dane_depth)});
    if (records.size() < 2) {
      f.status = Status::warn;
      f.explanation = "TLSA matches, but there is no second record for a key rollover (RFC 7671 §8.1)";
    } else {
      f.status = Status::pass;
      f.explanation = "DNSSEC-signed TLSA records match the presented certificate";
    }
    return f;
  }
  // A published TLSA with no working STARTTLS means DANE senders defer: as bad as no match.
  f.status = last_error.find("STARTTLS") != std::string::npos ? Status::fail : Status::error;
  f.explanation = "TLSA published but no TLS session to match it against (" + last_error + ")";
  return f;
}

}  // namespace

void attach_tlsa(std::span<MailHost> hosts, Dns& dns) {
  std::vector<Question> questions;
  for (const auto& h : hosts) questions.push_back({tlsa_name(h.name), rrtype::tlsa});
  const std::vector<Answer> answers = dns.resolve(questions);
  for (std::size_t i = 0; i < hosts.size() && i < answers.size(); ++i) {
    const Answer& a = answers[i];
    hosts[i].tlsa = a.rcode == Answer::Rcode::noerror && a.security == Security::secure ? a.rdata : std::vector<std::string>{};
  }
}

std::vector<Finding> check_dane(std::string_view domain, std::span<const MailHost> hosts, Dns& dns,
                                const ActiveOptions& options) {
  hosts = hosts.first(std::min(hosts.size(), options.max_hosts));
  std::vector<Question> questions{{std::string(domain), rrtype::mx}};
  for (const auto& h : hosts) {
    questions.push_back({h.name, rrtype::a});
    questions.push_back({h.name, rrtype::aaaa});
    questions.push_back({tlsa_name(h.name), rrtype::tlsa});
  }
  const std::vector<Answer> answers = dns.resolve(questions);
  std::vector<Finding> out;
  Finding top = make("");
  if (answers.size() != questions.size()) {
    top.status = Status::error;
    top.explanation = "the resolver answered " + std::to_string(answers.size()) + " of " +
                      std::to_string(questions.size()) + " questions";
    out.push_back(std::move(top));
    return out;
  }
  const Answer& mx = answers[0];
  top.evidence.push_back({"dnssec", state_line(std::string(domain) + " MX", mx)});
  if (mx.security == Security::bogus) {
    top.status = Status::fail;
    top.explanation = "DNSSEC validation of the MX set failed (bogus" + (mx.why_bogus.empty() ? "" : ": " + mx.why_bogus) + ")";
    out.push_back(std::move(top));
    return out;
  }
  if (mx.rcode == Answer::Rcode::servfail || mx.rcode == Answer::Rcode::timeout || mx.rcode == Answer::Rcode::error ||
      mx.security == Security::indeterminate) {
    top.status = Status::error;
    top.explanation = mx.security == Security::indeterminate && mx.rcode == Answer::Rcode::noerror
                          ? "the resolver did not validate DNSSEC (no trust anchor): DANE not measured"
                          : "the MX lookup failed (" + std::string(rcode_name(mx.rcode)) + "): DANE not measured";
    out.push_back(std::move(top));
    return out;
  }
  if (mx.security == Security::insecure) {
    top.status = Status::info;
    top.explanation = "the domain is not DNSSEC-signed: DANE does not apply";
    out.push_back(std::move(top));
    return out;
  }
  top.status = Status::pass;
  top.explanation = "the MX set is DNSSEC-signed and validates";
  Status worst = Status::pass;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    Finding f = host_finding(hosts[i], answers[1 + 3 * i], answers[2 + 3 * i], answers[3 + 3 * i], options);
    worst = worse(worst, f.status);
    out.push_back(std::move(f));
  }
  if (worst != Status::pass) top.explanation += "; see the per-host dane findings";
  out.insert(out.begin(), std::move(top));
  return out;
}

}  // namespace lookalike::posture
