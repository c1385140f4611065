#include "pipeline/scan.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <unordered_map>

#include "domain/domain.hpp"
#include "generator/fuzzer_class.hpp"
#include "resolver/observation_json.hpp"
#include "pipeline/progress.hpp"
#include "posture/records.hpp"
#include "report/text.hpp"
#include "scoring/probe_json.hpp"

namespace lookalike::pipeline {
namespace {

using generator::Fuzzer;

constexpr std::size_t kBatchOps = 4000;

std::vector<scoring::Address> addresses(const resolver::NameResult& r) {
  std::vector<scoring::Address> out;
  for (auto t : {resolver::RecordType::a, resolver::RecordType::aaaa}) {
    if (const auto* x = r.find(t); x != nullptr && x->outcome == resolver::Outcome::answer) {
      for (const auto& a : x->records) {
        if (auto p = scoring::parse_address(a)) out.push_back(*p);
      }
    }
  }
  return out;
}

scoring::ProbeTarget target_for(const resolver::NameResult& r, const std::string& brand,
                                std::optional<std::uint64_t> brand_hash) {
  scoring::ProbeTarget t;
  t.name = r.name;
  t.web_addresses = addresses(r);
  if (const auto* mx = r.find(resolver::RecordType::mx); mx != nullptr && mx->outcome == resolver::Outcome::answer) {
    for (const auto& h : mx->mx) {
      scoring::MxHost host;
      host.host = h.host;
      for (const auto& a : h.addresses) {
        if (auto p = scoring::parse_address(a)) host.addresses.push_back(*p);
      }
      t.mx.push_back(std::move(host));
    }
  }
  if (const auto* ns = r.find(resolver::RecordType::ns); ns != nullptr && ns->outcome == resolver::Outcome::answer) {
    t.ns = ns->records;
  }
  t.brand_domain = brand;
  t.brand_page_hash = brand_hash;
  return t;
}

std::vector<std::string> fuzzer_list(generator::FuzzerSet set) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < generator::kFuzzerCount; ++i) {
    if (set & (generator::FuzzerSet{1} << i)) out.emplace_back(generator::fuzzer_name(static_cast<Fuzzer>(i)));
  }
  return out;
}

// True when `name` is an owned domain of the brand or below one.
bool owned_by(const index::Brand& b, std::string_view name) {
  for (const auto& o : b.owned) {
    if (name == o || (name.size() > o.size() && name.ends_with(o) && name[name.size() - o.size() - 1] == '.')) return true;
  }
  return false;
}

std::string change_text(const std::optional<index::Candidate>& prev, std::uint32_t flags, scoring::Level level) {
  namespace sf = index::state_flag;
  if (!(flags & sf::registered)) return {};
  const bool known = prev && prev->state;
  if (!known) return prev ? "registered" : "new";
  const std::uint32_t was = prev->state->flags;
  if (!(was & sf::registered)) return "registered";
  std::vector<std::string> parts;
  if ((flags & sf::mx_live) && !(was & sf::mx_live)) parts.emplace_back("mx live");
  if (!(flags & sf::mx_live) && (was & sf::mx_live)) parts.emplace_back("mx gone");
  if ((flags & sf::has_mx) && !(was & sf::has_mx)) parts.emplace_back("mx appeared");
  if ((flags & sf::web_live) && !(was & sf::web_live)) parts.emplace_back("web live");
  if (!(flags & sf::web_live) && (was & sf::web_live)) parts.emplace_back("web gone");
  if ((flags & sf::spf) && !(was & sf::spf)) parts.emplace_back("spf appeared");
  if (prev->score && prev->score->level != static_cast<std::uint8_t>(level)) {
    parts.push_back(std::string("level ") + std::string(scoring::level_name(level)) + " (was " +
                    std::string(scoring::level_name(static_cast<scoring::Level>(prev->score->level))) + ")");
  }
  return report::join(parts, ", ");
}

