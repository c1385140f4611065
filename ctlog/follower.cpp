// The follower: fetches a log's entries through its API's LogSource with several requests in
// flight, folds every leaf in order into a compact Merkle tree, checks each prefix (every
// `verify_every` entries and at the head) against the signed head, and only then stores the
// prefix's matches with the new position in one atomic commit: nothing from an unverified range
// is ever stored, and a kill -9 never leaves a gap or a duplicate.
#include <algorithm>
#include <deque>
#include <future>
#include <random>
#include <thread>

#include "ctlog/entries.hpp"
#include "ctlog/log_source.hpp"
#include "ctlog/merkle.hpp"
#include "ctlog/signature.hpp"
#include "util/encoding.hpp"

namespace lookalike::ctlog {

namespace {

using Clock = std::chrono::steady_clock;

class Follower {
 public:
  Follower(const LogInfo& log, StateStore& store, const NameMatcher& matcher, const FollowOptions& o)
      : log_(log), store_(store), matcher_(matcher), opts_(o), name_(log.short_name()), fetcher_(o) {
    const unsigned k = std::max(1u, o.parallel);
    auto make = [&] { return o.client_factory ? o.client_factory() : net::make_http_client(o.http); };
    for (unsigned i = 0; i < k; ++i) clients_.push_back(make());
    // Heads, proofs, hash tiles and issuers get their own client: they are fetched from this
    // thread while every entry client may be in use by a worker (clients are not thread-safe).
    control_ = make();
  }

  FollowResult run() {
    FollowResult res;
    auto key = PublicKey::from_der(log_.key_der);
    if (!key) return fail(res, key.error());
    key_ = *key;
    if (util::base64_encode(key_.log_id()) != log_.log_id_b64) {
      return fail(res, Error{"log_id " + log_.log_id_b64 + " is not the SHA-256 of the log's key"});
    }
    auto source = make_log_source(SourceContext{log_, opts_, key_, fetcher_, *control_,
                                                [this](std::string kind, std::string detail) {
                                                  alert(std::move(kind), std::move(detail));
                                                }});
    if (!source) return fail(res, source.error());
    source_ = std::move(*source);
    auto loaded = store_.load(log_.log_id_b64);
    if (!loaded) return fail(res, loaded.error());
    fresh_ = !loaded->has_value();
    if (!fresh_) st_ = **loaded;
    committed_ = st_;
    auto tree = CompactTree::from_parts(st_.next_index, st_.subtrees);
    if (!tree) return fail(res, tree.error());
    tree_ = *tree;

    // Continuous mode never gives up: after a failure it waits (doubling from `poll` up to
    // `max_backoff`, jittered so that many followers do not retry in step) and tries again.
    unsigned failures = 0;
    std::minstd_rand jitter(std::random_device{}());
    status(FollowerStatus::following);
    for (bool first = true;; first = false) {
      if (stopped()) break;
      if (!first) {
        auto wait = opts_.poll;
        if (failures > 0) {
          const auto cap = std::max(opts_.poll, opts_.max_backoff);
          auto d = std::max(opts_.poll, std::chrono::milliseconds(100));  // never a busy retry loop
          for (unsigned i = 1; i < failures && d < cap; ++i) d *= 2;
          d = std::min(d, cap);
          wait = std::chrono::milliseconds(std::uniform_int_distribution<long>(d.count() / 2, d.count())(jitter));
        }
        const auto until = Clock::now() + wait;
        while (Clock::now() < until && !stopped()) {
          std::this_thread::sleep_for(std::min<Clock::duration>(until - Clock::now(), std::chrono::milliseconds(100)));
        }
        if (stopped()) break;
      }
      auto head = source_->fetch_head();
      if (!head) {
        st_.last_error = head.error().what;
        // A log never followed keeps no state, so that --from still applies next time.
        if (!fresh_) (void)store_.commit(log_.log_id_b64, st_, {});
        if (opts_.once) return fail(res, head.error());
        ++failures;
        status(FollowerStatus::retrying);
        continue;
      }
      if (auto r = catch_up(*head); !r) {
        st_.last_error = r.error().what;
        if (!fresh_) (void)store_.commit(log_.log_id_b64, st_, {});
        if (opts_.once) {
          res.error = r.error();
          break;
        }
        ++failures;
        status(FollowerStatus::retrying);
        continue;
      }
      if (failures > 0) status(FollowerStatus::following);
      failures = 0;
      if (opts_.once) break;
    }
    status(FollowerStatus::stopped);
    res.state = st_;
    res.entries = entries_;
    res.hits = hits_;
    res.verified = st_.verified_size == st_.next_index && st_.verified_size == st_.head_size && !res.error;
    return res;
  }

