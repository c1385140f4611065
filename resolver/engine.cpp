#include "resolver/engine.hpp"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cmath>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <unordered_map>

namespace lookalike::resolver {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

constexpr unsigned kMaxChase = 8;
constexpr std::size_t kMaxMxHosts = 10;
constexpr double kInitialWindow = 64;
constexpr double kMinWindow = 8;
constexpr double kMaxWindow = 4096;
// Doubling stops here and growth turns additive: a server's socket buffer (about 200-300 small
// datagrams by default) overflows soon after, and every loss costs a whole timeout.
constexpr double kInitialSsthresh = 256;
constexpr std::size_t kMaxParents = 200000;
// A dead upstream: one that never replied in this run and whose socket reported it unreachable
// this many times (nothing listens there), or one that let this many attempts in a row fail
// without a reply for at least kDeadSilenceTimeouts attempt timeouts (and kMinDeadSilence).
constexpr unsigned kDeadUnreachable = 3;
constexpr unsigned kDeadSilentAttempts = 16;
constexpr unsigned kDeadSilenceTimeouts = 4;
constexpr auto kMinDeadSilence = std::chrono::seconds(2);

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const auto a = static_cast<unsigned char>(s[i]);
    const auto b = static_cast<unsigned char>(prefix[i]);
    if (std::tolower(a) != std::tolower(b)) return false;
  }
  return true;
}

bool is_policy_record(std::string_view txt, std::string_view tag) {
  return starts_with_nocase(txt, tag) && (txt.size() == tag.size() || txt[tag.size()] == ' ' || txt[tag.size()] == ';');
}

std::string rcode_text(std::uint8_t rcode) {
  switch (rcode) {
    case dns::kRcodeFormErr: return "server answered FORMERR";
    case dns::kRcodeNotImp: return "server answered NOTIMP";
    default: return "server answered rcode " + std::to_string(rcode);
  }
}

// The record set a type answered, in a form comparable with a wildcard probe's.
std::vector<std::string> canonical(const TypeResult& t) {
  std::vector<std::string> out;
  if (t.type == RecordType::mx) {
    for (const auto& m : t.mx) out.push_back(std::to_string(m.preference) + " " + m.host);
  } else {
    out = t.records;
  }
  std::sort(out.begin(), out.end());
  return out;
}

enum class JobKind : std::uint8_t { main, mx_host, probe };

struct ParentState;

struct Job {
  JobKind kind = JobKind::main;
  std::uint32_t slot = 0;         // name slot (main, mx_host)
  std::uint16_t type_index = 0;   // into NameResult::types (main, mx_host)
  std::uint16_t host_index = 0;   // into TypeResult::mx (mx_host)
  std::uint16_t qtype = 0;
  ParentState* parent = nullptr;  // probe
  std::string qname;
  unsigned attempts = 0;
  std::size_t last_upstream = std::numeric_limits<std::size_t>::max();
  std::vector<std::string> chain;  // CNAME targets followed so far (main)
  // The last real failure reply (SERVFAIL, REFUSED, malformed) among the attempts: a server
  // that answered SERVFAIL once and then got lost is SERVFAIL, not a timeout.
  Outcome replied_failure = Outcome::timeout;
  std::string replied_error;
};

struct ParentState {
  bool done = false;
  unsigned pending = 0;
  unsigned refs = 0;  // active names pointing here
  std::unordered_map<std::uint16_t, std::vector<std::string>> answers;  // qtype -> wildcard records
  std::vector<std::uint32_t> waiting;  // finished names waiting for the probes
};

struct NameState {
  NameResult result;
  std::uint64_t index = 0;
  unsigned pending = 0;
  ParentState* parent = nullptr;
  bool gated = false;  // only the existence question is out; the other types wait for it
};

struct UpstreamHealth {
  unsigned consecutive_failures = 0;
  Clock::time_point penalty_until{};
  // Liveness, reset by any DNS message from the upstream (even SERVFAIL or a malformed one).
  bool replied = false;                           // some message came back in this run
  unsigned silent_failures = 0;                   // timeouts and unreachable errors since the last message
  unsigned unreachable = 0;                       // of which the socket reported unreachable
  std::optional<Clock::time_point> silent_since;  // first attempt sent since the last message
  bool dead = false;
  std::string why;  // for the outage message
};