void commit_or_throw(index::Store& store, index::Batch& batch) {
  if (batch.empty()) return;
  if (auto ok = store.commit(std::move(batch)); !ok) throw std::runtime_error(ok.error().message);
  batch = index::Batch();
}

template <class T>
void check(const std::expected<T, index::Error>& r) {
  if (!r) throw std::runtime_error(r.error().message);
}

const char* dns_outcome_text(index::DnsOutcome d) {
  switch (d) {
    case index::DnsOutcome::answer: return "answer";
    case index::DnsOutcome::nodata: return "nodata";
    case index::DnsOutcome::nxdomain: return "NXDOMAIN";
    case index::DnsOutcome::servfail: return "SERVFAIL";
    case index::DnsOutcome::refused: return "REFUSED";
    case index::DnsOutcome::timeout: return "timeout";
    case index::DnsOutcome::unknown: break;
  }
  return "unknown";
}

// "MX 10 mail.example.test, 20 mx2.example.test"
std::string mx_text(const resolver::NameResult& r) {
  std::string t;
  if (const auto* mx = r.find(resolver::RecordType::mx); mx != nullptr) {
    for (const auto& h : mx->mx) t += (t.empty() ? "MX " : ", ") + std::to_string(h.preference) + " " + h.host;
  }
  return t;
}

// "https 200 \"Title\"" of the first web session that answered.
std::string web_text(const scoring::ProbeResult& p) {
  for (const auto& w : p.web) {
    if (w.answered) return w.scheme + " " + std::to_string(w.status) + (w.title.empty() ? "" : " \"" + w.title + "\"");
  }
  return {};
}

// An analyst said this name is ours or harmless: no more alerts for it.
bool silenced(const index::Store& store, std::string_view name) {
  auto v = store.get_verdict(name);
  check(v);
  if (!*v) return false;
  const std::string_view d = index::decision_name((*v)->decision);
  return d == "owned" || d == "benign";
}

}  // namespace

index::DnsOutcome summary_outcome(const resolver::NameResult& r) {
  if (r.types.empty()) return index::DnsOutcome::unknown;
  if (r.exists()) {
    for (const auto& t : r.types) {
      if (t.outcome == resolver::Outcome::answer) return index::DnsOutcome::answer;
    }
    return index::DnsOutcome::nodata;
  }
  if (r.nxdomain()) return index::DnsOutcome::nxdomain;
  // Neither exists nor NXDOMAIN: report the first failure honestly.
  for (const auto& t : r.types) {
    switch (t.outcome) {
      case resolver::Outcome::servfail: return index::DnsOutcome::servfail;
      case resolver::Outcome::refused: return index::DnsOutcome::refused;
      case resolver::Outcome::timeout: return index::DnsOutcome::timeout;
      default: break;
    }
  }
  return index::DnsOutcome::unknown;
}

bool has_answer(const resolver::NameResult& r, resolver::RecordType t) {
  const auto* x = r.find(t);
  return x != nullptr && x->outcome == resolver::Outcome::answer && (!x->records.empty() || !x->mx.empty());
}

std::uint32_t dns_flags(const resolver::NameResult& r) {
  namespace sf = index::state_flag;
  std::uint32_t flags = 0;
  if (r.exists()) flags |= sf::registered;
  if (has_answer(r, resolver::RecordType::a)) flags |= sf::has_a;
  if (has_answer(r, resolver::RecordType::aaaa)) flags |= sf::has_aaaa;
  if (has_answer(r, resolver::RecordType::mx)) flags |= sf::has_mx;
  if (has_answer(r, resolver::RecordType::ns)) flags |= sf::has_ns;
  if (r.spf) flags |= sf::spf;
  if (r.dmarc) flags |= sf::dmarc;
  if (r.wildcard) flags |= sf::wildcard;
  return flags;
}