 private:
  bool stopped() const { return fetcher_.stopped(); }

  // Reports a change of state (not every retry).
  void status(FollowerStatus s) {
    if (status_ == s) return;
    status_ = s;
    if (opts_.on_status) opts_.on_status(name_, s);
  }

  FollowResult fail(FollowResult& r, Error e) {
    r.error = std::move(e);
    r.state = st_;
    r.entries = entries_;
    r.hits = hits_;
    status(FollowerStatus::stopped);
    return r;
  }

  void alert(std::string kind, std::string detail) {
    if (opts_.on_alert) opts_.on_alert(Alert{name_, std::move(kind), std::move(detail)});
  }

  // Stores the state (and the hits of the prefix it verified) in one atomic commit.
  std::expected<void, Error> commit(std::span<const Hit> hits) {
    auto r = store_.commit(log_.log_id_b64, st_, hits);
    if (!r) return std::unexpected(Error{"store: " + r.error().what});
    committed_ = st_;
    if (opts_.on_progress) opts_.on_progress(name_, st_);
    return {};
  }

  // Drops what was fetched since the last commit: the fold, the position and the counters go
  // back to the committed state, the last head seen stays (the staged hits are the caller's to drop).
  void roll_back() {
    const FollowState seen = st_;
    st_ = committed_;
    st_.head_size = seen.head_size;  // the signed head stays seen (it verified), its leaves do not
    st_.head_timestamp = seen.head_timestamp;
    st_.head_checked = seen.head_checked;
    tree_ = *CompactTree::from_parts(st_.next_index, st_.subtrees);
  }

  // Picks the starting position of a log never followed before (start_at checks it against the head).
  std::expected<void, Error> initialise(const SignedTreeHead& head) {
    std::uint64_t start = 0;
    if (opts_.from == StartFrom::end) start = head.tree_size;
    if (opts_.from == StartFrom::index) start = std::min(opts_.from_index, head.tree_size);
    if (start == 0) return {};
    auto t = source_->start_at(start, head);
    if (!t) return std::unexpected(t.error());
    if (t->size() == 0) return {};
    tree_ = *t;
    st_.next_index = tree_.size();
    st_.subtrees = tree_.subtrees();
    st_.verified_size = tree_.size();
    st_.verified_root = tree_.root();
    st_.verified_subtrees = tree_.subtrees();
    return {};
  }

  std::uint64_t now_ms() const {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  }

