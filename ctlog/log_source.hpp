// Internal to ctlog/: the seam between the follower and a CT API. The follower (follower.cpp)
// owns the order of commits, the fold, the checks against signed heads and the state; a LogSource
// knows how one API serves heads, proofs and entries. One implementation per API
// (<api>_source.cpp), chosen by LogInfo::api through the table in log_source.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "ctlog/ctlog.hpp"
#include "ctlog/entries.hpp"
#include "ctlog/merkle.hpp"
#include "ctlog/signature.hpp"

namespace lookalike::ctlog {

// Shared by all requests to one log: 429/Retry-After and 5xx push everyone back.
class Backoff {
 public:
  explicit Backoff(std::chrono::milliseconds max) : max_(max) {}
  // Sleeps until the log may be asked again (or a stop is requested).
  void wait(const std::atomic<bool>* stop);
  // A failure: wait `retry_after` (capped) or the next exponential step.
  void push_back(std::optional<std::chrono::seconds> retry_after);
  // A success resets the exponential step.
  void success();

 private:
  using Clock = std::chrono::steady_clock;
  std::mutex mu_;
  Clock::time_point not_before_{};
  std::chrono::milliseconds delay_{0};
  std::chrono::milliseconds max_;
};

// GETs with the log's backoff and retry policy, the same for every API. Thread-safe.
class Fetcher {
 public:
  explicit Fetcher(const FollowOptions& o) : opts_(o), backoff_(o.max_backoff) {}

  [[nodiscard]] bool stopped() const { return opts_.stop != nullptr && opts_.stop->load(); }

  // GETs `url` and hands a 200 body to `parse` (returning std::expected<T, Error>); retries
  // transport errors, 429, 5xx and unparsable bodies up to max_retries times.
  template <class Parse>
  auto get(net::HttpClient& client, const std::string& url, Parse parse) -> decltype(parse(std::string_view{})) {
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

 private:
  const FollowOptions& opts_;
  Backoff backoff_;
};

// A fetched and pre-processed range of entries (hashing and parsing run on the fetching thread).
struct Batch {
  std::uint64_t start = 0;       // index of the first leaf (may be before the follower's position)
  std::uint64_t requested = 0;
  std::vector<Hash> leaf_hashes;  // every leaf from `start`, malformed ones included
  std::vector<ParsedEntry> entries;
  std::vector<std::pair<std::uint64_t, Error>> malformed;
  std::vector<Hash> issuers;  // static-ct: chain fingerprints seen
  std::optional<Error> error;
};

// Names and hash of an entry's certificate, keeping the DER for evidence decoding on a hit.
[[nodiscard]] std::expected<ParsedEntry, Error> parse_entry_lazily(std::uint64_t index,
                                                                   const std::expected<TimestampedEntry, Error>& entry);
// A signed head as get-sth JSON (alert evidence).
[[nodiscard]] std::string sth_json(const SignedTreeHead& h);

// What a source may use of the follower of one log; everything outlives the source.
struct SourceContext {
  const LogInfo& log;
  const FollowOptions& options;
  const PublicKey& key;  // verified to be the log's
  Fetcher& fetcher;
  net::HttpClient& control;  // for heads, proofs, hash tiles and issuers (entries use their own)
  std::function<void(std::string kind, std::string detail)> alert;
};

// One CT API as the follower sees it. fetch() runs on worker threads (one client each); every
// other call comes from the follower's thread.
class LogSource {
 public:
  virtual ~LogSource() = default;
  // The current signed head, signature verified (a bad signature is an alert and an error).
  [[nodiscard]] virtual std::expected<SignedTreeHead, Error> fetch_head() = 0;
  // For a log never followed: the verified compact range of [0, n) with n <= start (as close as
  // the API allows), so earlier leaves need not be downloaded; an empty tree to start at 0.
  [[nodiscard]] virtual std::expected<CompactTree, Error> start_at(std::uint64_t start, const SignedTreeHead& head) = 0;
  // Checks that `head` extends the verified (size, root) where the API proves it cheaply (the
  // fold of every leaf proves it again); `evidence` goes into an alert when it does not.
  [[nodiscard]] virtual std::expected<void, Error> check_extends(std::uint64_t size, const Hash& root,
                                                                 const SignedTreeHead& head,
                                                                 const std::string& evidence) = 0;
  // Whether the leaves folded into `prefix` are the first prefix.size() leaves of the tree `head`
  // signs (prefix.size() <= head.tree_size): false is a mismatch (the follower raises the alert),
  // an error means the proof could not be fetched. What lets matches be committed before the
  // whole head is downloaded: only a verified prefix is ever committed.
  [[nodiscard]] virtual std::expected<bool, Error> check_prefix(const CompactTree& prefix,
                                                                const SignedTreeHead& head) = 0;
  // Last index (inclusive) of the request that starts at `start` in a tree of `size`.
  [[nodiscard]] virtual std::uint64_t request_end(std::uint64_t start, std::uint64_t size) const = 0;
  // Fetches, hashes and parses the leaves [start, end] of a tree of `size` with `client`.
  [[nodiscard]] virtual Batch fetch(net::HttpClient& client, std::uint64_t start, std::uint64_t end,
                                    std::uint64_t size) = 0;
  // A batch came back with `got` of the leaves asked for: the log's cap (RFC 6962 get-entries).
  virtual void learn_cap(std::uint64_t got) { (void)got; }
  // After a batch is folded and before it is committed: extra checks of the batch (static-ct
  // issuers); a problem that is not the log's fault goes to `last_error`.
  virtual void after_batch(const Batch& b, std::string& last_error) { (void)b, (void)last_error; }
};

// The source for `ctx.log.api`, or an error naming an API not in the table.
[[nodiscard]] std::expected<std::unique_ptr<LogSource>, Error> make_log_source(const SourceContext& ctx);

}  // namespace lookalike::ctlog