void set_mail_facts(const resolver::NameResult& r, scoring::Facts& facts) {
  using resolver::Outcome;
  scoring::MailReadiness& m = facts.mail;
  if (const auto* mx = r.find(resolver::RecordType::mx); mx != nullptr && mx->outcome == Outcome::answer) {
    // The resolver keeps a null MX (RFC 7505 ".") as a host with an empty name.
    for (const auto& h : mx->mx) (h.host.empty() || h.host == "." ? m.null_mx : m.mx_record) = true;
    if (m.mx_record) m.null_mx = false;  // a null MX mixed with real ones is no declaration
  }
  facts.spf = false;
  m.spf_all = scoring::SpfAll::none;
  if (r.spf) {
    if (auto terms = posture::parse_spf(*r.spf)) {  // a permerror record authorises no one
      facts.spf = posture::spf_authorises_senders(*terms);
      switch (posture::spf_all_qualifier(*terms).value_or(0)) {
        case '+': m.spf_all = scoring::SpfAll::pass; break;
        case '?': m.spf_all = scoring::SpfAll::neutral; break;
        case '~': m.spf_all = scoring::SpfAll::softfail; break;
        case '-': m.spf_all = scoring::SpfAll::fail; break;
        default: break;
      }
    }
  }
  const auto* dm = r.find(resolver::RecordType::dmarc);
  const bool dmarc_answered = dm != nullptr && (dm->outcome == Outcome::answer || dm->outcome == Outcome::nodata ||
                                                dm->outcome == Outcome::nxdomain);
  const std::optional<std::string> policy = r.dmarc ? posture::dmarc_policy(*r.dmarc) : std::nullopt;
  if (policy == "reject") m.dmarc = scoring::DmarcPolicy::reject;
  else if (policy == "quarantine") m.dmarc = scoring::DmarcPolicy::quarantine;
  else if (policy == "none") m.dmarc = scoring::DmarcPolicy::none;
  else if (dmarc_answered) m.dmarc = scoring::DmarcPolicy::missing;  // no record, or one receivers ignore
}

namespace {
// The state bits the probes decide (live MX, live web site, parked), for scan and the probe worker.
std::uint32_t live_flags(const scoring::Facts& facts) {
  namespace sf = index::state_flag;
  return (facts.mx_live ? sf::mx_live : 0u) | (facts.web_live ? sf::web_live : 0u) | (facts.parked ? sf::parked : 0u);
}
}  // namespace

DkimLookup lookup_dkim(resolver::Resolver& resolver, std::span<const resolver::NameResult> names) {
  DkimLookup out;
  out.found.resize(names.size());
  // TXT only, as given: no wildcard probes and no existence-first round for these helper names.
  resolver::Config config = resolver.config();
  config.types = {resolver::RecordType::txt};
  config.detect_wildcards = false;
  config.existence_first = false;
  resolver::Resolver txt(std::move(config));
  auto ask = [&](const std::vector<std::string>& questions) -> std::optional<std::vector<resolver::NameResult>> {
    resolver::Stats stats;
    auto answers = txt.resolve_all(questions, &stats);
    out.queries += stats.queries;
    if (stats.outage || stats.stopped) {
      out.outage = stats.outage;
      out.stopped = stats.stopped;
      return std::nullopt;
    }
    return answers;
  };
  // Round 1: `_domainkey.<name>` of every name that exists. NXDOMAIN there means no selector below
  // it (RFC 8020), so most names cost this one question.
  std::vector<std::size_t> asked;
  std::vector<std::string> questions;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!names[i].exists()) continue;
    asked.push_back(i);
    questions.push_back(posture::dkim_hint_name(names[i].name));
  }
  if (questions.empty()) return out;
  const auto hints = ask(questions);
  if (!hints) return out;
  // Round 2: the guessed selectors (posture's list) where `_domainkey` exists.
  static const std::vector<std::string> selectors = posture::dkim_selectors();
  std::vector<std::size_t> owner;
  questions.clear();
  for (std::size_t k = 0; k < asked.size(); ++k) {
    const auto* t = (*hints)[k].find(resolver::RecordType::txt);
    if (t == nullptr || (t->outcome != resolver::Outcome::answer && t->outcome != resolver::Outcome::nodata)) continue;
    for (const auto& sel : selectors) {
      owner.push_back(asked[k]);
      questions.push_back(posture::dkim_key_name(sel, names[asked[k]].name));
    }
  }
  if (questions.empty()) return out;
  const auto keys = ask(questions);
  if (!keys) return out;
  for (std::size_t q = 0; q < questions.size(); ++q) {
    DkimFound& found = out.found[owner[q]];
    if (found.signs) continue;  // the first selector with a signing key is the one named
    const auto* t = (*keys)[q].find(resolver::RecordType::txt);
    if (t == nullptr || t->outcome != resolver::Outcome::answer) continue;
    for (const auto& record : t->records) {
      const auto key = posture::read_dkim_key(record);
      if (key && posture::dkim_key_signs(*key)) {
        found.signs = true;
        found.selector = selectors[q % selectors.size()];
        break;
      }
    }
  }
  return out;
}

