// The scan pipeline behind `lookalike scan` and the watch service's refreshes: generator ->
// resolver -> index -> probes -> scoring -> ranked rows (where the stages meet).
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "report/report.hpp"
#include "generator/generator.hpp"
#include "index/index.hpp"
#include "resolver/resolver.hpp"
#include "scoring/scoring.hpp"

namespace lookalike::pipeline {

struct ScanConfig {
  resolver::Config dns;
  scoring::ProbeOptions probe;
  bool probe_enabled = true;
  generator::FuzzerSet fuzzers = generator::kAllFuzzers;
  // The most likely `budget` candidates per brand (generate_ranked, best first); 0: every depth-1
  // candidate in generation order (the unranked generator, as before budgets existed).
  std::size_t budget = generator::kDefaultBudget;
  std::size_t max_per_brand = 0;  // 0: no cap; else at most this many candidates (lowers the budget)
  bool include_unregistered = false;  // rows for names that do not exist too
  int min_score = 0;
  bool progress = false;  // stderr is a terminal
};

// What one scan saw, for the summary paragraph.
struct ScanSummary {
  std::size_t brands = 0;
  std::size_t candidates = 0;
  std::size_t registered = 0;
  std::size_t mx_live = 0;
  std::size_t web_live = 0;
  std::size_t wildcard = 0;
  std::size_t parked = 0;
  std::size_t new_registered = 0;  // registered now, unknown or unregistered before
  std::size_t changed = 0;         // registered before, with a different state or level now
  std::size_t nxdomain = 0, refused = 0, servfail = 0, timeout = 0, other = 0;
  std::size_t probe_skipped = 0;   // addresses the SSRF guard refused
  std::uint64_t dns_queries = 0;
  std::size_t probed = 0;          // names probed
  std::size_t mail_answered = 0;   // SMTP sessions that got a banner
  std::size_t web_answered = 0;    // HTTP(S) sessions that got a response
  std::size_t probe_failed = 0;    // sessions that ended in an error other than a refused address
  double seconds = 0;
  // Set when no live resolver was left (resolver::Stats::outage): the refresh that saw it stored
  // nothing (names in flight were never answered, so none may read as unregistered).
  std::optional<std::string> outage;
  // Set when the resolver's stop flag abandoned the refresh (SIGTERM): nothing was stored.
  bool stopped = false;
};

class Progress;

// One stored or generated name to (re)check for a brand, with what the score needs to know about
// how it imitates the brand.
struct RefreshItem {
  std::string name;                     // A-label
  std::vector<std::string> fuzzers;     // provenance upserted with it ("homoglyph", "ct:edit", ...)
  scoring::SimilarityKind kind = scoring::SimilarityKind::other;
  int edit_distance = 0;                // meaningful for the typo kinds only
  std::optional<double> likelihood;     // the generator model's likelihood (ranked generation only)
  std::string likelihood_path;          // its edit path, shown in the score's reason
  std::optional<index::Candidate> prev;  // the stored record before this check (nullopt: new)
};

// What one refresh found for one item.
struct RefreshOutcome {
  scoring::Score score;
  std::uint32_t flags = 0;  // index::state_flag bits as stored
  index::DnsOutcome dns = index::DnsOutcome::unknown;
  bool registered = false;
  bool ct_seen = false;
  bool state_kept = false;  // a transient DNS failure: the previous state was kept
  std::string change;       // "new", "registered", "mx appeared, web live", ... or ""
  std::vector<index::EventKind> events;  // alert events committed with the state
};

// The brand's own web page, probed once and reused as the similarity reference.
struct BrandPage {
  bool probed = false;
  std::optional<std::uint64_t> hash;
};

struct RefreshOptions {
  // Append registered / mx-appeared / web-live events in the same batch as the state change,
  // except for names whose verdict is owned or benign (`lookalike watch`).
  bool alert_events = false;
};

// Resolves, probes, scores and stores `items` (all imitating `brand`): state, score and DNS/probe
// observations are committed together, so a crash keeps a name's whole refresh or none of it.
// The stored state only changes when the DNS/probe facts do (its time is the last change; the
// score's time is the last check), and a transient DNS failure (timeout, SERVFAIL, REFUSED) of a
// registered name keeps its state. Returns one outcome per item, in item order, or nothing at all
// (with summary.outage set) when the resolvers went away mid-run: nothing is stored then.
std::vector<RefreshOutcome> refresh_names(index::Store& store, resolver::Resolver& resolver,
                                          scoring::Prober* prober, const index::Brand& brand,
                                          std::span<const RefreshItem> items, const RefreshOptions& options,
                                          BrandPage& page, ScanSummary& summary, Progress* progress);

// The similarity a stored candidate's provenance implies (generator fuzzer names and "ct:<rule>").
struct Similarity {
  scoring::SimilarityKind kind = scoring::SimilarityKind::other;
  int edit_distance = 0;
};
[[nodiscard]] Similarity similarity_of_stored(const std::vector<std::string>& fuzzers);

// The brands a scan covers: the ones named in `inputs` (registrable domains, added to the store
// with the "common" TLD set when new), or every stored brand when none is named. The error is
// for the user (no brands at all, or an input that is not a registrable domain); a store
// failure throws.
[[nodiscard]] std::expected<std::vector<index::Brand>, std::string> scan_brands(index::Store& store,
                                                                               const std::vector<std::string>& inputs);

// Scans `brands` (already in the store) end to end, writing candidates, observations and scores
// to `store`, and returns the ranked rows (registered ones unless include_unregistered, score
// >= min_score). Progress goes to `err` when config.progress. A resolver outage stops the scan at
// the brand it hit (summary.outage set; that brand's names are not stored) and returns no rows.
std::vector<report::ReportRow> run_scan(index::Store& store, const std::vector<index::Brand>& brands, const ScanConfig& config,
                                std::ostream& err, ScanSummary& summary);

// One paragraph describing `s` for humans.
std::string summary_text(const ScanSummary& s);

// The candidates a scan checks for `brand`: generate_ranked with `config.budget` (TLDs: the
// brand's own set, or the model's ranked TLDs for the default "common" set), or the unranked
// generator with budget 0. The brand's own names are left out. Throws on a bad stored brand.
std::vector<generator::Candidate> brand_candidates(const index::Brand& brand, generator::FuzzerSet fuzzers,
                                                  std::size_t budget, std::size_t max);

// The refresh item of a generated candidate (provenance, similarity kind, likelihood and path).
RefreshItem refresh_item(const generator::Candidate& c);

// The stored DNS outcome of a resolution: answer/nodata when the name exists, nxdomain, else its
// first failure (servfail, refused, timeout), unknown when nothing was asked.
[[nodiscard]] index::DnsOutcome summary_outcome(const resolver::NameResult& r);
// True when type `t` was answered with records (addresses, hosts, MX).
[[nodiscard]] bool has_answer(const resolver::NameResult& r, resolver::RecordType t);
// The index::state_flag bits DNS alone decides (registered, has_a/aaaa/mx/ns, spf, dmarc,
// wildcard); probes add mx_live, web_live and parked.
[[nodiscard]] std::uint32_t dns_flags(const resolver::NameResult& r);
// What to probe for a resolved name: its A/AAAA addresses, its MX hosts with their addresses and
// its NS hosts (parking), imitating `brand` (whose own page hash, when known, is the reference).
[[nodiscard]] scoring::ProbeTarget probe_target(const resolver::NameResult& r, const std::string& brand,
                                                std::optional<std::uint64_t> brand_hash);
// The index::state_flag bits the probes decide (mx_live, web_live, parked).
[[nodiscard]] std::uint32_t probe_flags(const scoring::ProbeResult& probe);
// Sets the score's DNS-only mail facts of `r` (Facts::mail and Facts::spf) from the MX, TXT and
// `_dmarc` answers the resolver already has, read with posture's record readers; no query.
void set_mail_facts(const resolver::NameResult& r, scoring::Facts& facts);

// What the DKIM lookups found for one name: a key that makes signatures count
// (posture::dkim_key_signs) and the first selector publishing one.
struct DkimFound {
  bool signs = false;
  std::string selector;
};
struct DkimLookup {
  std::vector<DkimFound> found;  // one per input name, in input order
  std::uint64_t queries = 0;
  std::optional<std::string> outage;  // as resolver::Stats: nothing after it was asked
  bool stopped = false;
};
// The DKIM keys of the names in `names` that exist, through a TXT-only resolver with `resolver`'s
// upstreams: `_domainkey.<name>` first, and only where it exists (NOERROR) the selectors of
// posture::dkim_selectors() (the guess list posture's dkim check uses). At most
// 1 + size of the guess list questions per existing name, none for the others.
[[nodiscard]] DkimLookup lookup_dkim(resolver::Resolver& resolver, std::span<const resolver::NameResult> names);

// The similarity kind the score uses for a candidate made by `fuzzers` with `edits` edits.
scoring::SimilarityKind similarity_of(generator::FuzzerSet fuzzers, int edits);

}  // namespace lookalike::pipeline