std::string endpoint_text(const Upstream& u) {
  const bool v6 = u.address.find(':') != std::string::npos;
  return (v6 ? "[" + u.address + "]" : u.address) + ":" + std::to_string(u.port);
}

class Engine {
 public:
  Engine(const Config& config, const std::vector<Upstream>& upstreams, Transport& transport, const NameSource& next,
         const IndexedSink& sink)
      : config_(config),
        upstreams_(upstreams),
        transport_(transport),
        next_(next),
        sink_(sink),
        health_(upstreams.size()),
        pace_timer_(io_),
        stop_timer_(io_),
        rng_(std::random_device{}()) {
    window_ = config.concurrency > 0 ? config.concurrency : kInitialWindow;
    live_upstreams_ = upstreams.size();
    dead_silence_ = std::max<Clock::duration>(kMinDeadSilence, config.timeout * kDeadSilenceTimeouts);
    ssthresh_ = kInitialSsthresh;
    qps_ = config.qps.value_or(0.0);
    tokens_ = 1;
    last_refill_ = Clock::now();
    for (RecordType t : config.types) {
      if (t == RecordType::dmarc) continue;
      const std::uint16_t q = qtype_of(t);
      if (std::find(probe_types_.begin(), probe_types_.end(), q) == probe_types_.end()) probe_types_.push_back(q);
    }
    if (config.existence_first) gate_ = gate_index(config.types);
  }

  // The type asked first under existence_first: A when asked, else the first type asked at the
  // name itself. `_dmarc.<name>` cannot be the gate: its NXDOMAIN says nothing about the name.
  static std::optional<std::uint16_t> gate_index(const std::vector<RecordType>& types) {
    std::optional<std::uint16_t> first;
    for (std::size_t i = 0; i < types.size(); ++i) {
      if (types[i] == RecordType::a) return static_cast<std::uint16_t>(i);
      if (!first && types[i] != RecordType::dmarc) first = static_cast<std::uint16_t>(i);
    }
    return first;
  }

  Stats run() {
    transport_.start(io_, upstreams_, config_);
    asio::post(io_, [this] { pump(); });
    if (config_.stop != nullptr) watch_stop();
    io_.run();
    const TransportCounters dropped = transport_.counters();
    stats_.forged_replies = dropped.forged_replies;
    stats_.unmatched_replies = dropped.unmatched_replies;
    transport_.stop();
    stats_.final_window = static_cast<std::uint64_t>(window_);
    return stats_;
  }

 private:
  // ---- scheduling -------------------------------------------------------------------------

  void pump() {
    if (pumping_ || aborted_) return;
    pumping_ = true;
    while (static_cast<double>(in_flight_) < window_) {
      if (ready_.empty() && !pull_name()) break;
      if (ready_.empty()) continue;
      if (qps_ > 0 && !take_token()) break;
      Job job = std::move(ready_.front());
      ready_.pop_front();
      send(std::move(job));
    }
    pumping_ = false;
    if (input_done_ && active_names_ == 0 && in_flight_ == 0 && delayed_ == 0 && ready_.empty()) io_.stop();
  }