scoring::SimilarityKind similarity_of(generator::FuzzerSet f, int edits) {
  using K = scoring::SimilarityKind;
  using C = generator::FuzzerClass;
  if (edits >= 2) return K::two_edits;
  switch (generator::strongest_class(f)) {
    case C::homoglyph: return K::homoglyph;
    case C::keyboard_typo: return K::keyboard_typo;
    case C::one_edit: return K::one_edit;
    case C::tld_swap: return K::tld_swap;
    case C::combosquat: return K::combosquat;
    case C::other: break;
  }
  return K::other;
}

Similarity similarity_of_stored(const std::vector<std::string>& fuzzers) {
  using K = scoring::SimilarityKind;
  // The strongest kind any source gave the name wins (a CT rule or a generator fuzzer).
  static constexpr K kOrder[] = {K::homoglyph, K::keyboard_typo, K::one_edit, K::tld_swap, K::two_edits,
                                 K::combosquat, K::other};
  K best = K::other;
  auto rank = [](K k) { return static_cast<std::size_t>(std::find(std::begin(kOrder), std::end(kOrder), k) - std::begin(kOrder)); };
  generator::FuzzerSet set = 0;
  for (const std::string& f : fuzzers) {
    K k = K::other;
    if (f.starts_with("ct:")) {
      const std::string_view rule = std::string_view(f).substr(3);
      if (rule == "tld-swap") k = K::tld_swap;
      else if (rule == "homoglyph") k = K::homoglyph;
      else if (rule == "keyboard") k = K::keyboard_typo;
      else if (rule == "edit") k = K::one_edit;
      else if (rule == "combosquat") k = K::combosquat;
    } else if (auto one = generator::parse_fuzzers(f)) {
      set |= *one;
      continue;
    }
    if (rank(k) < rank(best)) best = k;
  }
  if (set != 0) {
    const K k = similarity_of(set, 1);
    if (rank(k) < rank(best)) best = k;
  }
  // Edit counts are not stored: a typo kind is taken as one edit.
  const bool typo = best == K::one_edit || best == K::keyboard_typo || best == K::two_edits;
  return Similarity{best, typo ? (best == K::two_edits ? 2 : 1) : 0};
}

