#include "pipeline/watch.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <queue>
#include <set>
#include <thread>
#include <unordered_map>

#include "alerts/alert.hpp"
#include "alerts/render.hpp"
#include "ctlog/ctlog.hpp"
#include "domain/domain.hpp"
#include "ingest/ingest.hpp"
#include "ingest/parse.hpp"
#include "generator/likelihood.hpp"
#include "generator/matcher.hpp"
#include "pipeline/ct_store.hpp"
#include "pipeline/log_list.hpp"
#include "pipeline/publish.hpp"
#include "pipeline/scan.hpp"
#include "posture/history.hpp"
#include "posture/policy_fetch.hpp"
#include "posture/run.hpp"
#include "posture/unbound_dns.hpp"
#include "pipeline/schedule.hpp"
#include "pipeline/watch_metrics.hpp"
#include "resolver/resolver.hpp"
#include "scoring/scoring.hpp"
#include "telemetry/log.hpp"
#include "telemetry/metrics.hpp"

namespace lookalike::pipeline {
namespace {

using alerts::Sink;
using alerts::SinkConfig;
using telemetry::escape_label_value;
using telemetry::log_debug;
using telemetry::log_error;
using telemetry::log_info;
using telemetry::log_warn;
using telemetry::Metrics;
using telemetry::MetricsServer;

using std::chrono::milliseconds;
constexpr std::string_view kConsumer = "watch";
// What a brand's generated candidates depend on, as a stable 64-bit FNV-1a hex digest: the
// brand, its TLD set and keywords, the budget, and the generator's model and word lists. Stored
// per brand (the index's generation state); a change re-generates the candidates.
std::string generation_fingerprint(const index::Brand& b, std::size_t budget) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  const auto mix = [&h](std::string_view s) {
    for (const unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
    h = (h ^ 0xff) * 0x100000001b3ULL;  // field separator
  };
  mix("v1");
  mix(b.domain);
  mix(b.tlds);
  for (const auto& k : b.keywords) mix(k);
  mix(std::to_string(budget));
  mix(generator::default_model_text());
  for (const auto& t : generator::ranked_tlds()) mix(t);
  for (const auto& k : generator::default_keywords()) mix(k);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// How long the scheduler pauses when no resolver answers before it tries again.
constexpr std::int64_t kOutagePauseMs = 30'000;


// Wakes the scheduler and the dispatcher early (new CT names, new events, stop).
class Signal {
 public:
  void notify() {
    {
      std::lock_guard lock(mu_);
      ++generation_;
    }
    cv_.notify_all();
  }
  // Waits until notified after `seen`, `timeout` passes or `stop` is set; returns the generation.
  std::uint64_t wait(std::uint64_t seen, milliseconds timeout, const std::atomic<bool>& stop) {
    std::unique_lock lock(mu_);
    const auto until = std::chrono::steady_clock::now() + timeout;
    // Short slices: the stop flag is set from a signal handler, which cannot notify.
    while (generation_ == seen && !stop.load() && std::chrono::steady_clock::now() < until) {
      cv_.wait_for(lock, std::min<std::chrono::steady_clock::duration>(milliseconds(200), until - std::chrono::steady_clock::now()));
    }
    return generation_;
  }
  std::uint64_t generation() {
    std::lock_guard lock(mu_);
    return generation_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t generation_ = 0;
};

// A short stable identifier of the store (alert ids are "<store-id>-<seq>").
std::string store_id_of(const std::string& path) {
  std::error_code ec;
  const std::string p = std::filesystem::weakly_canonical(path, ec).string();
  std::uint64_t h = 1469598103934665603ull;
  for (char c : (ec ? path : p)) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 8; ++i) s += kHex[(h >> (60 - 4 * i)) & 0xf];
  return s;
}

// The names of a committed range of CT hits for the cluster's match workers, each once, as the
// certificate gave them ("*." kept: the match worker strips it) with the log as the source.
std::vector<queue::NameRecord> ct_name_records(std::span<const ctlog::Hit> hits) {
  std::vector<queue::NameRecord> out;
  std::set<std::string> seen;
  for (const ctlog::Hit& h : hits) {
    std::string name = (h.name.wildcard ? "*." : "") + h.name.ascii;
    if (seen.insert(name).second) out.push_back(queue::NameRecord{std::move(name), "ct:" + h.log});
  }
  return out;
}

// Follower state -> the store, with metrics and wake-ups; adds "certificate" events for new
// certificates naming names the store already knew.
class WatchStateStore final : public ctlog::StateStore {
 public:
  // With `publisher`, hits go to the cluster's names topic instead of the store (see commit()).
  WatchStateStore(index::Store& store, Signal& wake, Metrics& metrics, WorkPublisher* publisher = nullptr)
      : store_(store), inner_(store, [this](index::Batch& b, std::string_view log_id, std::span<const ctlog::Hit> hits) {
          return add_certificate_events(b, log_id, hits);
        }),
        wake_(wake), metrics_(metrics), publisher_(publisher) {}

  std::expected<std::optional<ctlog::FollowState>, ctlog::Error> load(std::string_view log_id) override {
    auto r = inner_.load(log_id);
    if (r) {
      std::lock_guard lock(mu_);
      position_[std::string(log_id)] = *r ? (*r)->next_index : 0;
    }
    return r;
  }

  std::expected<void, ctlog::Error> commit(std::string_view log_id, const ctlog::FollowState& st,
                                           std::span<const ctlog::Hit> hits) override {
    std::expected<void, ctlog::Error> r;
    if (publisher_ != nullptr) {
      // The names first, acknowledged by the broker, then the position that covers them: a crash
      // in between re-reads the range and publishes its names again (match workers are idempotent).
      const auto records = ct_name_records(hits);
      if (auto p = publisher_->publish_names(records); !p) return std::unexpected(ctlog::Error{p.error()});
      r = inner_.commit(log_id, st, {});
      if (r && !records.empty()) {
        log_info("published CT names", {{"log", hits.front().log}, {"names", records.size()},
                                        {"topic", publisher_->topics().names}, {"next_index", st.next_index}});
      }
    } else {
      r = inner_.commit(log_id, st, hits);
    }
    if (!r) return r;
    {
      // Entries processed = how far the committed position moved (from the saved one at start).
      std::lock_guard lock(mu_);
      auto [it, fresh] = position_.try_emplace(std::string(log_id), st.next_index);
      if (!fresh && st.next_index > it->second) {
        const auto name = names_.find(std::string(log_id));
        const std::string log = name != names_.end() ? name->second : std::string(log_id);
        metrics_.add("lookalike_ct_entries_processed_total", "log=\"" + escape_label_value(log) + "\"",
                     static_cast<double>(st.next_index - it->second), "CT log entries processed");
      }
      it->second = st.next_index;
    }
    if (!hits.empty()) wake_.notify();
    return {};
  }

 private:
  // "certificate" events for new certificates naming names the store already knew, added to
  // the batch that commits the hits (so kill -9 cannot keep the hits and lose the alerts).
  std::expected<void, std::string> add_certificate_events(index::Batch& b, std::string_view log_id,
                                                          std::span<const ctlog::Hit> hits) {
    std::vector<std::string> done;
    for (const ctlog::Hit& h : hits) {
      if (std::find(done.begin(), done.end(), h.name.ascii) != done.end()) continue;
      auto c = store_.get_candidate(h.name.ascii);
      if (!c) return std::unexpected(c.error().message);
      if (!*c) continue;
      const bool seen = std::any_of((*c)->ct.begin(), (*c)->ct.end(), [&](const index::CtSighting& s) {
        return s.log_id == log_id && s.index == h.index;
      });
      if (seen) continue;
      done.push_back(h.name.ascii);
      auto v = store_.get_verdict(h.name.ascii);
      if (!v) return std::unexpected(v.error().message);
      if (*v && ((*v)->decision == index::Decision::owned || (*v)->decision == index::Decision::benign)) continue;
      if (auto a = b.append_event(index::EventKind::certificate, h.name.ascii, h.log + " #" + std::to_string(h.index));
          !a) {
        return std::unexpected(a.error().message);
      }
    }
    return {};
  }

  index::Store& store_;
  IndexStateStore inner_;
  Signal& wake_;
  Metrics& metrics_;
  WorkPublisher* publisher_;
  std::mutex mu_;
  std::map<std::string, std::uint64_t> position_;  // log ID -> committed next_index

 public:
  std::map<std::string, std::string> names_;  // log ID -> short name (metrics labels), set before following
};

struct Engine {
  Engine(const WatchConfig& c, index::Store& s) : config(c), store(s) {}
  const WatchConfig& config;
  index::Store& store;
  std::atomic<bool> quit{false};  // set when a signal arrives or a part failed
  const std::atomic<bool>& stop = quit;
  bool once = false;
  Metrics metrics;
  Signal wake;  // new work for the scheduler / dispatcher
  std::vector<std::unique_ptr<Sink>> sinks;
  std::string store_id;
  std::vector<index::Brand> brands;
  std::map<std::string, std::size_t, std::less<>> budgets;  // configured brands' budgets
  // Generated candidates' likelihood and edit path, recomputed at start rather than stored: they
  // are a function of what the generation fingerprint covers (brand, TLD set, budget, model), and
  // enumerate() regenerates every brand's list at start anyway to compare that fingerprint (a few
  // ms per brand), so this map is always exact for the running model; a stored copy would go stale
  // when the model changes and would need a new field in the index's candidate encoding.
  std::unordered_map<std::string, std::pair<double, std::string>> likely;
  std::atomic<bool> failed{false};
  // Set when the config names brokers: generated candidates and CT names are published to the
  // cluster (README "Scaling out") and nothing is resolved here.
  std::unique_ptr<WorkPublisher> publisher;

  // ---- enumeration -------------------------------------------------------------------------
  // Generates each brand's budgeted candidates; stores them (unchecked, so the scheduler takes
  // them first) when the brand's fingerprint changed. False on a store error.
  bool enumerate() {
    for (const index::Brand& b : brands) {
      const auto bi = budgets.find(b.domain);
      const std::size_t budget = bi == budgets.end() ? generator::kDefaultBudget : bi->second;
      if (budget == 0) continue;
      std::vector<generator::Candidate> cands;
      try {
        cands = brand_candidates(b, generator::kAllFuzzers, budget, 0);
      } catch (const std::exception& e) {
        log_error("cannot generate candidates", {{"brand", b.domain}, {"error", e.what()}});
        return false;
      }
      std::vector<index::CandidateUpdate> updates;
      updates.reserve(cands.size());
      for (const auto& c : cands) {
        const RefreshItem it = refresh_item(c);
        likely[it.name] = {it.likelihood.value_or(0.0), it.likelihood_path};
        index::CandidateUpdate u;
        u.name = it.name;
        u.brands = {b.domain};
        u.fuzzers = it.fuzzers;
        updates.push_back(std::move(u));
      }
      // Published and stored generations are apart: switching modes generates again.
      const std::string fp = (publisher ? "kafka:" : "") + generation_fingerprint(b, budget);
      auto old = store.get_generation_state(b.domain);
      if (!old) {
        log_error("cannot read the brand's generation state", {{"brand", b.domain}, {"error", old.error().message}});
        return false;
      }
      if (*old && **old == fp) continue;
      if (publisher) {
        std::vector<queue::CandidateRecord> records;
        records.reserve(cands.size());
        for (const auto& c : cands) records.push_back(candidate_record(c, b.domain));
        // The fingerprint is stored only once the broker has every candidate: a crash before
        // that publishes them again at the next start.
        if (auto r = publisher->publish_candidates(records); !r) {
          // A stop cut the wait short: not a failure, the next start publishes them again.
          if (stop.load()) return true;
          log_error("cannot publish generated candidates", {{"brand", b.domain}, {"error", r.error()}});
          return false;
        }
        updates.clear();
      }
      for (std::size_t i = 0; i < updates.size(); i += 4000) {
        const std::size_t n = std::min<std::size_t>(4000, updates.size() - i);
        if (auto r = store.upsert_candidates(std::span(updates).subspan(i, n)); !r) {
          log_error("cannot store generated candidates", {{"brand", b.domain}, {"error", r.error().message}});
          return false;
        }
      }
      index::Batch batch;
      if (auto r = batch.put_generation_state(b.domain, fp); !r || !store.commit(std::move(batch))) {
        log_error("cannot store the brand's generation state", {{"brand", b.domain}});
        return false;
      }
      if (publisher) {
        log_info("published generated candidates",
                 {{"brand", b.domain}, {"names", cands.size()}, {"topic", publisher->topics().candidates}, {"fingerprint", fp}});
        continue;
      }
      metrics.add("lookalike_generated_candidates_total", "", static_cast<double>(updates.size()),
                  "Generated look-alikes stored for scheduling");
      log_info("generated candidates", {{"brand", b.domain}, {"names", updates.size()}, {"fingerprint", fp}});
    }
    return true;
  }

  // The matcher of the configured brands (CT names and feed files); nullopt (logged) when a brand
  // cannot be indexed.
  std::optional<generator::Matcher> brand_matcher() {
    std::vector<generator::BrandSpec> specs;
    for (const auto& b : brands) specs.push_back(generator::BrandSpec{b.domain, b.keywords, b.owned});
    auto matcher = generator::Matcher::build(specs);
    if (!matcher) {
      log_error("cannot build the brand matcher", {{"brand", specs[matcher.error().index].domain}, {"error", matcher.error().message}});
      return std::nullopt;
    }
    return std::move(*matcher);
  }

  // ---- feeds ------------------------------------------------------------------------------
  std::string state_dir;  // ingest's per-source state and feed ledgers, beside the store

  // Polls every [[feeds]] directory (each at its own interval) until stopped; with `once`, one
  // pass. Each new file is ingested once (ledger), its matches stored with their events.
  void poll_feeds() {
    if (config.feeds.empty()) return;
    // With brokers the cluster's match workers match the names: no matcher here.
    auto matcher = publisher ? std::optional<generator::Matcher>() : brand_matcher();
    if (!publisher && !matcher) {
      failed = true;
      return;
    }
    using Clock = std::chrono::steady_clock;
    std::vector<Clock::time_point> next(config.feeds.size(), Clock::now());
    while (!stop.load()) {
      for (std::size_t i = 0; i < config.feeds.size() && !stop.load(); ++i) {
        if (Clock::now() < next[i]) continue;
        if (!ingest_feed(config.feeds[i], matcher ? &*matcher : nullptr)) {
          failed = true;
          return;
        }
        next[i] = Clock::now() + config.feeds[i].poll;
      }
      if (once) return;
      const auto earliest = *std::min_element(next.begin(), next.end());
      while (!stop.load() && Clock::now() < earliest) std::this_thread::sleep_for(milliseconds(50));
    }
  }

  // Ingests the pending files of one feed directory; false on a ledger error (a missing or
  // unreadable directory is logged and retried at the next poll; a bad file is marked failed).
  // With brokers (`m` null) each file's names are published to the cluster instead.
  bool ingest_feed(const WatchConfig::Feed& f, const generator::Matcher* m) {
    const std::string ledger = ingest::feed_ledger_path(state_dir, f.dir);
    auto pending = ingest::pending_feed_files(f.dir, ledger);
    if (!pending) {
      log_warn("cannot read feed directory", {{"dir", f.dir}, {"error", pending.error()}});
      return true;
    }
    for (const ingest::FeedFile& file : *pending) {
      if (stop.load()) break;
      ingest::IngestOptions o;
      o.format = ingest::parse_format(f.format).value_or(ingest::Format::automatic);
      o.source = f.source;
      o.strict = f.strict;
      o.state_dir = state_dir;
      o.date = file.date;
      const std::optional<bool> ok = m != nullptr ? std::optional<bool>(ingest_here(file, o, *m)) : publish_file(file, o);
      metrics.add("lookalike_feed_files_total", ok.value_or(false) ? "outcome=\"ok\"" : "outcome=\"failed\"", 1,
                  "Feed files ingested by outcome");
      if (!ok) return true;  // the cluster refused or a stop cut it short: taken again at the next poll
      if (auto mk = ingest::mark_feed_file(ledger, file, *ok); !mk) {
        log_error("cannot write the feed ledger", {{"ledger", ledger}, {"error", mk.error()}});
        return false;
      }
    }
    return true;
  }

  // One feed file matched into the store: whether it was (its ledger outcome).
  bool ingest_here(const ingest::FeedFile& file, const ingest::IngestOptions& o, const generator::Matcher& m) {
    std::uint64_t malformed = 0;
    auto r = ingest::ingest_file(file.path, m, store, o, [&](const ingest::ParseError&) { ++malformed; });
    if (!r) {
      log_error("feed file failed", {{"file", file.path}, {"error", r.error().message()}});
      return false;
    }
    log_info("feed file ingested", {{"file", file.path}, {"source", r->source}, {"date", r->date},
                                    {"names", r->names}, {"matches", r->matches.size()}, {"malformed", malformed}});
    if (!r->note.empty()) log_warn("feed file compared with nothing", {{"file", file.path}, {"note", r->note}});
    wake.notify();  // new candidates for the scheduler, events for the dispatcher
    return true;
  }

  // One feed file's names published for the cluster's match workers: whether they were, or
  // nullopt when the cluster (not the file) stopped it, so the file stays pending.
  std::optional<bool> publish_file(const ingest::FeedFile& file, const ingest::IngestOptions& o) {
    std::uint64_t malformed = 0;
    auto r = publish_feed_file(*publisher, file.path, o, [&](const ingest::ParseError&) { ++malformed; });
    if (!r) {
      log_error("feed file not published", {{"file", file.path}, {"error", r.error().message}});
      if (r.error().cluster) return std::nullopt;
      return false;
    }
    log_info("feed file published", {{"file", file.path}, {"source", r->source}, {"date", r->date},
                                     {"names", r->published}, {"malformed", malformed}});
    return true;
  }

  // ---- CT followers ------------------------------------------------------------------------
  void follow(const std::vector<ctlog::LogInfo>& logs) {
    auto matcher = brand_matcher();
    if (!matcher) {
      failed = true;
      return;
    }
    const generator::Matcher& m = *matcher;
    const ctlog::NameMatcher match = ct_name_matcher(m);
    WatchStateStore states(store, wake, metrics, publisher.get());
    ctlog::FollowOptions opts;
    opts.from = config.ct.from_start ? ctlog::StartFrom::start : ctlog::StartFrom::end;
    opts.once = once;
    opts.parallel = config.ct.parallel;
    opts.batch = config.ct.batch;
    opts.poll = config.ct.poll;
    opts.http.ca_file = config.ct.ca_file;
    opts.stop = &stop;
    std::map<std::string, std::uint32_t, std::less<>> mmd;  // short name -> the log's MMD (s)
    for (const auto& l : logs) {
      states.names_[l.log_id_b64] = l.short_name();
      mmd[l.short_name()] = l.mmd;
    }
    opts.on_progress = [&](std::string_view log, const ctlog::FollowState& st) {
      const std::string labels = "log=\"" + escape_label_value(log) + "\"";
      metrics.set("lookalike_ct_next_index", labels, static_cast<double>(st.next_index), "Next CT entry to fetch");
      metrics.set("lookalike_ct_lag_entries", labels,
                  static_cast<double>(st.head_size > st.next_index ? st.head_size - st.next_index : 0),
                  "Entries between the position and the latest signed head");
      const auto it = mmd.find(log);
      const ctlog::HeadHealth h = ctlog::head_health(st, it != mmd.end() ? it->second : 0);
      for (const auto& [problem, on] : {std::pair{"future", h.future}, std::pair{"stale", h.stale}}) {
        metrics.set("lookalike_ct_head_problem", labels + ",problem=\"" + problem + "\"", on ? 1 : 0,
                    "1 when the log's last signed head is dated in the future or older than its MMD");
      }
    };
    // One series per state, 1 for the current one: following, retrying (after a failure) or stopped.
    opts.on_status = [&](std::string_view log, ctlog::FollowerStatus now) {
      for (const auto s : {ctlog::FollowerStatus::following, ctlog::FollowerStatus::retrying, ctlog::FollowerStatus::stopped}) {
        metrics.set("lookalike_ct_follower_state",
                    "log=\"" + escape_label_value(log) + "\",state=\"" + std::string(ctlog::follower_status_name(s)) + "\"",
                    s == now ? 1 : 0, "CT log follower state (1 for the current one)");
      }
    };
    opts.on_alert = [](const ctlog::Alert& al) {
      log_error("CT log misbehaved", {{"log", al.log}, {"kind", al.kind}, {"detail", al.detail}});
    };
    opts.on_malformed = [](std::string_view log, std::uint64_t index, const ctlog::Error& e) {
      log_warn("malformed CT entry skipped", {{"log", log}, {"index", index}, {"error", e.what}});
    };
    std::vector<std::thread> threads;
    for (const auto& l : logs) {
      threads.emplace_back([&, l] {
        log_info("following CT log", {{"log", l.short_name()}, {"url", l.url}});
        const auto r = ctlog::follow_log(l, states, match, opts);
        if (r.error) {
          log_error("CT log follower stopped", {{"log", l.short_name()}, {"error", r.error->what}});
        }
        log_info("CT log follower done", {{"log", l.short_name()}, {"entries", r.entries}, {"matches", r.hits},
                                          {"next_index", r.state.next_index}, {"head", r.state.head_size}});
      });
    }
    for (auto& t : threads) t.join();
    // Followers retry for ever; if all of them ended anyway, fail so that systemd restarts us.
    if (!once && !logs.empty() && !stop.load()) {
      log_error("every CT log follower stopped", {{"logs", logs.size()}});
      failed = true;
    }
  }

  // ---- scheduler ---------------------------------------------------------------------------
  // ---- posture ------------------------------------------------------------------------------
  // Re-checks each brand's own email posture when its latest stored run is older than the
  // interval ([posture]); each run is stored and its regressions/improvements become alerts.
  void check_posture() {
    if (!config.posture.enabled) return;
    posture::UnboundOptions o;
    auto servers = config.dns.servers;
    if (servers.empty()) {
      auto sys = resolver::system_upstreams();
      if (!sys) {
        log_error("posture: no DNS servers configured and none usable in /etc/resolv.conf", {{"error", sys.error()}});
        failed = true;
        return;
      }
      servers = std::move(*sys);
    }
    for (const auto& u : servers)
      o.forwarders.push_back((u.address.find(':') != std::string::npos ? "[" + u.address + "]" : u.address) + ":" +
                             std::to_string(u.port));
    o.trust_anchor_file = config.posture.trust_anchor;
    auto dns = posture::UnboundDns::create(o);
    if (!dns) {
      log_error("posture: cannot set up DNS", {{"error", dns.error()}});
      failed = true;
      return;
    }
    posture::FetchOptions fo;
    fo.allow_private = config.probe.allow_private;
    fo.ca_file = config.probe.ca_file;
    fo.port = config.probe.https_port;
    auto fetcher = posture::make_policy_fetcher(**dns, fo);
    posture::RunOptions ro;
    ro.dkim_selectors = config.posture.dkim_selectors;
    const auto interval = static_cast<index::Time>(config.posture.interval.count());
    std::uint64_t seen = wake.generation();
    while (!stop.load()) {
      index::Time next = index::now_ms() + interval;
      for (const index::Brand& b : brands) {
        if (stop.load()) break;
        auto last = posture::latest_run(store, b.domain);
        if (!last) {
          log_error("posture: cannot read history", {{"brand", b.domain}, {"error", last.error()}});
          failed = true;
          return;
        }
        const index::Time now = index::now_ms();
        if (*last && now - (*last)->checked_at_ms < interval) {
          next = std::min(next, (*last)->checked_at_ms + interval);
          continue;
        }
        std::optional<posture::LookalikeSummary> summary;
        if (auto s = posture::summarize_lookalikes(store, b.domain); s) summary = *s;
        const auto report = posture::check_domain(b.domain, **dns, *fetcher, ro, summary, now);
        auto changes = posture::record_and_alert(store, report);
        if (!changes) {
          log_error("posture: cannot store the run", {{"brand", b.domain}, {"error", changes.error()}});
          failed = true;
          return;
        }
        std::size_t worse = 0, better = 0;
        for (const auto& c : *changes) {
          worse += posture::regressed(c);
          better += posture::improved(c);
        }
        log_info("posture checked", {{"brand", b.domain}, {"regressed", worse}, {"improved", better}});
        metrics.add("lookalike_posture_runs_total", "", 1, "Brand posture runs");
        if (worse + better > 0) wake.notify();  // alerts for the dispatcher
      }
      if (once) return;
      const index::Time wait = std::clamp<index::Time>(next - index::now_ms(), 50, 60'000);
      seen = wake.wait(seen, milliseconds(wait), stop);
    }
  }

  // With brokers: publishes the generated candidates (once per generation) for the cluster's
  // workers; else the scheduler loop.
  void schedule_or_publish() {
    if (!publisher) return schedule();
    if (!enumerate()) failed = true;
  }

  void schedule() {
    resolver::Config dns;
    dns.upstreams = config.dns.servers;
    if (dns.upstreams.empty()) {
      auto sys = resolver::system_upstreams();
      if (!sys) {
        log_error("no DNS servers configured and none usable in /etc/resolv.conf", {{"error", sys.error()}});
        failed = true;
        return;
      }
      dns.upstreams = std::move(*sys);
      dns.qps = config.dns.qps.value_or(300);  // public resolvers ban abusers
    } else {
      dns.qps = config.dns.qps;
    }
    dns.timeout = config.dns.timeout;
    dns.retries = config.dns.attempts - 1;
    dns.concurrency = config.dns.concurrency;
    // One question per name first (RFC 8020): an NXDOMAIN look-alike costs one query, not six.
    dns.existence_first = true;
    // SIGTERM abandons a round stuck on an unanswering resolver instead of waiting out its timeouts.
    dns.stop = &stop;
    std::optional<resolver::Resolver> res;
    try {
      res.emplace(dns);
    } catch (const std::exception& e) {
      log_error("bad DNS configuration", {{"error", e.what()}});
      failed = true;
      return;
    }
    std::optional<scoring::Prober> prober;
    if (config.probe.enabled) {
      scoring::ProbeOptions po;
      po.allow_private = config.probe.allow_private;
      po.mx_check = config.probe.mx_check;
      po.step_timeout = config.probe.timeout;
      po.session_timeout = config.probe.session_timeout;
      po.ca_file = config.probe.ca_file;
      po.smtp_port = config.probe.smtp_port;
      po.http_port = config.probe.http_port;
      po.https_port = config.probe.https_port;
      // Redirects to other hosts are followed through the watch's own resolvers.
      std::string ups;
      for (const auto& u : config.dns.servers) {
        const bool v6 = u.address.find(':') != std::string::npos;
        ups += (ups.empty() ? "" : ",") + (v6 ? "[" + u.address + "]" : u.address) + ":" + std::to_string(u.port);
      }
      try {
        po.resolve = scoring::dns_resolve_hook(ups, config.dns.timeout);
      } catch (const std::exception& e) {
        log_error("bad DNS configuration", {{"error", e.what()}});
        failed = true;
        return;
      }
      prober.emplace(po);
    }
    if (!enumerate()) {
      failed = true;
      return;
    }
    std::map<std::string, std::pair<BrandPage, index::Time>, std::less<>> pages;
    std::vector<std::string> skip;  // names of no configured brand: never due again this run
    std::uint64_t seen = wake.generation();
    while (!stop.load()) {
      const index::Time now = index::now_ms();
      std::optional<index::Time> next_due;
      auto due = select_due(store, config.schedule, now, config.schedule.batch, &next_due, &skip);
      if (!due) {
        log_error("cannot read candidates", {{"error", due.error().message}});
        failed = true;
        return;
      }
      if (due->empty()) {
        if (once) return;
        const index::Time wait = next_due ? std::clamp<index::Time>(*next_due - now, 50, 60'000) : 60'000;
        seen = wake.wait(seen, milliseconds(wait), stop);
        continue;
      }
      // Group by brand (the first configured brand a name imitates).
      std::map<std::string, std::vector<RefreshItem>> groups;
      for (index::Candidate& c : *due) {
        const index::Brand* brand = nullptr;
        for (const auto& bn : c.brands) {
          for (const auto& b : brands) {
            if (b.domain == bn) brand = &b;
          }
          if (brand) break;
        }
        if (brand == nullptr) {
          skip.insert(std::upper_bound(skip.begin(), skip.end(), c.name), c.name);
          continue;
        }
        RefreshItem it;
        it.name = c.name;
        const Similarity sim = similarity_of_stored(c.fuzzers);
        it.kind = sim.kind;
        it.edit_distance = sim.edit_distance;
        if (auto l = likely.find(c.name); l != likely.end()) {
          it.likelihood = l->second.first;
          it.likelihood_path = l->second.second;
        }
        it.prev = std::move(c);
        groups[brand->domain].push_back(std::move(it));
      }
      bool paused = false;
      for (auto& [domain, items] : groups) {
        const index::Brand& brand = *std::find_if(brands.begin(), brands.end(), [&](const index::Brand& b) { return b.domain == domain; });
        auto& [page, when] = pages[domain];
        if (page.probed && now - when > 3'600'000) page = BrandPage{};  // the brand's own page may change
        if (!page.probed) when = now;
        ScanSummary summary;
        RefreshOptions ro;
        ro.alert_events = true;
        try {
          const auto outcomes = refresh_names(store, *res, prober ? &*prober : nullptr, brand, items, ro, page, summary, nullptr);
          if (summary.stopped) break;  // abandoned on SIGTERM: nothing stored, redone after a restart
          if (summary.outage) {
            // No resolver answers: nothing was stored, the names stay due. Pause the scheduler
            // (a stop still wakes it at once) and try again later.
            paused = true;
            log_error("DNS outage, scheduler paused", {{"brand", domain}, {"error", *summary.outage},
                                                       {"retry_in_ms", kOutagePauseMs}});
            metrics.add("lookalike_dns_outages_total", "", 1, "Refresh rounds stopped because no resolver answered");
            break;
          }
          std::size_t events = 0;
          for (std::size_t i = 0; i < items.size(); ++i) {
            events += outcomes[i].events.size();
            if (!outcomes[i].events.empty() || !outcomes[i].change.empty()) {
              log_info("refreshed", {{"name", items[i].name}, {"change", outcomes[i].change.empty() ? "-" : outcomes[i].change},
                                     {"score", outcomes[i].score.value},
                                     {"risk", scoring::level_name(outcomes[i].score.level)}});
            }
          }
          log_debug("refresh round", {{"brand", domain}, {"names", items.size()}, {"events", events}});
        } catch (const std::exception& e) {
          log_error("refresh failed", {{"brand", domain}, {"error", e.what()}});
          failed = true;
          return;
        }
        metrics.add("lookalike_names_refreshed_total", "", static_cast<double>(items.size()), "Names re-resolved and re-scored");
        metrics.add("lookalike_dns_queries_total", "", static_cast<double>(summary.dns_queries), "DNS queries sent");
        const std::pair<const char*, std::size_t> outcomes[] = {{"mail_answered", summary.mail_answered},
                                                                {"web_answered", summary.web_answered},
                                                                {"failed", summary.probe_failed},
                                                                {"refused_address", summary.probe_skipped}};
        for (const auto& [what, n] : outcomes) {
          metrics.add("lookalike_probe_sessions_total", "outcome=\"" + std::string(what) + "\"", static_cast<double>(n),
                      "Probe sessions by outcome");
        }
        if (auto g = update_store_gauges(metrics, store); !g) log_warn("cannot count the store", {{"error", g.error().message}});
      }
      if (paused) {
        if (once) {
          failed = true;
          return;
        }
        seen = wake.wait(seen, milliseconds(kOutagePauseMs), stop);
        continue;
      }
      wake.notify();
    }
  }

  // ---- dispatcher --------------------------------------------------------------------------
  // Delivers every pending event; false on a store error. Stops early (without acking the alert
  // at hand) when a stop request cuts a sink's retries short, so the next run delivers it.
  bool dispatch_pending(bool& progressed) {
    progressed = false;
    while (true) {
      auto events = store.read_events(kConsumer, 100);
      if (!events) {
        log_error("cannot read the change feed", {{"error", events.error().message}});
        return false;
      }
      if (events->empty()) return true;
      for (const index::Event& e : *events) {
        auto alert = alerts::render_alert(store, e, store_id);
        if (!alert) {
          log_error("cannot render alert", {{"seq", e.seq}, {"error", alert.error().message}});
          return false;
        }
        if (*alert) {
          for (auto& sink : sinks) {
            auto d = sink->deliver(**alert);
            if (!d) {
              if (stop.load()) {
                log_warn("alert not delivered before stopping; it stays in the feed", {{"seq", e.seq}, {"sink", sink->describe()}});
                return true;
              }
              log_error("alert delivery failed", {{"seq", e.seq}, {"sink", sink->describe()}, {"error", d.error()}});
              metrics.add("lookalike_alert_delivery_failures_total", "sink=\"" + escape_label_value(sink->describe()) + "\"", 1,
                          "Alerts a sink gave up on");
            }
          }
          metrics.add("lookalike_alerts_total", "kind=\"" + std::string(alerts::alert_kind_name((*alert)->kind)) + "\"", 1,
                      "Alerts by kind");
          log_info("alert", {{"seq", e.seq}, {"kind", alerts::alert_kind_name((*alert)->kind)}, {"name", e.name}});
        }
        if (auto a = store.ack(kConsumer, e.seq); !a) {
          log_error("cannot acknowledge alert", {{"seq", e.seq}, {"error", a.error().message}});
          return false;
        }
        progressed = true;
      }
    }
  }

  void dispatch(const std::atomic<bool>& producers_done) {
    std::uint64_t seen = wake.generation();
    while (true) {
      const bool last = producers_done.load();  // read before draining: nothing new can follow
      bool progressed = false;
      if (!dispatch_pending(progressed)) {
        failed = true;
        return;
      }
      if (last) return;
      if (!progressed) seen = wake.wait(seen, milliseconds(1000), producers_done);
    }
  }
};

}  // namespace

int run_watch(const WatchConfig& config, const std::string& db_path, bool once, const std::atomic<bool>& stop) {
  index::Options options;
  if (config.retention_days) options.observation_retention = std::chrono::days(*config.retention_days);
  auto opened = index::Store::open(db_path, options);
  if (!opened) {
    log_error("cannot open the store", {{"error", opened.error().message}});
    return 1;
  }
  index::Store& store = *opened;
  Engine e(config, store);
  e.once = once;
  e.store_id = store_id_of(db_path);
  e.state_dir = db_path + "/ingest";  // as `lookalike ingest`: one ledger per feed directory

  // Brands from the config are added, or updated in place (keeping when they were added).
  for (const WatchBrand& wb : config.brands) {
    auto old = store.get_brand(wb.domain);
    if (!old) {
      log_error("cannot read brand", {{"brand", wb.domain}, {"error", old.error().message}});
      return 1;
    }
    index::Brand b;
    b.domain = wb.domain;
    b.keywords = wb.keywords;
    b.owned = wb.owned;
    b.tlds = wb.tlds;
    b.added = *old ? (*old)->added : index::now_ms();
    e.budgets[b.domain] = wb.budget;
    if (!*old || !(**old == b)) {
      if (auto r = store.add_brand(b); !r) {
        log_error("cannot store brand", {{"brand", wb.domain}, {"error", r.error().message}});
        return 1;
      }
      log_info(*old ? "brand updated" : "brand added", {{"brand", b.domain}});
    }
  }
  auto brands = store.list_brands();
  if (!brands) {
    log_error("cannot list brands", {{"error", brands.error().message}});
    return 1;
  }
  e.brands = std::move(*brands);
  if (e.brands.empty()) log_warn("no brands: add [[brands]] to the config or use `lookalike brand add`");

  if (!config.brokers.empty()) {
    auto qc = publish_queue_config(config.brokers, config.kafka_config);
    if (!qc) {
      log_error("bad Kafka configuration", {{"error", qc.error()}});
      return 2;
    }
    qc->client_id = "lookalike-watch";
    auto p = WorkPublisher::open(*qc, queue::Topics{}, &e.quit);
    if (!p) {
      log_error("cannot open the Kafka producer", {{"brokers", config.brokers}, {"error", p.error()}});
      return 1;
    }
    e.publisher = std::move(*p);
    // The brand table for match workers (compacted: republishing an unchanged brand is harmless).
    std::vector<queue::BrandRecord> table;
    for (const auto& b : e.brands) table.push_back(brand_record(b));
    if (auto r = e.publisher->publish_brands(table); !r) {
      log_error("cannot publish the brand table", {{"brokers", config.brokers}, {"error", r.error()}});
      return 1;
    }
    log_info("publishing to the cluster", {{"brokers", config.brokers}, {"brands", table.size()},
                                            {"topic", e.publisher->topics().brands}});
  }

  std::vector<SinkConfig> sink_configs = config.sinks;
  if (sink_configs.empty()) sink_configs.push_back(alerts::default_sink_config());
  for (SinkConfig& sc : sink_configs) {
    sc.stop = &e.quit;
    auto s = alerts::make_sink(sc);
    if (!s) {
      log_error("bad sink", {{"type", sc.type}, {"error", s.error()}});
      return 2;
    }
    log_info("alert sink", {{"sink", (*s)->describe()}});
    e.sinks.push_back(std::move(*s));
  }

  // The first run starts the feed here: history from before is not news. A marker event makes
  // "never acknowledged" distinguishable from "acknowledged nothing yet" after a crash.
  if (auto acked = store.acked(kConsumer); !acked) {
    log_error("cannot read the feed position", {{"error", acked.error().message}});
    return 1;
  } else if (*acked == 0) {
    auto seq = store.append_event(index::EventKind::custom, "", "watch started");
    if (!seq || !store.ack(kConsumer, *seq)) {
      log_error("cannot start the change feed");
      return 1;
    }
  }

  std::vector<ctlog::LogInfo> logs;
  if (config.ct.enabled) {
    // The config's file or https URL, else the bundled snapshot: watch never fetches on its own.
    auto list = load_log_list({config.ct.log_list, /*fetch_published=*/false, config.ct.ca_file});
    if (!list) {
      log_error("cannot load the CT log list", {{"error", list.error()}});
      return 2;
    }
    // ct.all: every log followed by default; else exactly the logs named in ct.logs (maybe none).
    if (config.ct.all || !config.ct.logs.empty()) {
      auto sel = select_logs(list->list, config.ct.all ? std::vector<std::string>{} : config.ct.logs, false);
      if (!sel) {
        log_error("bad CT log selection", {{"error", "ct.logs: " + sel.error()}});
        return 2;
      }
      logs = std::move(*sel);
    }
  }
  // Every series at 0 before the endpoint answers its first scrape.
  {
    WatchMetricLabels labels;
    for (const auto& l : logs) labels.logs.push_back(l.short_name());
    for (const auto& sink : e.sinks) labels.sinks.push_back(sink->describe());
    declare_watch_metrics(e.metrics, labels);
    if (auto g = update_store_gauges(e.metrics, store); !g) log_warn("cannot count the store", {{"error", g.error().message}});
  }
  std::unique_ptr<MetricsServer> server;
  if (config.metrics.enabled) {
    auto s = MetricsServer::start(e.metrics, config.metrics.address, config.metrics.port);
    if (!s) {
      log_error("cannot serve metrics", {{"address", config.metrics.address}, {"port", config.metrics.port}, {"error", s.error()}});
      return 1;
    }
    server = std::move(*s);
    log_info("metrics", {{"url", "http://" + config.metrics.address + ":" + std::to_string(server->port()) + "/metrics"}});
  }

  log_info("watch started", {{"store", db_path}, {"brands", e.brands.size()}, {"logs", logs.size()},
                              {"sinks", e.sinks.size()}, {"once", once}});

  std::atomic<bool> producers_done{false};
  std::atomic<bool> workers_done{false};
  std::thread dispatcher([&] { e.dispatch(producers_done); });
  std::thread workers([&] {
    if (once) {
      // Catch up, then refresh what is due, then deliver: each step sees the previous one's output.
      e.follow(logs);
      if (!e.failed) e.poll_feeds();
      if (!e.failed) e.schedule_or_publish();
      if (!e.failed) e.check_posture();
    } else {
      std::thread follower([&] { e.follow(logs); });
      std::thread feeds([&] { e.poll_feeds(); });
      std::thread scheduler([&] { e.schedule_or_publish(); });
      std::thread posture_checker([&] { e.check_posture(); });
      posture_checker.join();
      follower.join();
      feeds.join();
      scheduler.join();
    }
    workers_done = true;
  });
  // A signal only sets `stop`; a failing part stops the others too.
  while (!workers_done.load()) {
    if (stop.load() || e.failed.load()) e.quit = true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  workers.join();
  producers_done = true;
  e.wake.notify();
  dispatcher.join();
  log_info("watch stopped", {{"failed", e.failed.load()}});
  return e.failed ? 1 : 0;
}

}  // namespace lookalike::pipeline
