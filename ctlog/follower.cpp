// The follower: fetches a log's entries (RFC 6962 get-entries or static-ct data tiles) with
// several requests in flight, commits them strictly in order, folds every leaf into a compact
// Merkle tree, compares the root at each signed size, and stores matches with the new position
// in one atomic commit so that a kill -9 never leaves a gap or a duplicate.
#include <algorithm>
#include <bit>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "ctlog/ctlog.hpp"
#include "ctlog/entries.hpp"
#include "ctlog/json.hpp"
#include "ctlog/merkle.hpp"
#include "ctlog/signature.hpp"
#include "util/encoding.hpp"

namespace lookalike::ctlog {

std::string bundled_log_list_path() { return LOOKALIKE_LOGLIST_SNAPSHOT; }

namespace {

using Clock = std::chrono::steady_clock;

// Shared by all requests to one log: 429/Retry-After and 5xx push everyone back.
class Backoff {
 public:
  explicit Backoff(std::chrono::milliseconds max) : max_(max) {}
  void wait(const std::atomic<bool>* stop) {
    for (;;) {
      Clock::time_point until;
      {
        std::lock_guard lock(mu_);
        until = not_before_;
      }
      const auto now = Clock::now();
      if (now >= until || (stop != nullptr && stop->load())) return;
      std::this_thread::sleep_for(std::min<Clock::duration>(until - now, std::chrono::milliseconds(200)));
    }
  }
  void push_back(std::optional<std::chrono::seconds> retry_after) {
    std::lock_guard lock(mu_);
    std::chrono::milliseconds d;
    if (retry_after) {
      d = std::min<std::chrono::milliseconds>(*retry_after, max_);
    } else {
      delay_ = delay_.count() == 0 ? std::chrono::milliseconds(100) : std::min(delay_ * 2, max_);
      d = delay_;
    }
    not_before_ = std::max(not_before_, Clock::now() + d);
  }
  void success() {
    std::lock_guard lock(mu_);
    delay_ = std::chrono::milliseconds(0);
  }

 private:
  std::mutex mu_;
  Clock::time_point not_before_{};
  std::chrono::milliseconds delay_{0};
  std::chrono::milliseconds max_;
};

// A fetched and pre-processed batch (hashing and parsing run on the fetching thread).
struct Batch {
  std::uint64_t start = 0;
  std::uint64_t requested = 0;
  std::vector<Hash> leaf_hashes;
  std::vector<ParsedEntry> entries;
  std::vector<std::pair<std::uint64_t, Error>> malformed;
  std::vector<Hash> issuers;  // tiled: chain fingerprints seen
  std::optional<Error> error;
};

// Names and hash of an entry's certificate, keeping the DER for evidence decoding on a hit.
std::expected<ParsedEntry, Error> parse_entry_lazily(std::uint64_t index,
                                                     const std::expected<TimestampedEntry, Error>& entry) {
  if (!entry) return std::unexpected(entry.error());
  auto names = certificate_names(entry->certificate, entry->type == EntryType::precert);
  if (!names) return std::unexpected(names.error());
  ParsedEntry p;
  p.index = index;
  p.timestamp = entry->timestamp;
  p.type = entry->type;
  p.cert_sha256 = sha256(entry->certificate);
  p.names = std::move(*names);
  p.certificate.assign(entry->certificate.begin(), entry->certificate.end());
  return p;
}

std::string sth_json(const SignedTreeHead& h) {
  return "{\"tree_size\":" + std::to_string(h.tree_size) + ",\"timestamp\":" + std::to_string(h.timestamp) +
         ",\"sha256_root_hash\":\"" + util::base64_encode(h.root) + "\",\"tree_head_signature\":\"" +
         util::base64_encode(h.signature) + "\"}";
}

class Follower {
 public:
  Follower(const LogInfo& log, StateStore& store, const NameMatcher& matcher, const FollowOptions& o)
      : log_(log), store_(store), matcher_(matcher), opts_(o), name_(log.short_name()), backoff_(o.max_backoff) {
    const unsigned k = std::max(1u, o.parallel);
    for (unsigned i = 0; i < k; ++i) {
      clients_.push_back(o.client_factory ? o.client_factory() : net::make_http_client(o.http));
    }
    batch_ = std::max<std::uint64_t>(1, o.batch);
  }