std::vector<RefreshOutcome> refresh_names(index::Store& store, resolver::Resolver& resolver, scoring::Prober* prober,
                                          const index::Brand& b, std::span<const RefreshItem> items,
                                          const RefreshOptions& options, BrandPage& page, ScanSummary& summary,
                                          Progress* progress) {
  std::unordered_map<std::string_view, std::size_t> pos;
  pos.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) pos.emplace(items[i].name, i);

  // Resolve every name, then the brand itself when its page is still unknown (its own page is
  // the similarity reference).
  std::vector<resolver::NameResult> dns(items.size());
  std::optional<resolver::NameResult> brand_dns;
  const bool want_brand = prober != nullptr && !page.probed;
  std::size_t next = 0;
  if (progress) progress->stage("resolve " + b.domain, items.size() + (want_brand ? 1 : 0));
  const auto stats = resolver.resolve(
      [&]() -> std::optional<std::string> {
        if (next < items.size()) return items[next++].name;
        if (want_brand && next++ == items.size()) return b.domain;
        return std::nullopt;
      },
      [&](resolver::NameResult&& r) {
        if (progress) progress->advance();
        if (want_brand && r.name == b.domain) {
          brand_dns = std::move(r);
        } else if (auto it = pos.find(r.name); it != pos.end()) {
          dns[it->second] = std::move(r);
        }
      });
  // Names in flight were never answered: storing the batch would record them as unknown or,
  // worse, drop them (or, in the DKIM round, drop the reasons of names that have keys); the
  // caller stops (scan) or pauses (watch) and tries again later. A stop (SIGTERM) abandons the
  // batch the same way: it is redone after a restart.
  auto abandoned = [&](std::uint64_t queries, const std::optional<std::string>& outage, bool stopped) {
    summary.dns_queries += queries;
    if (!outage && !stopped) return false;
    if (progress) progress->finish();
    summary.outage = outage;
    summary.stopped = stopped;
    return true;
  };
  if (abandoned(stats.queries, stats.outage, stats.stopped)) return {};
  // The DKIM part of the mail readiness: bounded TXT lookups for the names that exist.
  const DkimLookup dkim = lookup_dkim(resolver, dns);
  if (abandoned(dkim.queries, dkim.outage, dkim.stopped)) return {};

  // Probe what exists.
  std::vector<scoring::ProbeResult> probes(items.size());
  std::vector<bool> probed(items.size(), false);
  if (prober) {
    if (want_brand) {
      page.probed = true;
      if (brand_dns && brand_dns->exists()) {
        const std::vector<scoring::ProbeTarget> own{target_for(*brand_dns, b.domain, std::nullopt)};
        for (const auto& r : prober->probe_all(own)) {
          for (const auto& w : r.web) {
            if (w.answered && w.page_hash != 0) page.hash = w.page_hash;
          }
        }
      }
    }
    std::vector<scoring::ProbeTarget> targets;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (dns[i].exists()) targets.push_back(target_for(dns[i], b.domain, page.hash));
    }
    if (progress) progress->stage("probe " + b.domain, targets.size());
    prober->probe(targets, [&](scoring::ProbeResult&& r) {
      if (progress) progress->advance();
      if (auto it = pos.find(r.name); it != pos.end()) {
        summary.probe_skipped += r.skipped.size();
        ++summary.probed;
        for (const auto& m : r.mail) {
          if (m.answered) ++summary.mail_answered;
          else if (m.error != scoring::ProbeError::none && m.error != scoring::ProbeError::refused_address) ++summary.probe_failed;
        }
        for (const auto& w : r.web) {
          if (w.answered) ++summary.web_answered;
          else if (w.error != scoring::ProbeError::none && w.error != scoring::ProbeError::refused_address) ++summary.probe_failed;
        }
        probed[it->second] = true;
        probes[it->second] = std::move(r);
      }
    });
  }
  if (progress) progress->finish();

  // Score and store, one batch per few thousand operations (each name's writes in one batch).
  namespace sf = index::state_flag;
  const index::Time now = index::now_ms();
  std::vector<RefreshOutcome> out(items.size());
  index::Batch batch;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const RefreshItem& c = items[i];
    const std::optional<index::Candidate>& prev = c.prev;
    const resolver::NameResult& r = dns[i];
    RefreshOutcome& o = out[i];
    scoring::Facts facts;
    facts.kind = c.kind;
    facts.edit_distance = c.edit_distance;
    facts.registered = r.exists();
    if (facts.registered) {
      set_mail_facts(r, facts);
      facts.mail.dkim_key = dkim.found[i].signs;
      facts.mail.dkim_selector = dkim.found[i].selector;
    }
    facts.wildcard = r.wildcard;
    facts.ct_seen = prev && !prev->ct.empty();
    facts.likelihood = c.likelihood;
    facts.likelihood_path = c.likelihood_path;
    if (probed[i]) scoring::apply_probe(probes[i], facts);
    scoring::Score s = scoring::score(facts);
    // Strongest reasons first, for the table, the store and the report alike.
    std::stable_sort(s.reasons.begin(), s.reasons.end(), [](const scoring::Reason& x, const scoring::Reason& y) {
      return std::abs(x.points) > std::abs(y.points);
    });

    const std::uint32_t flags = dns_flags(r) | live_flags(facts);

    const index::DnsOutcome outcome = summary_outcome(r);
    switch (outcome) {
      case index::DnsOutcome::nxdomain: ++summary.nxdomain; break;
      case index::DnsOutcome::refused: ++summary.refused; break;
      case index::DnsOutcome::servfail: ++summary.servfail; break;
      case index::DnsOutcome::timeout: ++summary.timeout; break;
      case index::DnsOutcome::answer:
      case index::DnsOutcome::nodata: break;
      default: ++summary.other;
    }
    if (facts.registered) {
      ++summary.registered;
      if (facts.mx_live) ++summary.mx_live;
      if (facts.web_live) ++summary.web_live;
      if (facts.wildcard) ++summary.wildcard;
      if (facts.parked) ++summary.parked;
    }

    const bool was_registered = prev && prev->state && (prev->state->flags & sf::registered);
    const bool transient = outcome == index::DnsOutcome::timeout || outcome == index::DnsOutcome::servfail ||
                           outcome == index::DnsOutcome::refused || outcome == index::DnsOutcome::unknown;
    index::Score stored;
    if (was_registered && transient && prev->score) {
      // The name did not answer this time: keep what we knew (a flapping server must not read as
      // "gone" and then "registered" again); only the check time moves on.
      o.state_kept = true;
      stored = *prev->score;
      stored.time = now;
      o.flags = prev->state->flags;
      o.dns = prev->state->dns;
      o.registered = true;
      o.ct_seen = facts.ct_seen;
      o.score.value = stored.value;
      o.score.level = static_cast<scoring::Level>(stored.level);
      check(batch.set_score(c.name, stored));
      if (batch.size() >= kBatchOps) commit_or_throw(store, batch);
      continue;
    }

    o.change = change_text(prev, flags, s.level);
    if (o.change == "new" || o.change == "registered") {
      ++summary.new_registered;
    } else if (!o.change.empty()) {
      ++summary.changed;
    }

    index::CandidateUpdate u;
    u.name = c.name;
    u.brands = {b.domain};
    u.fuzzers = c.fuzzers;
    u.seen = now;
    // The state record changes only with the facts: its time is when they last changed.
    if (!prev || !prev->state || prev->state->flags != flags || prev->state->dns != outcome) {
      u.state = index::StateSummary{now, outcome, flags};
    }
    check(batch.upsert(u));
    stored.value = static_cast<std::uint8_t>(s.value);
    stored.level = static_cast<std::uint8_t>(s.level);
    stored.time = now;
    for (const auto& reason : s.reasons) stored.reasons.push_back(reason.text);
    check(batch.set_score(c.name, stored));
    if (facts.registered) {
      check(batch.record_observation(index::Observation{c.name, now, index::ObservationKind::dns, resolver::dns_observation_json(r)}));
      if (probed[i]) {
        check(batch.record_observation(
            index::Observation{c.name, now, index::ObservationKind::probe, scoring::probe_observation_json(probes[i])}));
      }
    }
    if (options.alert_events && facts.registered) {
      const std::uint32_t was = was_registered ? prev->state->flags : 0;
      std::vector<std::pair<index::EventKind, std::string>> events;
      if (!was_registered) {
        events.emplace_back(index::EventKind::registered,
                            std::string(prev && prev->state ? dns_outcome_text(prev->state->dns) : "unknown") +
                                " -> registered");
      } else {
        if ((flags & sf::has_mx) && !(was & sf::has_mx)) events.emplace_back(index::EventKind::mx_appeared, mx_text(r));
        if ((flags & sf::web_live) && !(was & sf::web_live)) {
          events.emplace_back(index::EventKind::web_live, probed[i] ? web_text(probes[i]) : std::string());
        }
      }
      if (!events.empty() && !silenced(store, c.name)) {
        for (auto& [kind, detail] : events) {
          check(batch.append_event(kind, c.name, detail));
          o.events.push_back(kind);
        }
      }
    }
    o.score = std::move(s);
    o.flags = flags;
    o.dns = outcome;
    o.registered = facts.registered;
    o.ct_seen = facts.ct_seen;
    if (batch.size() >= kBatchOps) commit_or_throw(store, batch);
  }
  commit_or_throw(store, batch);
  return out;
}