  bool take_token() {
    const auto now = Clock::now();
    const double burst = std::max(1.0, qps_ / 100.0);
    tokens_ = std::min(burst, tokens_ + std::chrono::duration<double>(now - last_refill_).count() * qps_);
    last_refill_ = now;
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
      return true;
    }
    if (!pace_armed_) {
      pace_armed_ = true;
      const auto wait = std::chrono::duration<double>((1.0 - tokens_) / qps_);
      pace_timer_.expires_after(std::max<Clock::duration>(std::chrono::duration_cast<Clock::duration>(wait),
                                                          std::chrono::microseconds(200)));
      pace_timer_.async_wait([this](const boost::system::error_code& ec) {
        pace_armed_ = false;
        if (!ec) pump();
      });
    }
    return false;
  }

  std::size_t pick_upstream(std::size_t avoid) {
    const std::size_t n = upstreams_.size();
    if (n == 1) return 0;
    const auto now = Clock::now();
    std::size_t fallback = n;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t u = (rotation_ + i) % n;
      if (u == avoid || health_[u].dead) continue;
      if (health_[u].penalty_until <= now) {
        rotation_ = u + 1;
        return u;
      }
      if (fallback == n) fallback = u;
    }
    if (fallback == n) {
      // Only `avoid` is left alive (an outage stops the run before none is).
      fallback = avoid < n ? avoid : 0;
      for (std::size_t u = 0; u < n && health_[fallback].dead; ++u) fallback = u;
    }
    rotation_ = fallback + 1;
    return fallback;
  }

  void send(Job job) {
    const std::size_t u = pick_upstream(job.last_upstream);
    job.last_upstream = u;
    ++job.attempts;
    ++in_flight_;
    ++stats_.queries;
    stats_.peak_in_flight = std::max<std::uint64_t>(stats_.peak_in_flight, in_flight_);
    switch (job.kind) {
      case JobKind::main:
        ++names_[job.slot].result.types[job.type_index].attempts;
        break;
      case JobKind::mx_host:
        ++stats_.mx_host_queries;
        break;
      case JobKind::probe:
        ++stats_.probe_queries;
        break;
    }
    if (!health_[u].silent_since) health_[u].silent_since = Clock::now();
    const std::string qname = job.qname;
    const std::uint16_t qtype = job.qtype;
    transport_.send(u, qname, qtype, [this, job = std::move(job)](Reply reply) mutable {
      --in_flight_;
      if (aborted_) return;
      on_reply(std::move(job), std::move(reply));
      pump();
    });
  }

  void note_success(std::size_t u) {
    health_[u].consecutive_failures = 0;
    health_[u].penalty_until = {};
    if (config_.concurrency == 0) {
      window_ += window_ < ssthresh_ ? 1.0 : 1.0 / window_;
      window_ = std::min(window_, kMaxWindow);
    }
  }

  void note_failure(std::size_t u, bool timed_out) {
    auto& h = health_[u];
    ++h.consecutive_failures;
    if (h.consecutive_failures >= 3) {
      const unsigned shift = std::min(h.consecutive_failures - 3, 6u);
      h.penalty_until = Clock::now() + std::chrono::milliseconds(100) * (1u << shift);
    }
    if (timed_out && config_.concurrency == 0) {
      // Halve once per timeout period: the losses of one burst are one congestion event.
      const auto now = Clock::now();
      if (now - last_decrease_ >= config_.timeout) {
        ssthresh_ = std::max(kMinWindow, window_ / 2);
        window_ = ssthresh_;
        last_decrease_ = now;
      }
    }
  }

  // ---- liveness -----------------------------------------------------------------------------

  void note_liveness(std::size_t u, const Reply& reply) {
    UpstreamHealth& h = health_[u];
    if (h.dead) return;
    if (reply.kind == Reply::Kind::message) {
      h.replied = true;
      h.silent_failures = 0;
      h.unreachable = 0;
      h.silent_since.reset();
      return;
    }
    if (reply.kind == Reply::Kind::error && !reply.unreachable) return;  // says nothing either way
    ++h.silent_failures;
    if (reply.unreachable) ++h.unreachable;
    const auto silent_for = h.silent_since ? Clock::now() - *h.silent_since : Clock::duration{};
    if (!h.replied && h.unreachable >= kDeadUnreachable) {
      h.why = "unreachable: nothing listens there (" + reply.error + ")";
    } else if (h.silent_failures >= kDeadSilentAttempts && silent_for >= dead_silence_) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(silent_for).count();
      h.why = "no reply to " + std::to_string(h.silent_failures) + " queries in " + std::to_string(ms / 1000) + "." +
              std::to_string(ms % 1000 / 100) + " s";
    } else {
      return;
    }
    h.dead = true;
    stats_.dead_upstreams.push_back(upstreams_[u]);
    if (--live_upstreams_ > 0) return;
    // No live upstream left: every further attempt would burn a timeout. Stop the run here;
    // unfinished names are not delivered (a caller redoes them once the resolvers are back).
    std::string msg = "no live resolver left:";
    for (std::size_t i = 0; i < upstreams_.size(); ++i) {
      msg += (i == 0 ? " " : "; ") + endpoint_text(upstreams_[i]) + " " + health_[i].why;
    }
    stats_.outage = std::move(msg);
    aborted_ = true;
    io_.stop();
  }

  // Polls Config::stop (set from a signal handler, which cannot post to the loop) and abandons
  // the run when it is set; the timer dies with the loop when the run ends first.
  void watch_stop() {
    stop_timer_.expires_after(std::chrono::milliseconds(100));
    stop_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      if (config_.stop->load()) {
        stats_.stopped = true;
        aborted_ = true;
        io_.stop();
        return;
      }
      watch_stop();
    });
  }

  // ---- replies ------------------------------------------------------------------------------

  void on_reply(Job job, Reply reply) {
    const std::size_t u = job.last_upstream;
    note_liveness(u, reply);
    if (aborted_) return;
    Outcome outcome = Outcome::error;
    std::string error;
    std::optional<dns::Message> message;
    Interpretation interp;
    switch (reply.kind) {
      case Reply::Kind::timeout:
        outcome = Outcome::timeout;
        error = "no reply within " + std::to_string(config_.timeout.count()) + " ms";
        ++stats_.timeouts;
        break;
      case Reply::Kind::error:
        outcome = Outcome::error;
        error = reply.error;
        break;
      case Reply::Kind::message: {
        auto parsed = dns::parse(reply.wire);
        if (!parsed) {
          outcome = Outcome::error;
          error = "malformed reply from " + upstreams_[u].address + ": " + parsed.error().what + " at byte " +
                  std::to_string(parsed.error().offset);
          break;
        }
        message = std::move(*parsed);
        interp = interpret(*message, job.qname, job.qtype);
        outcome = interp.outcome;
        error = interp.error;
        break;
      }
    }
    if (job.kind == JobKind::main) {
      const auto type = static_cast<std::size_t>(names_[job.slot].result.types[job.type_index].type);
      ++stats_.type_queries[type][static_cast<std::size_t>(outcome)];
    }
    const bool retryable = outcome == Outcome::timeout || outcome == Outcome::servfail || outcome == Outcome::error ||
                           (outcome == Outcome::refused && upstreams_.size() > 1);
    if (retryable) {
      note_failure(u, outcome == Outcome::timeout);
    } else {
      note_success(u);
    }
    if (retryable && outcome != Outcome::timeout) {
      job.replied_failure = outcome;
      job.replied_error = error;
    }
    if (retryable && job.attempts < 1 + config_.retries) {
      ++stats_.retries;
      retry_later(std::move(job));
      return;
    }
    if (outcome == Outcome::timeout && job.replied_failure != Outcome::timeout) {
      outcome = job.replied_failure;
      error = job.replied_error;
    }
    if (outcome == Outcome::answer || outcome == Outcome::nodata) {
      if (!interp.chase.empty()) {
        if (job.chain.size() + interp.chain.size() > kMaxChase) {
          outcome = Outcome::error;
          error = "CNAME chain longer than " + std::to_string(kMaxChase);
        } else if (std::find(job.chain.begin(), job.chain.end(), interp.chase) != job.chain.end()) {
          outcome = Outcome::error;
          error = "CNAME loop at " + interp.chase;
        } else {
          job.chain.insert(job.chain.end(), interp.chain.begin(), interp.chain.end());
          job.qname = interp.chase;
          job.attempts = 0;
          job.replied_failure = Outcome::timeout;
          job.replied_error.clear();
          job.last_upstream = std::numeric_limits<std::size_t>::max();
          ready_.push_front(std::move(job));
          return;
        }
      }
    }
    // An alias followed out of its reply whose target is missing: the name itself exists, as for
    // a dangling alias inside one reply (interpret()).
    if (outcome == Outcome::nxdomain && !job.chain.empty()) outcome = Outcome::nodata;
    switch (job.kind) {
      case JobKind::main: finish_main(job, outcome, error, message ? &*message : nullptr, interp); break;
      case JobKind::mx_host: finish_mx_host(job, outcome, interp); break;
      case JobKind::probe: finish_probe(job, outcome, interp); break;
    }
  }

  void retry_later(Job job) {
    ++delayed_;
    const unsigned shift = std::min(job.attempts - 1, 5u);
    auto delay = std::chrono::milliseconds(10) * (1u << shift);
    auto timer = std::make_shared<asio::steady_timer>(io_, delay);
    timer->async_wait([this, timer, job = std::move(job)](const boost::system::error_code&) mutable {
      --delayed_;
      ready_.push_front(std::move(job));
      pump();
    });
  }

  void finish_main(Job& job, Outcome outcome, const std::string& error, const dns::Message* m,
                   const Interpretation& interp) {
    NameState& st = names_[job.slot];
    TypeResult& tr = st.result.types[job.type_index];
    tr.outcome = outcome;
    tr.error = (outcome == Outcome::error || outcome == Outcome::timeout) ? error : std::string{};
    tr.cname_chain = job.chain;
    tr.cname_chain.insert(tr.cname_chain.end(), interp.chain.begin(), interp.chain.end());
    tr.soa = interp.soa;
    tr.ttl = 0;
    bool first = true;
    for (const dns::Record* r : interp.records) {
      tr.ttl = first ? r->ttl : std::min(tr.ttl, r->ttl);
      first = false;
      if (r->type == dns::kTypeMx) {
        tr.mx.push_back(MxHost{r->preference, r->target, {}, Outcome::nodata, Outcome::nodata});
      } else if (r->type == dns::kTypeNs) {
        tr.records.push_back(r->target);
      } else {
        tr.records.push_back(r->text);
      }
    }
    if (tr.type == RecordType::mx && !tr.mx.empty()) {
      std::stable_sort(tr.mx.begin(), tr.mx.end(),
                       [](const MxHost& a, const MxHost& b) { return a.preference < b.preference; });
      if (tr.mx.size() > kMaxMxHosts) tr.mx.resize(kMaxMxHosts);
      for (std::size_t h = 0; h < tr.mx.size(); ++h) {
        MxHost& host = tr.mx[h];
        if (host.host.empty()) continue;  // null MX (RFC 7505): accepts no mail
        bool have_a = false;
        bool have_aaaa = false;
        if (m != nullptr) {
          for (const auto& add : m->additional) {
            if (!dns::same_name(add.owner, host.host)) continue;
            if (add.type == dns::kTypeA) {
              have_a = true;
              host.addresses.push_back(add.text);
            } else if (add.type == dns::kTypeAaaa) {
              have_aaaa = true;
              host.addresses.push_back(add.text);
            }
          }
        }
        if (have_a) host.a_outcome = Outcome::answer;
        if (have_aaaa) host.aaaa_outcome = Outcome::answer;
        for (std::uint16_t qt : {dns::kTypeA, dns::kTypeAaaa}) {
          if ((qt == dns::kTypeA && have_a) || (qt == dns::kTypeAaaa && have_aaaa)) continue;
          Job hj;
          hj.kind = JobKind::mx_host;
          hj.slot = job.slot;
          hj.type_index = job.type_index;
          hj.host_index = static_cast<std::uint16_t>(h);
          hj.qtype = qt;
          hj.qname = host.host;
          ++st.pending;
          ready_.push_back(std::move(hj));
        }
      }
    }
    if (st.gated) open_gate(job.slot, tr);
    done_part(job.slot);
  }

  // The existence question is answered. NXDOMAIN (at the name itself: a chased alias's missing
  // target became NODATA above) settles every type (RFC 8020); anything else asks the rest.
  void open_gate(std::uint32_t slot, const TypeResult& gate) {
    NameState& st = names_[slot];
    st.gated = false;
    if (gate.outcome == Outcome::nxdomain) {
      ++stats_.nxdomain_names;
      for (TypeResult& t : st.result.types) {
        if (&t == &gate) continue;
        t.outcome = Outcome::nxdomain;
        t.soa = gate.soa;
        t.inferred = true;
        ++stats_.types_not_asked;
      }
      return;
    }
    attach_parent(st);
    for (std::size_t i = 0; i < st.result.types.size(); ++i) {
      if (&st.result.types[i] == &gate) continue;
      ++st.pending;
      ask(slot, i);
    }
  }

  void ask(std::uint32_t slot, std::size_t type_index) {
    const RecordType t = config_.types[type_index];
    Job j;
    j.kind = JobKind::main;
    j.slot = slot;
    j.type_index = static_cast<std::uint16_t>(type_index);
    j.qtype = qtype_of(t);
    j.qname = t == RecordType::dmarc ? "_dmarc." + names_[slot].result.name : names_[slot].result.name;
    ready_.push_back(std::move(j));
  }

  // Ties a name to its parent's wildcard probes (sent when the parent is first seen).
  void attach_parent(NameState& st) {
    if (!config_.detect_wildcards || probe_types_.empty()) return;
    const std::string& n = st.result.name;
    if (const auto dot = n.find('.'); dot != std::string::npos) {
      st.parent = parent_state(n.substr(dot + 1));
      ++st.parent->refs;
    }
  }

  void finish_mx_host(Job& job, Outcome outcome, const Interpretation& interp) {
    MxHost& host = names_[job.slot].result.types[job.type_index].mx[job.host_index];
    (job.qtype == dns::kTypeA ? host.a_outcome : host.aaaa_outcome) = outcome;
    if (outcome == Outcome::answer) {
      for (const dns::Record* r : interp.records) host.addresses.push_back(r->text);
    }
    done_part(job.slot);
  }

  void finish_probe(Job& job, Outcome outcome, const Interpretation& interp) {
    ParentState& ps = *job.parent;
    if (outcome == Outcome::answer) {
      TypeResult tr;
      tr.type = job.qtype == dns::kTypeMx ? RecordType::mx : RecordType::a;
      for (const dns::Record* r : interp.records) {
        if (r->type == dns::kTypeMx) {
          tr.mx.push_back(MxHost{r->preference, r->target, {}, Outcome::nodata, Outcome::nodata});
        } else {
          tr.records.push_back(r->type == dns::kTypeNs ? r->target : r->text);
        }
      }
      ps.answers[job.qtype] = canonical(tr);
    }
    if (--ps.pending == 0) {
      ps.done = true;
      auto waiting = std::move(ps.waiting);
      for (std::uint32_t slot : waiting) finish_name(slot);
    }
  }

  void done_part(std::uint32_t slot) {
    NameState& st = names_[slot];
    if (--st.pending > 0) return;
    if (st.parent != nullptr && !st.parent->done) {
      st.parent->waiting.push_back(slot);
      return;
    }
    finish_name(slot);
  }

  void finish_name(std::uint32_t slot) {
    NameState& st = names_[slot];
    NameResult& r = st.result;
    for (TypeResult& t : r.types) {
      for (MxHost& h : t.mx) {
        std::stable_partition(h.addresses.begin(), h.addresses.end(),
                              [](const std::string& a) { return a.find(':') == std::string::npos; });
      }
      if (t.outcome != Outcome::answer) continue;
      for (const std::string& txt : t.records) {
        if (t.type == RecordType::txt && !r.spf && is_policy_record(txt, "v=spf1")) r.spf = txt;
        if (t.type == RecordType::dmarc && !r.dmarc && is_policy_record(txt, "v=DMARC1")) r.dmarc = txt;
      }
    }
    if (st.parent != nullptr) {
      bool any_match = false;
      bool any_distinct = false;
      for (TypeResult& t : r.types) {
        if (t.type == RecordType::dmarc || t.outcome != Outcome::answer) continue;
        auto it = st.parent->answers.find(qtype_of(t.type));
        if (it != st.parent->answers.end() && it->second == canonical(t)) {
          t.wildcard = true;
          any_match = true;
        } else {
          any_distinct = true;
        }
      }
      r.wildcard = any_match && !any_distinct;
      --st.parent->refs;
    }
    ++stats_.names;
    const std::uint64_t index = st.index;
    NameResult out = std::move(st.result);
    st = NameState{};
    free_slots_.push_back(slot);
    --active_names_;
    sink_(index, std::move(out));
  }

  // ---- input --------------------------------------------------------------------------------

  bool pull_name() {
    if (input_done_) return false;
    std::optional<std::string> name = next_();
    if (!name) {
      input_done_ = true;
      return false;
    }
    std::string n = std::move(*name);
    while (!n.empty() && n.back() == '.') n.pop_back();
    std::uint32_t slot = 0;
    if (!free_slots_.empty()) {
      slot = free_slots_.back();
      free_slots_.pop_back();
    } else {
      slot = static_cast<std::uint32_t>(names_.size());
      names_.emplace_back();
    }
    ++active_names_;
    NameState& st = names_[slot];
    st.index = next_index_++;
    st.result.name = n;
    st.result.types.reserve(config_.types.size());
    for (RecordType t : config_.types) {
      TypeResult tr;
      tr.type = t;
      st.result.types.push_back(std::move(tr));
    }

    if (auto valid = dns::encode_query(0, n.empty() ? "." : "_dmarc." + n, dns::kTypeA, true); !valid || n.empty()) {
      const std::string why = n.empty() ? "empty name" : "invalid name: " + valid.error();
      for (TypeResult& t : st.result.types) {
        t.outcome = Outcome::error;
        t.error = why;
      }
      finish_name(slot);
      return true;
    }

    if (gate_) {
      // Existence first: the parent is probed only once some name under it is not NXDOMAIN.
      st.gated = true;
      st.pending = 1;
      ask(slot, *gate_);
      return true;
    }
    st.pending = static_cast<unsigned>(config_.types.size());
    attach_parent(st);
    for (std::size_t i = 0; i < config_.types.size(); ++i) ask(slot, i);
    return true;
  }

  ParentState* parent_state(const std::string& parent) {
    auto it = parents_.find(parent);
    if (it != parents_.end()) return it->second.get();
    if (parents_.size() >= kMaxParents) {
      // Forget finished parents; a later name under one is probed again (costs queries, not truth).
      std::erase_if(parents_, [](const auto& kv) { return kv.second->done && kv.second->refs == 0; });
    }
    auto ps = std::make_unique<ParentState>();
    ParentState* p = ps.get();
    parents_.emplace(parent, std::move(ps));
    std::string label = "lk-";
    static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::uniform_int_distribution<std::size_t> pick(0, sizeof kAlphabet - 2);
    for (int i = 0; i < 12; ++i) label.push_back(kAlphabet[pick(rng_)]);
    for (std::uint16_t qt : probe_types_) {
      Job j;
      j.kind = JobKind::probe;
      j.parent = p;
      j.qtype = qt;
      j.qname = label + "." + parent;
      ++p->pending;
      ++stats_.wildcard_probes;
      // Probes go first so the names under this parent are not held back long.
      ready_.push_front(std::move(j));
    }
    return p;
  }

  const Config& config_;
  const std::vector<Upstream>& upstreams_;
  Transport& transport_;
  const NameSource& next_;
  const IndexedSink& sink_;

  asio::io_context io_;
  std::vector<UpstreamHealth> health_;
  asio::steady_timer pace_timer_;
  asio::steady_timer stop_timer_;  // polls Config::stop
  std::mt19937_64 rng_;
  std::vector<std::uint16_t> probe_types_;
  std::optional<std::uint16_t> gate_;  // type index asked first (Config::existence_first)

  std::deque<Job> ready_;
  std::vector<NameState> names_;
  std::vector<std::uint32_t> free_slots_;
  std::unordered_map<std::string, std::unique_ptr<ParentState>> parents_;

  double window_ = kInitialWindow;
  double ssthresh_ = kMaxWindow;
  Clock::time_point last_decrease_{};
  double qps_ = 0;
  double tokens_ = 0;
  Clock::time_point last_refill_{};
  bool pace_armed_ = false;

  std::size_t rotation_ = 0;
  std::size_t live_upstreams_ = 0;
  Clock::duration dead_silence_{};
  bool aborted_ = false;  // every upstream is dead (Stats::outage) or Config::stop was set
  std::size_t in_flight_ = 0;
  std::size_t delayed_ = 0;
  std::size_t active_names_ = 0;
  std::uint64_t next_index_ = 0;
  bool input_done_ = false;
  bool pumping_ = false;
  Stats stats_;
};

}  // namespace