  FollowResult run() {
    FollowResult res;
    auto key = PublicKey::from_der(log_.key_der);
    if (!key) return fail(res, key.error());
    key_ = *key;
    if (util::base64_encode(key_.log_id()) != log_.log_id_b64) {
      return fail(res, Error{"log_id " + log_.log_id_b64 + " is not the SHA-256 of the log's key"});
    }
    auto loaded = store_.load(log_.log_id_b64);
    if (!loaded) return fail(res, loaded.error());
    fresh_ = !loaded->has_value();
    if (!fresh_) st_ = **loaded;
    auto tree = CompactTree::from_parts(st_.next_index, st_.subtrees);
    if (!tree) return fail(res, tree.error());
    tree_ = *tree;

    for (bool first = true;; first = false) {
      if (stopped()) break;
      if (!first) {
        const auto until = Clock::now() + opts_.poll;
        while (Clock::now() < until && !stopped()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (stopped()) break;
      }
      auto head = fetch_head();
      if (!head) {
        st_.last_error = head.error().what;
        // A log never followed keeps no state, so that --from still applies next time.
        if (!fresh_) (void)store_.commit(log_.log_id_b64, st_, {});
        if (opts_.once) return fail(res, head.error());
        continue;
      }
      if (auto r = catch_up(*head); !r) {
        st_.last_error = r.error().what;
        (void)store_.commit(log_.log_id_b64, st_, {});
        res.error = r.error();
        break;
      }
      if (opts_.once) break;
    }
    res.state = st_;
    res.entries = entries_;
    res.hits = hits_;
    res.verified = st_.verified_size == st_.next_index && st_.verified_size == st_.head_size && !res.error;
    return res;
  }

 private:
  bool stopped() const { return opts_.stop != nullptr && opts_.stop->load(); }

  FollowResult fail(FollowResult& r, Error e) {
    r.error = std::move(e);
    r.state = st_;
    r.entries = entries_;
    r.hits = hits_;
    return r;
  }

  void alert(std::string kind, std::string detail) {
    if (opts_.on_alert) opts_.on_alert(Alert{name_, std::move(kind), std::move(detail)});
  }

  // GET with per-log backoff: retries transport errors, 429, 5xx and unparsable bodies.
  template <class Parse>
  auto fetch(net::HttpClient& client, const std::string& url, Parse parse) -> decltype(parse(std::string_view{})) {
    Error last{url + ": not attempted"};
    for (unsigned attempt = 0; attempt <= opts_.max_retries; ++attempt) {
      if (stopped()) return std::unexpected(Error{url + ": stopped"});
      backoff_.wait(opts_.stop);
      auto r = client.get(url);
      if (!r) {
        last = Error{r.error().what};
        backoff_.push_back(std::nullopt);
        continue;
      }
      if (r->status == 429 || r->status >= 500) {
        last = Error{url + ": HTTP " + std::to_string(r->status)};
        backoff_.push_back(r->retry_after);
        continue;
      }
      if (r->status != 200) return std::unexpected(Error{url + ": HTTP " + std::to_string(r->status)});
      auto parsed = parse(r->body);
      if (!parsed) {
        // A truncated or garbled body is usually a hiccup: retry, but keep the reason.
        last = Error{url + ": " + parsed.error().what};
        backoff_.push_back(std::nullopt);
        continue;
      }
      backoff_.success();
      return parsed;
    }
    return std::unexpected(Error{"gave up after " + std::to_string(opts_.max_retries + 1) + " attempts: " + last.what});
  }

  std::string origin() const {
    std::string o = log_.submission_url.empty() ? log_.url : log_.submission_url;
    if (auto p = o.find("://"); p != std::string::npos) o.erase(0, p + 3);
    while (o.ends_with('/')) o.pop_back();
    return o;
  }

  // The current signed head, signature verified (a bad signature is an alert and an error).
  std::expected<SignedTreeHead, Error> fetch_head() {
    if (!log_.tiled) {
      std::string raw;
      auto sth = fetch(*clients_[0], log_.url + "ct/v1/get-sth", [&](std::string_view body) {
        raw = std::string(body);
        return parse_sth_json(body);
      });
      if (!sth) return sth;
      if (!verify_sth(*sth, key_)) {
        alert("bad signature", "get-sth " + raw);
        return std::unexpected(Error{"get-sth: signature does not verify with the log's key"});
      }
      return sth;
    }
    std::string raw;
    const std::string org = origin();
    auto cp = fetch(*clients_[0], log_.url + "checkpoint", [&](std::string_view body) {
      raw = std::string(body);
      return parse_checkpoint(body, org, key_.log_id());
    });
    if (!cp) return std::unexpected(cp.error());
    if (!verify_checkpoint(*cp, key_)) {
      alert("bad signature", "checkpoint " + raw);
      return std::unexpected(Error{"checkpoint: signature does not verify with the log's key"});
    }
    return SignedTreeHead{cp->tree_size, cp->timestamp, cp->root, cp->signature};
  }

  std::expected<void, Error> commit(std::span<const Hit> hits) {
    auto r = store_.commit(log_.log_id_b64, st_, hits);
    if (!r) return std::unexpected(Error{"store: " + r.error().what});
    if (opts_.on_progress) opts_.on_progress(name_, st_);
    return {};
  }

  // Picks the starting position of a log never followed before.
  std::expected<void, Error> initialise(const SignedTreeHead& head) {
    std::uint64_t start = 0;
    if (opts_.from == StartFrom::end) start = head.tree_size;
    if (opts_.from == StartFrom::index) start = std::min(opts_.from_index, head.tree_size);
    if (start == 0) return {};
    if (log_.tiled) {
      auto t = compact_from_tiles(start, head.tree_size);
      if (!t) return std::unexpected(t.error());
      tree_ = *t;
    } else {
      // A consistency proof to the signed head carries the compact range of [0, start), but not
      // for a power-of-two start (the proof omits that root): start one entry earlier then.
      // The proof also needs start < tree size: step back until both hold (a few entries at most).
      while (start > 0 && (std::has_single_bit(start) || start == head.tree_size)) --start;
      if (start == 0) return {};
      auto proof = fetch(*clients_[0],
                         log_.url + "ct/v1/get-sth-consistency?first=" + std::to_string(start) +
                             "&second=" + std::to_string(head.tree_size),
                         [](std::string_view b) { return parse_consistency_json(b); });
      if (!proof) return std::unexpected(proof.error());
      auto t = compact_from_consistency(start, head.tree_size, head.root, *proof);
      if (!t) {
        alert("inconsistent head", t.error().what + "; head " + sth_json(head));
        return std::unexpected(t.error());
      }
      tree_ = *t;
    }
    st_.next_index = tree_.size();
    st_.subtrees = tree_.subtrees();
    st_.verified_size = tree_.size();
    st_.verified_root = tree_.root();
    st_.verified_subtrees = tree_.subtrees();
    return {};
  }

  // The compact range of [0, n) from hash tiles of a tree of `size` (tiled logs, --from).
  std::expected<CompactTree, Error> compact_from_tiles(std::uint64_t n, std::uint64_t size) {
    std::vector<Hash> parts;
    std::uint64_t offset = 0;
    for (int h = 63; h >= 0; --h) {
      if (((n >> h) & 1) == 0) continue;
      const std::uint64_t index = offset >> h;
      const int level = h / 8;
      const int r = h % 8;
      const std::uint64_t first = index << r;  // first node at tree level 8*level
      const std::uint64_t count = std::uint64_t{1} << r;
      const std::uint64_t tile = first / 256;
      const std::uint64_t nodes_at_level = size >> (8 * level);
      const std::uint64_t width = std::min<std::uint64_t>(256, nodes_at_level - tile * 256);
      auto hashes = fetch(*clients_[0], log_.url + tile_path(level, tile, static_cast<unsigned>(width)),
                          [&](std::string_view b) -> std::expected<std::vector<Hash>, Error> {
                            if (b.size() != width * 32) return std::unexpected(Error{"hash tile has wrong size"});
                            std::vector<Hash> v(width);
                            std::memcpy(v.data(), b.data(), b.size());
                            return v;
                          });
      if (!hashes) return std::unexpected(hashes.error());
      const auto begin = static_cast<std::size_t>(first - tile * 256);
      if (begin + count > hashes->size()) return std::unexpected(Error{"hash tile too short"});
      parts.push_back(root_of(std::span<const Hash>(hashes->data() + begin, static_cast<std::size_t>(count))));
      offset += std::uint64_t{1} << h;
    }
    return CompactTree::from_parts(n, std::move(parts));
  }

  std::expected<void, Error> catch_up(const SignedTreeHead& head) {
    if (fresh_) {
      if (auto r = initialise(head); !r) return r;
      fresh_ = false;
      if (auto r = commit({}); !r) return r;
    }
    const std::string evidence = "head " + sth_json(head) + "; verified size " + std::to_string(st_.verified_size) +
                                 " root " + util::base64_encode(st_.verified_root);
    if (head.tree_size < st_.verified_size || head.tree_size < st_.head_size) {
      alert("log shrank", evidence);
      return std::unexpected(Error{"signed head size " + std::to_string(head.tree_size) + " is below one already seen"});
    }
    if (head.tree_size == st_.verified_size && head.root != st_.verified_root) {
      alert("inconsistent head", evidence);
      return std::unexpected(Error{"signed head at verified size has a different root"});
    }
    // RFC 6962 logs prove consistency between heads cheaply; our own fold proves it again below.
    if (!log_.tiled && st_.verified_size > 0 && head.tree_size > st_.verified_size) {
      auto proof = fetch(*clients_[0],
                         log_.url + "ct/v1/get-sth-consistency?first=" + std::to_string(st_.verified_size) +
                             "&second=" + std::to_string(head.tree_size),
                         [](std::string_view b) { return parse_consistency_json(b); });
      if (!proof) return std::unexpected(proof.error());
      if (!verify_consistency(st_.verified_size, head.tree_size, st_.verified_root, head.root, *proof)) {
        alert("inconsistent head", evidence + "; consistency proof does not verify");
        return std::unexpected(Error{"consistency proof " + std::to_string(st_.verified_size) + "->" +
                                     std::to_string(head.tree_size) + " does not verify"});
      }
    }
    st_.head_size = head.tree_size;
    st_.head_timestamp = head.timestamp;
    if (st_.next_index > head.tree_size) {
      // We are past this head (an older head from a lagging frontend): nothing to do yet.
      return {};
    }
    if (auto r = download(head.tree_size); !r) return r;
    if (stopped() && tree_.size() < head.tree_size) return {};
    if (tree_.root() != head.root) {
      alert("root mismatch", evidence + "; our fold of " + std::to_string(tree_.size()) + " leaves gives " +
                                 util::base64_encode(tree_.root()));
      // Roll back to the last verified position: those leaves are not what the log signed.
      st_.next_index = st_.verified_size;
      st_.subtrees = st_.verified_subtrees;
      tree_ = *CompactTree::from_parts(st_.next_index, st_.subtrees);
      st_.last_error = "root mismatch at size " + std::to_string(head.tree_size);
      (void)commit({});
      return std::unexpected(Error{st_.last_error});
    }
    st_.verified_size = head.tree_size;
    st_.verified_root = head.root;
    st_.verified_subtrees = tree_.subtrees();
    st_.last_error.clear();
    return commit({});
  }

  // ---- fetching ------------------------------------------------------------------------------

  Batch fetch_entries(net::HttpClient& client, std::uint64_t start, std::uint64_t end_incl) {
    Batch b;
    b.start = start;
    b.requested = end_incl - start + 1;
    auto raw = fetch(client,
                     log_.url + "ct/v1/get-entries?start=" + std::to_string(start) + "&end=" + std::to_string(end_incl),
                     [&](std::string_view body) -> std::expected<std::vector<RawEntry>, Error> {
                       auto e = parse_get_entries_json(body);
                       if (e && e->empty()) return std::unexpected(Error{"no entries returned"});
                       if (e && e->size() > b.requested) return std::unexpected(Error{"more entries than asked"});
                       return e;
                     });
    if (!raw) {
      b.error = raw.error();
      return b;
    }
    b.leaf_hashes.reserve(raw->size());
    b.entries.reserve(raw->size());
    for (std::size_t i = 0; i < raw->size(); ++i) {
      const RawEntry& e = (*raw)[i];
      b.leaf_hashes.push_back(leaf_hash(e.leaf_input));
      auto p = parse_entry_lazily(start + i, parse_merkle_tree_leaf(e.leaf_input));
      if (p) {
        b.entries.push_back(std::move(*p));
      } else {
        b.malformed.emplace_back(start + i, p.error());
      }
    }
    return b;
  }

  Batch fetch_tile(net::HttpClient& client, std::uint64_t tile, std::uint64_t size) {
    Batch b;
    b.start = tile * 256;
    const std::uint64_t width = std::min<std::uint64_t>(256, size - b.start);
    b.requested = width;
    const std::string url = log_.url + tile_path(-1, tile, static_cast<unsigned>(width));
    auto body = fetch(client, url, [&](std::string_view raw) -> std::expected<std::string, Error> {
      // Check the framing now so a truncated tile is retried like a truncated JSON body.
      std::span<const std::uint8_t> d(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size());
      for (std::uint64_t i = 0; i < width; ++i) {
        auto e = parse_tile_entry(d);
        if (!e) return std::unexpected(Error{"entry " + std::to_string(i) + ": " + e.error().what});
      }
      if (!d.empty()) return std::unexpected(Error{"trailing bytes after " + std::to_string(width) + " entries"});
      return std::string(raw);
    });
    if (!body) {
      b.error = body.error();
      return b;
    }
    std::span<const std::uint8_t> d(reinterpret_cast<const std::uint8_t*>(body->data()), body->size());
    for (std::uint64_t i = 0; i < width; ++i) {
      auto e = parse_tile_entry(d);  // cannot fail: checked above
      if (!e) {
        b.error = e.error();
        return b;
      }
      const std::uint64_t index = b.start + i;
      b.leaf_hashes.push_back(tile_leaf_hash(*e));
      for (const Hash& f : e->chain_fingerprints) {
        if (std::find(b.issuers.begin(), b.issuers.end(), f) == b.issuers.end()) b.issuers.push_back(f);
      }
      if (e->entry.leaf_index && *e->entry.leaf_index != index) {
        b.malformed.emplace_back(index, Error{"leaf_index extension says " + std::to_string(*e->entry.leaf_index)});
        continue;
      }
      auto parsed = parse_entry_lazily(index, e->entry);
      if (!parsed) {
        b.malformed.emplace_back(index, parsed.error());
        continue;
      }
      b.entries.push_back(std::move(*parsed));
    }
    return b;
  }

  void fetch_issuers(const std::vector<Hash>& fps) {
    for (const Hash& f : fps) {
      if (std::find(issuers_.begin(), issuers_.end(), f) != issuers_.end()) continue;
      issuers_.push_back(f);  // cached even when missing: one attempt per run
      auto r = clients_[0]->get(log_.url + "issuer/" + util::hex_encode(f));
      if (!r || r->status != 200) {
        st_.last_error = "issuer " + util::hex_encode(f) + " not available";
        continue;
      }
      const std::span<const std::uint8_t> der(reinterpret_cast<const std::uint8_t*>(r->body.data()), r->body.size());
      if (sha256(der) != f) {
        alert("bad issuer", "issuer/" + util::hex_encode(f) + " serves a certificate with another fingerprint");
      }
    }
  }

  std::expected<void, Error> download(std::uint64_t size) {
    struct Pending {
      std::uint64_t start, end;  // end inclusive
      std::size_t slot;
      std::future<Batch> result;
    };
    std::deque<Pending> pending;
    std::uint64_t next_request = st_.next_index;
    const bool tiled = log_.tiled;
    auto launch = [&](std::uint64_t start, std::uint64_t end, std::size_t slot, bool front) {
      net::HttpClient* c = clients_[slot].get();
      Pending p{start, end, slot, {}};
      if (tiled) {
        p.result = std::async(std::launch::async, [this, c, start, size] { return fetch_tile(*c, start / 256, size); });
      } else {
        p.result = std::async(std::launch::async, [this, c, start, end] { return fetch_entries(*c, start, end); });
      }
      if (front) pending.push_front(std::move(p));
      else pending.push_back(std::move(p));
    };
    auto launch_next = [&](std::size_t slot) {
      if (next_request >= size || stopped()) return;
      std::uint64_t end;
      if (tiled) {
        end = std::min(size, (next_request / 256 + 1) * 256) - 1;
      } else {
        end = std::min(size, next_request + batch_) - 1;
      }
      launch(next_request, end, slot, false);
      next_request = end + 1;
    };
    for (std::size_t s = 0; s < clients_.size(); ++s) launch_next(s);

    std::vector<Hit> hits;
    std::vector<BrandMatch> matches;
    while (!pending.empty()) {
      Pending p = std::move(pending.front());
      pending.pop_front();
      Batch b = p.result.get();
      if (b.error) {
        for (auto& q : pending) q.result.wait();
        if (stopped()) return {};  // a clean stop: everything before is committed
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
      hits.clear();
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
            hits.push_back(Hit{name_, e.index, e.timestamp, e.cert_sha256, n, std::move(m), e.type == EntryType::precert,
                               info->issuer, info->sans, info->not_before, info->not_after});
          }
        }
      }
      for (auto& [index, err] : b.malformed) {
        if (index < st_.next_index) continue;
        ++st_.malformed;
        if (opts_.on_malformed) opts_.on_malformed(name_, index, err);
      }
      if (!b.issuers.empty()) fetch_issuers(b.issuers);
      entries_ += got - skip;
      hits_ += hits.size();
      st_.entries_seen += got - skip;
      st_.next_index = b.start + got;
      st_.subtrees = tree_.subtrees();
      if (auto r = commit(hits); !r) {
        for (auto& q : pending) q.result.wait();
        return r;
      }
      if (!tiled && got < b.requested) {
        // A short batch: the log's real cap (unless the log just has nothing more yet).
        batch_ = std::max<std::uint64_t>(1, std::min(batch_, got));
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
  Backoff backoff_;
  std::vector<std::unique_ptr<net::HttpClient>> clients_;
  std::uint64_t batch_ = 1024;
  PublicKey key_;
  FollowState st_;
  CompactTree tree_;
  bool fresh_ = true;
  std::uint64_t entries_ = 0;
  std::uint64_t hits_ = 0;
  std::vector<Hash> issuers_;
};

}  // namespace

FollowResult follow_log(const LogInfo& log, StateStore& store, const NameMatcher& matcher,
                        const FollowOptions& options) {
  Follower f(log, store, matcher, options);
  return f.run();
}

}  // namespace lookalike::ctlog