std::vector<generator::Candidate> brand_candidates(const index::Brand& b, generator::FuzzerSet fuzzers,
                                                  std::size_t budget, std::size_t max) {
  auto brand_name = domain::parse(b.domain);
  if (!brand_name) throw std::runtime_error("stored brand " + brand_name.error().message());
  generator::Options go;
  go.fuzzers = fuzzers;
  go.max = max;
  const std::string set = b.tlds.empty() ? "common" : b.tlds;
  if (budget != 0 && set == "common") {
    // The default set: cross with every TLD the model ranks (common + abused among them), as
    // `lookalike generate --budget` does; an explicit brand set is honoured as given.
    go.tlds = generator::ranked_tlds();
  } else {
    auto tlds = generator::load_tlds(set, brand_name->suffix);
    if (!tlds) throw std::runtime_error("brand " + b.domain + ": " + tlds.error());
    go.tlds = std::move(*tlds);
  }
  go.keywords = generator::default_keywords();
  for (const auto& k : b.keywords) {
    if (std::find(go.keywords.begin(), go.keywords.end(), k) == go.keywords.end()) go.keywords.push_back(k);
  }
  std::vector<generator::Candidate> cands;
  const auto keep = [&](const generator::Candidate& c) {
    if (!owned_by(b, c.ascii) && !owned_by(b, c.registrable)) cands.push_back(c);
    return true;
  };
  if (budget != 0) {
    go.depth = 2;  // ranked generation composes two edits, best first, within the budget
    (void)generator::generate_ranked(*brand_name, go, budget, keep);
  } else {
    (void)generator::generate(*brand_name, go, keep);
  }
  return cands;
}