std::uint16_t qtype_of(RecordType t) {
  switch (t) {
    case RecordType::a: return dns::kTypeA;
    case RecordType::aaaa: return dns::kTypeAaaa;
    case RecordType::mx: return dns::kTypeMx;
    case RecordType::ns: return dns::kTypeNs;
    case RecordType::txt:
    case RecordType::dmarc: return dns::kTypeTxt;
  }
  return dns::kTypeA;
}

Interpretation interpret(const dns::Message& m, std::string_view qname, std::uint16_t qtype) {
  Interpretation out;
  if (!m.qr) {
    out.error = "reply without the QR bit";
    return out;
  }
  if (!dns::same_name(m.qname, qname) || m.qtype != qtype) {
    out.error = "reply for another question (" + m.qname + " " + dns::type_name(m.qtype) + ")";
    return out;
  }
  for (const auto& r : m.authority) {
    if (r.type == dns::kTypeSoa) {
      out.soa = Soa{r.target, r.text, r.soa_numbers[0], r.soa_numbers[4]};
      break;
    }
  }
  switch (m.rcode) {
    case dns::kRcodeNoError:
    case dns::kRcodeNxDomain: break;
    case dns::kRcodeServFail: out.outcome = Outcome::servfail; return out;
    case dns::kRcodeRefused: out.outcome = Outcome::refused; return out;
    default: out.error = rcode_text(m.rcode); return out;
  }
  std::string cur(qname);
  while (!cur.empty() && cur.back() == '.') cur.pop_back();
  for (unsigned hops = 0; hops < 16; ++hops) {
    const dns::Record* next = nullptr;
    for (const auto& r : m.answer) {
      if (r.type == dns::kTypeCname && qtype != dns::kTypeCname && dns::same_name(r.owner, cur)) {
        next = &r;
        break;
      }
    }
    if (next == nullptr) break;
    if (std::find(out.chain.begin(), out.chain.end(), next->target) != out.chain.end()) {
      out.outcome = Outcome::error;
      out.error = "CNAME loop at " + next->target;
      return out;
    }
    out.chain.push_back(next->target);
    cur = next->target;
  }
  for (const auto& r : m.answer) {
    if (r.type == qtype && dns::same_name(r.owner, cur)) out.records.push_back(&r);
  }
  if (m.rcode == dns::kRcodeNxDomain) {
    // A dangling alias still exists itself: its end is missing, not the name.
    out.outcome = out.chain.empty() ? Outcome::nxdomain : Outcome::nodata;
    return out;
  }
  if (!out.records.empty()) {
    out.outcome = Outcome::answer;
    return out;
  }
  std::vector<const dns::Record*> delegation;
  for (const auto& r : m.authority) {
    if (r.type == dns::kTypeNs) delegation.push_back(&r);
  }
  if (!out.chain.empty()) {
    out.outcome = Outcome::nodata;
    if (!out.soa && delegation.empty()) out.chase = cur;  // the chain leaves this reply: follow it
    return out;
  }
  if (!m.aa && !out.soa && !delegation.empty()) {
    if (qtype == dns::kTypeNs && dns::same_name(delegation.front()->owner, qname)) {
      out.outcome = Outcome::answer;
      out.records = std::move(delegation);
    } else {
      out.outcome = Outcome::referral;
    }
    return out;
  }
  out.outcome = Outcome::nodata;
  return out;
}

Stats run_engine(const Config& config, const std::vector<Upstream>& upstreams, Transport& transport,
                 const NameSource& next, const IndexedSink& sink) {
  Engine engine(config, upstreams, transport, next, sink);
  return engine.run();
}

}  // namespace lookalike::resolver
