// static-ct-api (C2SP tiled) logs: the signed checkpoint, data tiles of 256 entries, hash tiles
// for a start without earlier leaves, and the issuer certificates the entries name.
#include <algorithm>
#include <bit>
#include <cstring>
#include <map>

#include "ctlog/log_source.hpp"
#include "util/encoding.hpp"

namespace lookalike::ctlog {
namespace {

class StaticCtSource final : public LogSource {
 public:
  explicit StaticCtSource(const SourceContext& ctx) : ctx_(ctx) {}

 private:
  // The checkpoint origin: the submission URL without scheme and trailing slashes.
  std::string origin() const {
    std::string o = ctx_.log.submission_url.empty() ? ctx_.log.url : ctx_.log.submission_url;
    if (auto p = o.find("://"); p != std::string::npos) o.erase(0, p + 3);
    while (o.ends_with('/')) o.pop_back();
    return o;
  }

  std::expected<SignedTreeHead, Error> fetch_head() override {
    std::string raw;
    const std::string org = origin();
    auto cp = ctx_.fetcher.get(ctx_.control, ctx_.log.url + "checkpoint", [&](std::string_view body) {
      raw = std::string(body);
      return parse_checkpoint(body, org, ctx_.key.log_id());
    });
    if (!cp) return std::unexpected(cp.error());
    if (!verify_checkpoint(*cp, ctx_.key)) {
      ctx_.alert("bad signature", "checkpoint " + raw);
      return std::unexpected(Error{"checkpoint: signature does not verify with the log's key"});
    }
    return SignedTreeHead{cp->tree_size, cp->timestamp, cp->root, cp->signature};
  }

  // Hash tiles fetched during one proof: a tile serves several subtrees of a range.
  using TileCache = std::map<std::pair<int, std::uint64_t>, std::vector<Hash>>;

  // The root of the perfect subtree of 2^height leaves starting at leaf index << height, in a
  // tree of `size`, from the hash tile that holds its nodes (unauthenticated until a signed root
  // is recomputed from it).
  std::expected<Hash, Error> subtree_root(unsigned height, std::uint64_t index, std::uint64_t size, TileCache& cache) {
    const int level = static_cast<int>(height / 8);
    const unsigned r = height % 8;
    const std::uint64_t first = index << r;  // first node at tree level 8*level
    const std::uint64_t count = std::uint64_t{1} << r;
    const std::uint64_t tile = first / 256;
    const std::uint64_t nodes_at_level = size >> (8 * level);
    const std::uint64_t width = std::min<std::uint64_t>(256, nodes_at_level - tile * 256);
    auto it = cache.find({level, tile});
    if (it == cache.end()) {
      auto hashes = ctx_.fetcher.get(ctx_.control, ctx_.log.url + tile_path(level, tile, static_cast<unsigned>(width)),
                                     [&](std::string_view b) -> std::expected<std::vector<Hash>, Error> {
                                       if (b.size() != width * 32) return std::unexpected(Error{"hash tile has wrong size"});
                                       std::vector<Hash> v(width);
                                       std::memcpy(v.data(), b.data(), b.size());
                                       return v;
                                     });
      if (!hashes) return std::unexpected(hashes.error());
      it = cache.emplace(std::pair{level, tile}, std::move(*hashes)).first;
    }
    const auto begin = static_cast<std::size_t>(first - tile * 256);
    if (begin + count > it->second.size()) return std::unexpected(Error{"hash tile too short"});
    return root_of(std::span<const Hash>(it->second.data() + begin, static_cast<std::size_t>(count)));
  }