scoring::ProbeTarget probe_target(const resolver::NameResult& r, const std::string& brand,
                                  std::optional<std::uint64_t> brand_hash) {
  return target_for(r, brand, brand_hash);
}

std::uint32_t probe_flags(const scoring::ProbeResult& probe) {
  scoring::Facts facts;
  scoring::apply_probe(probe, facts);
  return live_flags(facts);
}

RefreshItem refresh_item(const generator::Candidate& c) {
  RefreshItem it;
  it.name = c.ascii;
  it.fuzzers = fuzzer_list(c.fuzzers);
  it.kind = similarity_of(c.fuzzers, c.edits);
  // An edit distance only means something for typo kinds (not for TLD swaps or combosquats).
  using K = scoring::SimilarityKind;
  it.edit_distance = it.kind == K::one_edit || it.kind == K::keyboard_typo || it.kind == K::two_edits ? c.edits : 0;
  if (!c.path.empty() || c.likelihood > 0) {
    it.likelihood = c.likelihood;
    for (const std::string& step : c.path) it.likelihood_path += (it.likelihood_path.empty() ? "" : ", ") + step;
  }
  return it;
}

std::expected<std::vector<index::Brand>, std::string> scan_brands(index::Store& store,
                                                                const std::vector<std::string>& inputs) {
  std::vector<index::Brand> out;
  if (inputs.empty()) {
    auto all = store.list_brands();
    check(all);
    if (all->empty()) {
      return std::unexpected("no brands to scan: name one (lookalike scan example.com) or add some (lookalike brand add)");
    }
    return std::move(*all);
  }
  for (const std::string& in : inputs) {
    auto n = domain::parse(in);
    if (!n) return std::unexpected("scan: " + n.error().message());
    if (n->ascii != n->registrable()) {
      return std::unexpected("scan: \"" + in + "\" is not a registrable domain (did you mean " + n->registrable() + "?)");
    }
    auto existing = store.get_brand(n->ascii);
    check(existing);
    if (*existing) {
      out.push_back(**existing);
      continue;
    }
    index::Brand b;
    b.domain = n->ascii;
    b.tlds = "common";
    b.added = index::now_ms();
    check(store.add_brand(b));
    out.push_back(std::move(b));
  }
  return out;
}

