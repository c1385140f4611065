// RFC 6962 logs: get-sth, get-sth-consistency and get-entries (JSON, base64 leaves), with the
// log's get-entries cap learnt from short answers.
#include <algorithm>
#include <bit>

#include "ctlog/json.hpp"
#include "ctlog/log_source.hpp"

namespace lookalike::ctlog {
namespace {

class Rfc6962Source final : public LogSource {
 public:
  explicit Rfc6962Source(const SourceContext& ctx) : ctx_(ctx), batch_(std::max<std::uint64_t>(1, ctx.options.batch)) {}

 private:
  std::expected<SignedTreeHead, Error> fetch_head() override {
    std::string raw;
    auto sth = ctx_.fetcher.get(ctx_.control, ctx_.log.url + "ct/v1/get-sth", [&](std::string_view body) {
      raw = std::string(body);
      return parse_sth_json(body);
    });
    if (!sth) return sth;
    if (!verify_sth(*sth, ctx_.key)) {
      ctx_.alert("bad signature", "get-sth " + raw);
      return std::unexpected(Error{"get-sth: signature does not verify with the log's key"});
    }
    return sth;
  }

  std::expected<std::vector<Hash>, Error> consistency(std::uint64_t first, std::uint64_t second) {
    return ctx_.fetcher.get(ctx_.control,
                            ctx_.log.url + "ct/v1/get-sth-consistency?first=" + std::to_string(first) +
                                "&second=" + std::to_string(second),
                            [](std::string_view b) { return parse_consistency_json(b); });
  }

  std::expected<CompactTree, Error> start_at(std::uint64_t start, const SignedTreeHead& head) override {
    // A consistency proof to the signed head carries the compact range of [0, start), but not
    // for a power-of-two start (the proof omits that root): start one entry earlier then.
    // The proof also needs start < tree size: step back until both hold (a few entries at most).
    while (start > 0 && (std::has_single_bit(start) || start == head.tree_size)) --start;
    if (start == 0) return CompactTree{};
    auto proof = consistency(start, head.tree_size);
    if (!proof) return std::unexpected(proof.error());
    auto t = compact_from_consistency(start, head.tree_size, head.root, *proof);
    if (!t) ctx_.alert("inconsistent head", t.error().what + "; head " + sth_json(head));
    return t;
  }

  std::expected<void, Error> check_extends(std::uint64_t size, const Hash& root, const SignedTreeHead& head,
                                           const std::string& evidence) override {
    // RFC 6962 logs prove consistency between heads cheaply; our own fold proves it again.
    auto proof = consistency(size, head.tree_size);
    if (!proof) return std::unexpected(proof.error());
    if (!verify_consistency(size, head.tree_size, root, head.root, *proof)) {
      ctx_.alert("inconsistent head", evidence + "; consistency proof does not verify");
      return std::unexpected(Error{"consistency proof " + std::to_string(size) + "->" + std::to_string(head.tree_size) +
                                   " does not verify"});
    }
    return {};
  }

  std::expected<bool, Error> check_prefix(const CompactTree& prefix, const SignedTreeHead& head) override {
    if (prefix.size() == head.tree_size) return prefix.root() == head.root;
    if (prefix.size() == 0) return true;
    auto proof = consistency(prefix.size(), head.tree_size);
    if (!proof) return std::unexpected(proof.error());
    return verify_consistency(prefix.size(), head.tree_size, prefix.root(), head.root, *proof);
  }

  std::uint64_t request_end(std::uint64_t start, std::uint64_t size) const override {
    return std::min(size, start + batch_) - 1;
  }

  void learn_cap(std::uint64_t got) override {
    // A short batch: the log's real cap (unless the log just has nothing more yet).
    batch_ = std::max<std::uint64_t>(1, std::min(batch_, got));
  }

  Batch fetch(net::HttpClient& client, std::uint64_t start, std::uint64_t end_incl, std::uint64_t) override {
    Batch b;
    b.start = start;
    b.requested = end_incl - start + 1;
    auto raw = ctx_.fetcher.get(
        client, ctx_.log.url + "ct/v1/get-entries?start=" + std::to_string(start) + "&end=" + std::to_string(end_incl),
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

  const SourceContext ctx_;
  std::uint64_t batch_;  // get-entries request size; only the follower's thread reads or writes it
};

}  // namespace

std::unique_ptr<LogSource> make_rfc6962_source(const SourceContext& ctx) { return std::make_unique<Rfc6962Source>(ctx); }

}  // namespace lookalike::ctlog
