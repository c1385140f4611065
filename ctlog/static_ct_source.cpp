// static-ct-api (C2SP tiled) logs: the signed checkpoint, data tiles of 256 entries, hash tiles
// for a start without earlier leaves, and the issuer certificates the entries name.
#include <algorithm>
#include <cstring>

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

  // The compact range of [0, n) from hash tiles of a tree of `head.tree_size`.
  std::expected<CompactTree, Error> start_at(std::uint64_t n, const SignedTreeHead& head) override {
    const std::uint64_t size = head.tree_size;
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
      auto hashes = ctx_.fetcher.get(ctx_.control, ctx_.log.url + tile_path(level, tile, static_cast<unsigned>(width)),
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