std::vector<report::ReportRow> run_scan(index::Store& store, const std::vector<index::Brand>& brands, const ScanConfig& config,
                                std::ostream& err, ScanSummary& summary) {
  const auto t0 = std::chrono::steady_clock::now();
  Progress progress(err, config.progress);
  resolver::Resolver resolver(config.dns);
  std::optional<scoring::Prober> prober;
  if (config.probe_enabled) prober.emplace(config.probe);
  std::vector<report::ReportRow> rows;

  for (const index::Brand& b : brands) {
    ++summary.brands;
    const std::vector<generator::Candidate> cands =
        brand_candidates(b, config.fuzzers, config.budget, config.max_per_brand);
    summary.candidates += cands.size();

    // What the store knew before this scan (for "what changed").
    std::vector<RefreshItem> items;
    items.reserve(cands.size());
    for (const generator::Candidate& c : cands) {
      RefreshItem it = refresh_item(c);
      auto p = store.get_candidate(c.ascii);
      check(p);
      it.prev = std::move(*p);
      items.push_back(std::move(it));
    }
    BrandPage page;
    const auto outcomes = refresh_names(store, resolver, prober ? &*prober : nullptr, b, items, RefreshOptions{}, page,
                                        summary, &progress);
    if (summary.outage) return {};  // nothing of this brand was stored; no partial list

    const index::Time now = index::now_ms();
    for (std::size_t i = 0; i < cands.size(); ++i) {
      const RefreshOutcome& o = outcomes[i];
      if ((o.registered || config.include_unregistered) && o.score.value >= config.min_score) {
        report::ReportRow row;
        row.name = cands[i].ascii;
        row.unicode = cands[i].unicode;
        // The candidate's brands as stored after this scan: the ones known before plus this one.
        row.brands = items[i].prev ? items[i].prev->brands : std::vector<std::string>{};
        if (std::find(row.brands.begin(), row.brands.end(), b.domain) == row.brands.end()) {
          row.brands.insert(std::upper_bound(row.brands.begin(), row.brands.end(), b.domain), b.domain);
        }
        row.brand = b.domain;
        row.score = o.score.value;
        row.level = std::string(scoring::level_name(o.score.level));
        row.flags = report::row_flags(o.flags, o.ct_seen);
        for (const auto& reason : o.score.reasons) row.reasons.push_back(reason.text);
        row.fuzzers = items[i].fuzzers;
        row.first_seen = items[i].prev ? items[i].prev->first_seen : now;
        row.last_seen = now;
        row.change = o.change;
        rows.push_back(std::move(row));
      }
    }
  }
  report::rank_rows(rows);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rows;
}

std::string summary_text(const ScanSummary& s) {
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "Scanned %zu brand%s: %zu candidates, %zu registered (%zu with live MX, %zu with a live web site, "
                "%zu under wildcards, %zu parked); %zu newly registered since the last scan and %zu changed. "
                "DNS: %zu NXDOMAIN, %zu REFUSED, %zu SERVFAIL, %zu timed out, %zu other; %llu queries. "
                "%zu address%s not probed (private or special). Elapsed %.1f s.",
                s.brands, s.brands == 1 ? "" : "s", s.candidates, s.registered, s.mx_live, s.web_live, s.wildcard,
                s.parked, s.new_registered, s.changed, s.nxdomain, s.refused, s.servfail, s.timeout, s.other,
                static_cast<unsigned long long>(s.dns_queries), s.probe_skipped, s.probe_skipped == 1 ? "" : "es",
                s.seconds);
  return buf;
}

}  // namespace lookalike::pipeline