  std::expected<void, Error> catch_up(const SignedTreeHead& head) {
    if (fresh_) {
      if (auto r = initialise(head); !r) return r;
      fresh_ = false;
      st_.head_checked = now_ms();
      if (auto r = commit({}); !r) return r;
    }
    const std::string evidence = "head " + sth_json(head) + "; verified size " + std::to_string(st_.verified_size) +
                                 " root " + util::base64_encode(st_.verified_root);
    if (head.tree_size < st_.verified_size) {
      // An older head, as a lagging frontend serves: no progress and no alarm, unless it is not
      // a prefix of what we verified (the source proves that where its API can).
      if (head.tree_size > 0) {
        const SignedTreeHead verified{st_.verified_size, 0, st_.verified_root, {}};
        if (auto r = source_->check_extends(head.tree_size, head.root, verified, "older " + evidence); !r) return r;
      } else if (head.root != empty_root()) {
        alert("inconsistent head", evidence);
        return std::unexpected(Error{"signed head of size 0 has a root other than the empty tree's"});
      }
      return {};
    }
    // Nothing verified yet: the verified tree is the empty one (new logs start at size 0), whose
    // root is the hash of the empty string, not the zero-filled state field.
    const Hash verified_root = st_.verified_size == 0 ? empty_root() : st_.verified_root;
    if (head.tree_size == st_.verified_size && head.root != verified_root) {
      alert("inconsistent head", evidence);
      return std::unexpected(Error{"signed head at verified size has a different root"});
    }
    if (st_.verified_size > 0 && head.tree_size > st_.verified_size) {
      if (auto r = source_->check_extends(st_.verified_size, st_.verified_root, head, evidence); !r) return r;
    }
    if (head.tree_size >= st_.head_size) {
      st_.head_size = head.tree_size;
      st_.head_timestamp = head.timestamp;
    }
    st_.head_checked = now_ms();
    if (st_.next_index > head.tree_size) return {};  // past this head (a state from before verified commits)
    // Fetch the head's leaves a prefix at a time; each prefix is checked against the signed head
    // before its matches are committed, so nothing from an unverified range is ever stored.
    do {
      const std::uint64_t from = st_.next_index;
      std::vector<Hit> staged;
      const std::uint64_t target = head.tree_size - from > opts_.verify_every ? from + std::max<std::uint64_t>(1, opts_.verify_every)
                                                                               : head.tree_size;
      if (auto r = download(target, head.tree_size, staged); !r) {
        roll_back();
        return r;
      }
      if (stopped() && tree_.size() < target) {
        roll_back();
        return {};
      }
      auto ok = source_->check_prefix(tree_, head);
      if (!ok) {
        roll_back();
        return std::unexpected(ok.error());
      }
      if (!*ok) {
        const std::string range = "[" + std::to_string(from) + ", " + std::to_string(tree_.size()) + ")";
        alert("root mismatch", "entries " + range + " do not match the signed head: " + evidence + "; our fold of " +
                                   std::to_string(tree_.size()) + " leaves gives " + util::base64_encode(tree_.root()) +
                                   "; " + std::to_string(staged.size()) + " matches in the range withheld");
        // Those leaves are not what the log signed: back to the last verified position.
        roll_back();
        st_.last_error = "root mismatch: entries " + range + " do not match the signed head of size " +
                         std::to_string(head.tree_size);
        (void)commit({});
        return std::unexpected(Error{st_.last_error});
      }
      st_.verified_size = tree_.size();
      st_.verified_root = tree_.root();
      st_.verified_subtrees = tree_.subtrees();
      st_.last_error = last_error_;
      last_error_.clear();
      if (auto r = commit(staged); !r) {
        roll_back();
        return r;
      }
      entries_ += st_.next_index - from;
      hits_ += staged.size();
    } while (st_.next_index < head.tree_size);
    return {};
  }