  // The compact range of [0, n) from hash tiles of a tree of `head.tree_size`, checked against
  // the signed root (with the rest of the tree from hash tiles) before it is trusted.
  std::expected<CompactTree, Error> start_at(std::uint64_t n, const SignedTreeHead& head) override {
    TileCache cache;
    CompactTree t;
    for (int h = 63; h >= 0; --h) {
      if (((n >> h) & 1) == 0) continue;
      auto root = subtree_root(static_cast<unsigned>(h), t.size() >> h, head.tree_size, cache);
      if (!root) return std::unexpected(root.error());
      t.append_subtree(*root, static_cast<unsigned>(h));
    }
    auto ok = complete_to(t, head, cache);
    if (!ok) return std::unexpected(ok.error());
    if (!*ok) {
      ctx_.alert("root mismatch", "hash tiles for a start at " + std::to_string(n) +
                                      " do not lead to the signed root; head " + sth_json(head));
      return std::unexpected(Error{"hash tiles do not match the signed head of size " + std::to_string(head.tree_size)});
    }
    return t;
  }

  // Whether `prefix` completed with the perfect subtrees of [prefix.size(), head.tree_size) from
  // hash tiles gives the signed root (a collision-resistant commitment to every leaf below it).
  std::expected<bool, Error> complete_to(CompactTree prefix, const SignedTreeHead& head, TileCache& cache) {
    const std::uint64_t size = head.tree_size;
    while (prefix.size() < size) {
      const std::uint64_t p = prefix.size();
      unsigned h = p == 0 ? 63 : static_cast<unsigned>(std::countr_zero(p));
      while (h > 0 && (h >= 64 || (std::uint64_t{1} << h) > size - p)) --h;
      auto root = subtree_root(h, p >> h, size, cache);
      if (!root) return std::unexpected(root.error());
      prefix.append_subtree(*root, h);
    }
    return prefix.root() == head.root;
  }

  std::expected<bool, Error> check_prefix(const CompactTree& prefix, const SignedTreeHead& head) override {
    TileCache cache;
    return complete_to(prefix, head, cache);
  }

  // Checkpoints come with no consistency proof: the fold of every leaf is the proof.
  std::expected<void, Error> check_extends(std::uint64_t, const Hash&, const SignedTreeHead&,
                                           const std::string&) override {
    return {};
  }

  // Whole tiles: a resume mid-tile fetches the tile again (the follower skips what it has).
  std::uint64_t request_end(std::uint64_t start, std::uint64_t size) const override {
    return std::min(size, (start / 256 + 1) * 256) - 1;
  }

  Batch fetch(net::HttpClient& client, std::uint64_t start, std::uint64_t, std::uint64_t size) override {
    const std::uint64_t tile = start / 256;
    Batch b;
    b.start = tile * 256;
    const std::uint64_t width = std::min<std::uint64_t>(256, size - b.start);
    b.requested = width;
    const std::string url = ctx_.log.url + tile_path(-1, tile, static_cast<unsigned>(width));
    auto body = ctx_.fetcher.get(client, url, [&](std::string_view raw) -> std::expected<std::string, Error> {
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

  // Each issuer a tile names is fetched once per run and must hash to its fingerprint.
  void after_batch(const Batch& b, std::string& last_error) override {
    for (const Hash& f : b.issuers) {
      if (std::find(issuers_.begin(), issuers_.end(), f) != issuers_.end()) continue;
      issuers_.push_back(f);  // cached even when missing: one attempt per run
      auto r = ctx_.control.get(ctx_.log.url + "issuer/" + util::hex_encode(f));
      if (!r || r->status != 200) {
        last_error = "issuer " + util::hex_encode(f) + " not available";
        continue;
      }
      const std::span<const std::uint8_t> der(reinterpret_cast<const std::uint8_t*>(r->body.data()), r->body.size());
      if (sha256(der) != f) {
        ctx_.alert("bad issuer", "issuer/" + util::hex_encode(f) + " serves a certificate with another fingerprint");
      }
    }
  }

  const SourceContext ctx_;
  std::vector<Hash> issuers_;  // fetched (or tried) this run
};

}  // namespace

std::unique_ptr<LogSource> make_static_ct_source(const SourceContext& ctx) {
  return std::make_unique<StaticCtSource>(ctx);
}

}  // namespace lookalike::ctlog
