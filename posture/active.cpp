// The checks that connect to mail servers: starttls, tls-versions, tls-ciphers, certificate and
// require-tls (POSTURE.md points 1, 2, 3 and 5). One main SMTP session per address (banner, EHLO,
// the opt-in MAIL/RCPT probe, STARTTLS, handshake with SNI = MX name, second EHLO), then, on the
// first address where TLS worked, one session per protocol version and per suite enumerated.
#include <algorithm>
#include <ctime>
#include <optional>

#include "posture/active.hpp"
#include "posture/client_hello.hpp"
#include "posture/smtp.hpp"
#include "posture/tls.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

namespace lookalike::posture {
namespace {

using util::join;

constexpr std::size_t kMaxSuiteProbes = 64;  // handshakes per version while enumerating suites
constexpr std::int64_t kExpiryWarnSeconds = 30 * 86400;

smtp::Limits limits_of(const ActiveOptions& o) {
  smtp::Limits l;
  l.timeout_ms = o.timeout_ms;
  l.allow_private = o.allow_private;
  return l;
}

Finding make(std::string id, const std::string& subject, int point, std::string standard) {
  Finding f;
  f.id = std::move(id);
  f.subject = subject;
  f.policy_point = point;
  f.standard = std::move(standard);
  return f;
}

// What the main session with one address found.
struct MainSession {
  std::string address;
  std::string error;           // the step that failed, empty when STARTTLS worked end to end
  bool connected = false;      // a 220 banner arrived
  bool offered = false;        // EHLO listed STARTTLS
  bool second_ehlo = false;    // EHLO over TLS answered 250
  tls::Result tls;
  std::optional<int> mail_code, rcpt_code;  // require-tls probe
  std::vector<std::string> transcript;
};

MainSession main_session(std::string_view domain, const MailHost& host, const std::string& address,
                         const ActiveOptions& o) {
  MainSession m;
  m.address = address;
  auto opened = smtp::Session::open(address, o.smtp_port, limits_of(o));
  if (!opened) {
    m.error = opened.error();
    return m;
  }
  smtp::Session& s = *opened;
  auto finish = [&](std::string error) {
    m.error = std::move(error);
    s.quit();
    m.transcript = s.transcript();
    return m;
  };
  auto banner = s.reply();
  if (!banner) return finish("banner: " + banner.error());
  if (banner->code != 220) return finish("banner: " + std::to_string(banner->code));
  m.connected = true;
  auto ehlo = s.command("EHLO " + o.ehlo_name);
  if (!ehlo) return finish("EHLO: " + ehlo.error());
  if (ehlo->code != 250) return finish("EHLO: " + std::to_string(ehlo->code));
  m.offered = smtp::ehlo_has(*ehlo, "STARTTLS");
  if (o.probe_require_tls) {
    // Policy point 5: does the server take a transaction in plaintext? Never past RCPT.
    if (auto mail = s.command("MAIL FROM:<>"); mail) {
      m.mail_code = mail->code;
      if (mail->code / 100 == 2) {
        if (auto rcpt = s.command("RCPT TO:<postmaster@" + std::string(domain) + ">"); rcpt) m.rcpt_code = rcpt->code;
      }
      if (auto rset = s.command("RSET"); !rset) return finish("RSET: " + rset.error());
    } else {
      return finish("MAIL: " + mail.error());
    }
  }
  if (!m.offered) return finish("EHLO does not offer STARTTLS");
  auto go = s.command("STARTTLS");
  if (!go) return finish("STARTTLS: " + go.error());
  if (go->code != 220) return finish("STARTTLS refused: " + std::to_string(go->code));
  tls::Request request;
  request.sni = host.name;
  request.verify = true;
  request.ca_file = o.ca_file;
  request.tlsa = host.tlsa;
  m.tls = s.start_tls(request);
  if (!m.tls.ok) return finish("TLS " + m.tls.error);
  auto again = s.command("EHLO " + o.ehlo_name);
  if (!again) return finish("EHLO after TLS: " + again.error());
  m.second_ehlo = again->code == 250;
  return finish(m.second_ehlo ? "" : "EHLO after TLS: " + std::to_string(again->code));
}

// One handshake in a fresh session; `reached` says STARTTLS got to its 220.
tls::Result handshake(const std::string& address, const MailHost& host, const ActiveOptions& o,
                      tls::Request request, bool& reached) {
  tls::Result r;
  auto s = smtp::open_to_starttls(address, o.smtp_port, limits_of(o), o.ehlo_name);
  reached = s.has_value();
  if (!s) {
    r.error = s.error();
    return r;
  }
  request.sni = host.name;
  r = s->start_tls(request);
  s->quit();
  return r;
}

// Client random for the hand-written hellos (not secret: these handshakes never complete).
std::string hello_random() {
  std::string random(32, '\0');
  const auto now = static_cast<std::uint64_t>(std::time(nullptr));
  for (std::size_t i = 0; i < random.size(); ++i) random[i] = static_cast<char>((now >> (i % 8)) ^ (i * 73));
  return random;
}

// Sends a hand-written hello after STARTTLS and parses the answer with `parse(bytes, eof)`.
template <class Parse>
LegacyHelloReply raw_hello(const std::string& address, const ActiveOptions& o, const std::string& hello, Parse parse) {
  auto s = smtp::open_to_starttls(address, o.smtp_port, limits_of(o), o.ehlo_name);
  if (!s) {
    LegacyHelloReply r;
    r.verdict = LegacyHelloReply::Verdict::malformed;
    r.detail = "not measured: " + s.error();
    return r;
  }
  LegacyHelloReply parsed;
  const std::string got = s->exchange_raw(hello, max_legacy_reply_bytes, [&](std::string_view bytes, bool eof) {
    parsed = parse(bytes, eof);
    return parsed.verdict != LegacyHelloReply::Verdict::incomplete;
  });
  if (parsed.verdict == LegacyHelloReply::Verdict::incomplete) parsed = parse(got, true);
  return parsed;
}

LegacyHelloReply legacy_probe(const std::string& address, const ActiveOptions& o, LegacyProtocol protocol) {
  return raw_hello(address, o, legacy_client_hello(protocol, hello_random()),
                   [&](std::string_view bytes, bool eof) { return parse_legacy_reply(protocol, bytes, eof); });
}

// ---- starttls -------------------------------------------------------------------------------

Finding starttls_finding(const MailHost& host, bool primary, const std::vector<MainSession>& sessions) {
  Finding f = make("starttls", host.name, 1, "RFC 3207");
  std::vector<std::string> failed, unreachable;
  bool any_connected = false;
  for (const auto& m : sessions) {
    for (const auto& line : m.transcript) f.evidence.push_back({"smtp", "[" + m.address + "] " + line});
    if (m.tls.ok) f.evidence.push_back({"tls", "[" + m.address + "] " + tls::version_name(m.tls.version) + " " + m.tls.cipher});
    if (!m.connected) {
      unreachable.push_back(m.address + ": " + m.error);
      f.evidence.push_back({"error", "[" + m.address + "] " + m.error});
    } else {
      any_connected = true;
      if (!m.error.empty()) failed.push_back(m.address + ": " + m.error);
    }
  }
  if (sessions.empty()) {
    f.status = Status::error;
    f.explanation = "no address to connect to";
  } else if (!any_connected) {
    f.status = Status::error;
    f.explanation = "could not talk SMTP to any address (" + join(unreachable, "; ") + ")";
  } else if (!failed.empty()) {
    f.status = primary ? Status::fail : Status::warn;
    f.explanation = std::string(primary ? "primary" : "backup") + " MX has no working STARTTLS (" + join(failed, "; ") + ")";
  } else {
    f.status = Status::pass;
    f.explanation = "STARTTLS offered and negotiated, EHLO answered over TLS";
    if (!unreachable.empty()) f.explanation += " (unreachable: " + join(unreachable, "; ") + ")";
  }
  return f;
}

// ---- certificate ----------------------------------------------------------------------------

std::string describe_cert(std::size_t depth, const tls::Certificate& c) {
  return "depth " + std::to_string(depth) + " sha256=" + c.sha256 + " subject=" + c.subject + " issuer=" + c.issuer +
         " notBefore=" + util::utc_iso(c.not_before * 1000) + " notAfter=" + util::utc_iso(c.not_after * 1000) +
         " key=" + c.key_type + " " + std::to_string(c.key_bits) + " sig=" + c.signature;
}

Finding certificate_finding(const MailHost& host, const MainSession& m, std::int64_t now) {
  Finding f = make("certificate", host.name, 3, "RFC 5280, RFC 9525, RFC 7817");
  const tls::Result& t = m.tls;
  if (!t.ok || t.chain.empty()) {
    f.status = Status::error;
    f.explanation = "no certificate seen: " + (m.error.empty() ? std::string("no TLS session") : m.error);
    return f;
  }
  for (std::size_t i = 0; i < t.chain.size(); ++i) f.evidence.push_back({"certificate", describe_cert(i, t.chain[i])});
  const bool dane_ee = t.dane_matched && t.dane_usage == 3;
  if (t.dane_matched) {
    f.evidence.push_back({"dane", "TLSA " + std::to_string(t.dane_usage) + " " + std::to_string(t.dane_selector) + " " +
                                      std::to_string(t.dane_mtype) + " matched at depth " + std::to_string(t.dane_depth)});
  }
  const tls::Certificate& leaf = t.chain.front();
  std::vector<std::string> fails, warns;
  // RFC 7672 §3.1.1: a DANE-EE match authenticates the key itself; names, dates and the chain do not apply.
  if (!t.trusted && !dane_ee) fails.push_back("untrusted (" + t.trust_error + ")");
  if (!t.name_matches && !dane_ee) fails.push_back("does not cover " + host.name);
  if (leaf.not_after < now && !dane_ee) fails.push_back("expired " + util::utc_iso(leaf.not_after * 1000));
  if (leaf.not_before > now && !dane_ee) fails.push_back("not valid before " + util::utc_iso(leaf.not_before * 1000));
  for (std::size_t i = 0; i < t.chain.size(); ++i) {
    const auto& c = t.chain[i];
    // A self-signed root's own signature is never checked, so its digest does not matter.
    if (c.weak_signature && !(i > 0 && c.self_signed)) fails.push_back("depth " + std::to_string(i) + " signed with " + c.signature);
    if (c.key_type == "RSA" && c.key_bits < 2048) fails.push_back("depth " + std::to_string(i) + " RSA key of " + std::to_string(c.key_bits) + " bits");
  }
  if (leaf.not_after >= now && leaf.not_after - now < kExpiryWarnSeconds) {
    warns.push_back("expires " + util::utc_iso(leaf.not_after * 1000) + ", within 30 days");
  }
  if (!fails.empty()) {
    f.status = Status::fail;
    f.explanation = "certificate: " + join(fails, "; ");
  } else if (!warns.empty()) {
    f.status = Status::warn;
    f.explanation = "certificate " + join(warns, "; ");
  } else {
    f.status = Status::pass;
    f.explanation = dane_ee && !t.trusted ? "certificate authenticated by a DANE-EE record (not by a public CA)"
                                          : "certificate chains to a trusted CA, covers " + host.name + " and is valid";
  }
  return f;
}

// ---- tls-versions ---------------------------------------------------------------------------

struct VersionScan {
  std::vector<int> accepted;  // TLS versions, highest first
  std::optional<LegacyHelloReply> ssl3, ssl2;
  std::vector<std::string> notes;
};

VersionScan scan_versions(const std::string& address, const MailHost& host, const ActiveOptions& o) {
  VersionScan v;
  for (const int version : {tls::tls1_3, tls::tls1_2, tls::tls1_1, tls::tls1_0}) {
    tls::Request r;
    r.min_version = r.max_version = version;
    bool reached = false;
    const tls::Result res = handshake(address, host, o, r, reached);
    if (res.ok && res.version == version) {
      v.accepted.push_back(version);
      v.notes.push_back(tls::version_name(version) + " accepted (" + res.cipher + ")");
    } else {
      v.notes.push_back(tls::version_name(version) + " refused (" + (reached ? res.error : "not measured: " + res.error) + ")");
    }
  }
  for (const LegacyProtocol p : {LegacyProtocol::ssl3, LegacyProtocol::ssl2}) {
    const LegacyHelloReply reply = legacy_probe(address, o, p);
    const bool accepted = reply.verdict == LegacyHelloReply::Verdict::accepted;
    v.notes.push_back(std::string(to_string(p)) + (accepted ? " accepted (" : " refused (") + reply.detail + ")");
    (p == LegacyProtocol::ssl3 ? v.ssl3 : v.ssl2) = reply;
  }
  return v;
}

bool has(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }

Finding versions_finding(const MailHost& host, const std::string& address, const VersionScan& v) {
  Finding f = make("tls-versions", host.name, 2, "RFC 8996, RFC 8446");
  for (const auto& n : v.notes) f.evidence.push_back({"tls", "[" + address + "] " + n});
  const bool ssl2 = v.ssl2 && v.ssl2->verdict == LegacyHelloReply::Verdict::accepted;
  const bool ssl3 = v.ssl3 && v.ssl3->verdict == LegacyHelloReply::Verdict::accepted;
  std::vector<std::string> fails, warns, infos;
  if (!has(v.accepted, tls::tls1_2)) fails.push_back("TLS 1.2 not accepted");
  if (ssl2) fails.push_back("SSLv2 accepted");
  if (!has(v.accepted, tls::tls1_3)) warns.push_back("TLS 1.3 not accepted");
  if (ssl3) warns.push_back("SSLv3 accepted");
  if (has(v.accepted, tls::tls1_1)) infos.push_back("TLS 1.1 accepted as a fallback");
  if (has(v.accepted, tls::tls1_0)) infos.push_back("TLS 1.0 accepted as a fallback");
  if (!fails.empty()) {
    f.status = Status::fail;
    f.explanation = join(fails, "; ");
  } else if (!warns.empty()) {
    f.status = Status::warn;
    f.explanation = join(warns, "; ");
  } else if (!infos.empty()) {
    f.status = Status::info;
    f.explanation = "TLS 1.3 and 1.2 accepted; " + join(infos, "; ");
  } else {
    f.status = Status::pass;
    f.explanation = "TLS 1.3 and 1.2 accepted, nothing older";
  }
  return f;
}

// ---- tls-ciphers ----------------------------------------------------------------------------

struct SuiteScan {
  struct Accepted {
    int version = 0;
    std::string suite;
    int dh_bits = 0;  // DHE suites: the server's DH size
    std::string group;
    int kx_bits = 0;
  };
  std::vector<Accepted> accepted;        // in the order the server chose them
  std::optional<bool> server_order;      // pre-1.3, when >= 2 suites were accepted
  std::string preferred;                 // the first pick of the highest pre-1.3 version
  int order_version = 0;                 // the version the order was tested at
  std::string order_evidence;            // both offers and both picks
  bool truncated = false;
  // Key-exchange groups offered one at a time, per version (TLS 1.3 all of tls::kProbedGroups;
  // TLS 1.2 the ECDHE ones, with only ECDHE suites offered).
  struct Groups {
    int version = 0;
    std::vector<std::string> accepted, refused;
  };
  std::vector<Groups> groups;
};

// Which groups the server accepts at `version`: one handshake per group, offering only it.
SuiteScan::Groups scan_groups(const std::string& address, const MailHost& host, const ActiveOptions& o, int version) {
  SuiteScan::Groups out;
  out.version = version;
  for (const std::string_view group : tls::kProbedGroups) {
    if (version != tls::tls1_3 && tls::is_ffdhe_group(group)) continue;
    tls::Request r;
    r.min_version = r.max_version = version;
    r.groups = std::string(group);
    if (version != tls::tls1_3) r.cipher_list = "kECDHE";  // else a non-ECDHE suite would hide the group
    bool reached = false;
    const tls::Result res = handshake(address, host, o, r, reached);
    const bool accepted = res.ok && res.version == version && (version == tls::tls1_3 || res.kx == "ECDHE");
    (accepted ? out.accepted : out.refused).emplace_back(group);
  }
  return out;
}

SuiteScan scan_suites(const std::string& address, const MailHost& host, const ActiveOptions& o,
                      const std::vector<int>& versions) {
  SuiteScan scan;
  bool first_legacy = true;
  for (const int version : versions) {
    std::vector<std::string> left = tls::offerable_suites(version);
    std::vector<std::string> picked;
    for (std::size_t i = 0; i < kMaxSuiteProbes && !left.empty(); ++i) {
      tls::Request r;
      r.min_version = r.max_version = version;
      if (version == tls::tls1_3) {
        r.ciphersuites = join(left, ":");
      } else {
        r.cipher_list = join(left, ":");
      }
      bool reached = false;
      const tls::Result res = handshake(address, host, o, r, reached);
      if (!res.ok || res.version != version) break;
      const auto it = std::find(left.begin(), left.end(), res.cipher);
      if (it == left.end()) break;  // the server picked what we did not offer: stop, do not loop
      left.erase(it);
      picked.push_back(res.cipher);
      scan.accepted.push_back({version, res.cipher, res.kx == "DHE" ? res.kx_bits : 0, res.group, res.kx_bits});
      if (i + 1 == kMaxSuiteProbes && !left.empty()) scan.truncated = true;
    }
    if (version == tls::tls1_3) continue;
    // The suites OpenSSL cannot offer (RC4, DES, 3DES, export...), with our own ClientHello.
    std::vector<std::uint16_t> legacy;
    for (const LegacySuite& s : legacy_suites()) legacy.push_back(s.code);
    for (std::size_t i = 0; i < kMaxSuiteProbes && !legacy.empty(); ++i) {
      const auto v = static_cast<std::uint16_t>(version);
      const LegacyHelloReply reply = raw_hello(address, o, tls_client_hello(v, legacy, host.name, hello_random()),
                                               [&](std::string_view bytes, bool eof) { return parse_tls_reply(v, bytes, eof); });
      if (reply.verdict != LegacyHelloReply::Verdict::accepted || reply.ciphers.empty()) break;
      const auto it = std::find(legacy.begin(), legacy.end(), reply.ciphers.front());
      if (it == legacy.end()) break;  // a suite we did not offer: stop rather than loop
      const std::uint16_t code = *it;
      legacy.erase(it);
      picked.push_back(find_legacy_suite(code)->name);
      scan.accepted.push_back({version, picked.back(), 0, "", 0});
    }
    if (picked.empty()) continue;
    if (first_legacy) {
      first_legacy = false;
      scan.preferred = picked.front();
      if (picked.size() >= 2) {
        // Offer what was accepted in reverse: a server that keeps its own order picks the same.
        std::vector<std::string> reversed(picked.rbegin(), picked.rend());
        tls::Request r;
        r.min_version = r.max_version = version;
        r.cipher_list = join(reversed, ":");
        bool reached = false;
        const tls::Result res = handshake(address, host, o, r, reached);
        if (res.ok) {
          scan.server_order = res.cipher == picked.front();
          scan.order_version = version;
          scan.order_evidence = "offered " + picked.front() + " first: chose " + picked.front() + "; offered " +
                                reversed.front() + " first: chose " + res.cipher;
        }
      }
    }
  }
  // Groups at TLS 1.3 and 1.2 when the server speaks them (at most 10 + 5 handshakes).
  for (const int version : {tls::tls1_3, tls::tls1_2}) {
    if (std::find(versions.begin(), versions.end(), version) != versions.end()) {
      scan.groups.push_back(scan_groups(address, host, o, version));
    }
  }
  return scan;
}

Finding ciphers_finding(const MailHost& host, const std::string& address, const SuiteScan& scan,
                        const MainSession& main) {
  Finding f = make("tls-ciphers", host.name, 2, "BCP 195 (RFC 9325)");
  std::vector<std::string> fails, warns;
  int min_dh = 0;
  for (const auto& a : scan.accepted) {
    const tls::SuiteFacts facts = tls::suite_facts(a.suite);
    std::string line = "[" + address + "] " + tls::version_name(a.version) + " " + a.suite + " (" +
                       std::to_string(facts.bits) + " bits" + (facts.forward_secret ? ", forward secret" : "") +
                       (a.group.empty() ? "" : ", " + a.group + " " + std::to_string(a.kx_bits)) + ")";
    f.evidence.push_back({"tls", line});
    if (facts.bits < 112 || facts.rc4 || facts.anonymous || facts.null_cipher) {
      fails.push_back(a.suite + " (" + std::to_string(facts.bits) + " bits" + (facts.anonymous ? ", anonymous" : "") + ")");
    }
    if (facts.triple_des) warns.push_back(a.suite + " (3DES)");
    if (!facts.forward_secret && !facts.anonymous) warns.push_back(a.suite + " (no forward secrecy)");
    if (a.dh_bits > 0 && (min_dh == 0 || a.dh_bits < min_dh)) min_dh = a.dh_bits;
  }
  if (min_dh > 0 && min_dh < 2048) warns.push_back("DH group of " + std::to_string(min_dh) + " bits");
  if (scan.server_order) {
    f.evidence.push_back({"tls", "[" + address + "] " + tls::version_name(scan.order_version) +
                                     " server order: " + (*scan.server_order ? "yes" : "no") + " (" +
                                     scan.order_evidence + ")"});
  }
  std::vector<std::string> tls13;
  for (const auto& a : scan.accepted)
    if (a.version == tls::tls1_3) tls13.push_back(a.suite);
  if (!tls13.empty()) f.evidence.push_back({"tls", "[" + address + "] TLSv1.3 suites accepted: " + join(tls13, ", ")});
  for (const auto& g : scan.groups) {
    f.evidence.push_back({"tls", "[" + address + "] " + tls::version_name(g.version) + " groups accepted: " +
                                     (g.accepted.empty() ? std::string("none") : join(g.accepted, ", ")) +
                                     "; refused: " + (g.refused.empty() ? std::string("none") : join(g.refused, ", "))});
  }
  if (main.tls.ok) {
    f.evidence.push_back({"tls", "default handshake: " + tls::version_name(main.tls.version) + " " + main.tls.cipher +
                                     (main.tls.group.empty() ? "" : ", key exchange " + main.tls.group + " " +
                                                                        std::to_string(main.tls.kx_bits) + " bits")});
  }
  if (scan.truncated) f.evidence.push_back({"tls", "enumeration stopped after " + std::to_string(kMaxSuiteProbes) + " suites per version"});
  if (!scan.preferred.empty() && !tls::suite_facts(scan.preferred).forward_secret) {
    fails.push_back("preferred suite " + scan.preferred + " is not forward secret");
  }
  if (scan.accepted.empty()) {
    f.status = Status::error;
    f.explanation = "no suite could be negotiated";
  } else if (!fails.empty()) {
    f.status = Status::fail;
    f.explanation = "weak suites: " + join(fails, "; ");
  } else if (!warns.empty()) {
    f.status = Status::warn;
    f.explanation = join(warns, "; ");
  } else {
    f.status = Status::pass;
    f.explanation = std::to_string(scan.accepted.size()) + " suites accepted, all forward secret and >= 128 bits";
  }
  return f;
}

// ---- require-tls ----------------------------------------------------------------------------

Finding require_tls_finding(const MailHost& host, const std::vector<MainSession>& sessions, const ActiveOptions& o) {
  Finding f = make("require-tls", host.name, 5, "RFC 3207");
  if (!o.probe_require_tls) {
    f.status = Status::not_assessable;
    f.explanation = "not probed: the plaintext MAIL/RCPT probe is opt-in";
    return f;
  }
  const MainSession* probed = nullptr;
  for (const auto& m : sessions) {
    if (m.mail_code) {
      probed = &m;
      break;
    }
  }
  if (probed == nullptr) {
    f.status = Status::error;
    f.explanation = "no address answered MAIL FROM";
    return f;
  }
  for (const auto& line : probed->transcript) {
    if (line.starts_with("T:")) break;  // only the plaintext part is evidence here
    f.evidence.push_back({"smtp", "[" + probed->address + "] " + line});
  }
  const int mail = *probed->mail_code;
  const int rcpt = probed->rcpt_code.value_or(0);
  if (mail == 530 || rcpt == 530) {
    f.status = Status::pass;
    f.explanation = "refuses mail in plaintext (530 before STARTTLS)";
  } else if (mail / 100 == 2 && rcpt / 100 == 2) {
    f.status = Status::info;
    f.explanation = "accepts a transaction in plaintext (MAIL " + std::to_string(mail) + ", RCPT " + std::to_string(rcpt) + ")";
  } else {
    f.status = Status::info;
    f.explanation = "plaintext transaction refused without 530 (MAIL " + std::to_string(mail) +
                    (rcpt != 0 ? ", RCPT " + std::to_string(rcpt) : std::string()) + ")";
  }
  return f;
}

Finding not_measured(std::string id, const MailHost& host, int point, std::string standard, std::string why) {
  Finding f = make(std::move(id), host.name, point, std::move(standard));
  f.status = Status::error;
  f.explanation = "not measured: " + why;
  return f;
}

}  // namespace

std::vector<Finding> check_mail_hosts(std::string_view domain, std::span<const MailHost> hosts,
                                      const ActiveOptions& options) {
  std::vector<Finding> out;
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  for (std::size_t i = 0; i < hosts.size() && i < options.max_hosts; ++i) {
    const MailHost& host = hosts[i];
    const bool primary = host.preference == hosts.front().preference;
    std::vector<MainSession> sessions;
    for (std::size_t k = 0; k < host.addresses.size() && k < options.max_addresses; ++k) {
      sessions.push_back(main_session(domain, host, host.addresses[k], options));
    }
    out.push_back(starttls_finding(host, primary, sessions));
    for (std::size_t k = options.max_addresses; k < host.addresses.size(); ++k) {
      out.back().evidence.push_back({"error", "[" + host.addresses[k] + "] not checked: more than " +
                                                  std::to_string(options.max_addresses) + " addresses"});
    }
    const auto good = std::find_if(sessions.begin(), sessions.end(), [](const MainSession& m) { return m.tls.ok; });
    if (good == sessions.end()) {
      const std::string why = sessions.empty() ? "no address" : "STARTTLS did not work on any address";
      out.push_back(not_measured("tls-versions", host, 2, "RFC 8996, RFC 8446", why));
      out.push_back(not_measured("tls-ciphers", host, 2, "BCP 195 (RFC 9325)", why));
      out.push_back(not_measured("certificate", host, 3, "RFC 5280, RFC 9525, RFC 7817", why));
    } else {
      const VersionScan versions = scan_versions(good->address, host, options);
      out.push_back(versions_finding(host, good->address, versions));
      out.push_back(ciphers_finding(host, good->address, scan_suites(good->address, host, options, versions.accepted), *good));
      // The certificate per address: an MX pool behind one name can serve different ones.
      Finding cert = certificate_finding(host, *good, now);
      for (const auto& m : sessions) {
        if (&m == &*good || !m.tls.ok) continue;
        Finding other = certificate_finding(host, m, now);
        for (auto& e : other.evidence) e.value = "[" + m.address + "] " + e.value;
        cert.evidence.insert(cert.evidence.end(), other.evidence.begin(), other.evidence.end());
        if (worse(cert.status, other.status) != cert.status) {
          cert.status = other.status;
          cert.explanation = "[" + m.address + "] " + other.explanation;
        }
      }
      out.push_back(std::move(cert));
    }
    out.push_back(require_tls_finding(host, sessions, options));
  }
  return out;
}

}  // namespace lookalike::posture