  // Fetches and folds the leaves from the position up to at least `target` of a tree of `size`
  // (a request may reach past it), staging their matches in `staged`; commits nothing.
  std::expected<void, Error> download(std::uint64_t target, std::uint64_t size, std::vector<Hit>& staged) {
    struct Pending {
      std::uint64_t start, end;  // end inclusive
      std::size_t slot;
      std::future<Batch> result;
    };
    std::deque<Pending> pending;
    std::uint64_t next_request = st_.next_index;
    auto launch = [&](std::uint64_t start, std::uint64_t end, std::size_t slot, bool front) {
      net::HttpClient* c = clients_[slot].get();
      Pending p{start, end, slot, {}};
      p.result = std::async(std::launch::async, [this, c, start, end, size] { return source_->fetch(*c, start, end, size); });
      if (front) pending.push_front(std::move(p));
      else pending.push_back(std::move(p));
    };
    auto launch_next = [&](std::size_t slot) {
      if (next_request >= target || stopped()) return;
      const std::uint64_t end = source_->request_end(next_request, size);
      launch(next_request, end, slot, false);
      next_request = end + 1;
    };
    for (std::size_t s = 0; s < clients_.size(); ++s) launch_next(s);

    std::vector<BrandMatch> matches;
    while (!pending.empty()) {
      Pending p = std::move(pending.front());
      pending.pop_front();
      Batch b = p.result.get();
      if (b.error) {
        for (auto& q : pending) q.result.wait();
        if (stopped()) return {};  // a clean stop: the caller drops the unverified rest
        return std::unexpected(*b.error);
      }
      const std::uint64_t got = b.leaf_hashes.size();
      // Tiles may start before our position (resume mid-tile): skip what is already folded.
      const std::uint64_t skip = st_.next_index > b.start ? st_.next_index - b.start : 0;
      if (b.start + got <= st_.next_index || b.start > st_.next_index) {
        for (auto& q : pending) q.result.wait();
        return std::unexpected(Error{"internal: batch at " + std::to_string(b.start) + " does not continue " +
                                     std::to_string(st_.next_index)});
      }
      for (std::uint64_t i = skip; i < got; ++i) tree_.append(b.leaf_hashes[i]);
      for (const ParsedEntry& e : b.entries) {
        if (e.index < st_.next_index) continue;
        std::optional<CertificateInfo> info;  // decoded at the entry's first hit
        for (const CertName& n : e.names) {
          matches.clear();
          if (matcher_) matcher_(n, matches);
          if (!matches.empty() && !info) {
            info.emplace();
            if (!e.certificate.empty()) {
              // The DER already parsed once for its names; an error here leaves the evidence empty.
              if (auto ci = certificate_info(e.certificate, e.type == EntryType::precert)) info = std::move(*ci);
            } else {
              info->issuer = e.issuer;
              info->sans = e.sans;
              info->not_before = e.not_before;
              info->not_after = e.not_after;
            }
          }
          for (BrandMatch& m : matches) {
            staged.push_back(Hit{name_, e.index, e.timestamp, e.cert_sha256, n, std::move(m), e.type == EntryType::precert,
                                 info->issuer, info->sans, info->not_before, info->not_after});
          }
        }
      }
      for (auto& [index, err] : b.malformed) {
        if (index < st_.next_index) continue;
        ++st_.malformed;
        if (opts_.on_malformed) opts_.on_malformed(name_, index, err);
      }
      source_->after_batch(b, last_error_);
      st_.entries_seen += got - skip;
      st_.next_index = b.start + got;
      st_.subtrees = tree_.subtrees();
      if (got < b.requested) {
        // Fewer leaves than asked (RFC 6962 logs cap get-entries): ask for the rest first.
        source_->learn_cap(got);
        launch(b.start + got, p.end, p.slot, true);
      } else {
        launch_next(p.slot);
      }
    }
    return {};
  }

  const LogInfo& log_;
  StateStore& store_;
  const NameMatcher& matcher_;
  const FollowOptions& opts_;
  std::string name_;
  Fetcher fetcher_;
  std::vector<std::unique_ptr<net::HttpClient>> clients_;  // one per entry request in flight
  std::unique_ptr<net::HttpClient> control_;
  PublicKey key_;
  std::unique_ptr<LogSource> source_;
  FollowState st_;
  FollowState committed_;   // what the store holds: where a failed or unverified prefix rolls back to
  std::string last_error_;  // a problem found while fetching a prefix (not the log's fault), kept on commit
  CompactTree tree_;
  bool fresh_ = true;
  std::optional<FollowerStatus> status_;
  std::uint64_t entries_ = 0;
  std::uint64_t hits_ = 0;
};

}  // namespace

FollowResult follow_log(const LogInfo& log, StateStore& store, const NameMatcher& matcher,
                        const FollowOptions& options) {
  Follower f(log, store, matcher, options);
  return f.run();
}

}  // namespace lookalike::ctlog
