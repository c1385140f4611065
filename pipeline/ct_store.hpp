// The CT follower's StateStore backed by the index: per-log follow state in CtState and, in the
// same atomic batch, every hit as a candidate sighting plus one ObservationKind::ct observation.
#pragma once

#include <expected>
#include <functional>
#include <iosfwd>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ctlog/ctlog.hpp"
#include "generator/matcher.hpp"
#include "index/index.hpp"

namespace lookalike::pipeline {

// The JSON payload of the ct observation recorded for `hit` (its form: index/ct_observation.hpp);
// log_id is the base64 log ID the state is keyed by.
[[nodiscard]] std::string ct_observation_json(std::string_view log_id, const ctlog::Hit& hit);

// The follower's NameMatcher over a built brand matcher (which must outlive it); thread-safe.
[[nodiscard]] ctlog::NameMatcher ct_name_matcher(const generator::Matcher& matcher);

class IndexStateStore final : public ctlog::StateStore {
 public:
  // Adds more writes (e.g. alert events) to the batch that commits `hits`, so they land
  // atomically with the hits and the new log position; an error aborts the commit.
  using BatchHook = std::function<std::expected<void, std::string>(index::Batch&, std::string_view log_id,
                                                                   std::span<const ctlog::Hit> hits)>;

  // `store` must outlive this object.
  explicit IndexStateStore(index::Store& store, BatchHook hook = {}) : store_(store), hook_(std::move(hook)) {}

  // The saved follow state of `log_id`; an error when the record is not the follower's or is damaged.
  [[nodiscard]] std::expected<std::optional<ctlog::FollowState>, ctlog::Error> load(std::string_view log_id) override;
  // One batch: candidate upserts and ct observations for `hits`, then the new log position.
  [[nodiscard]] std::expected<void, ctlog::Error> commit(std::string_view log_id, const ctlog::FollowState& state,
                                                         std::span<const ctlog::Hit> hits) override;

 private:
  index::Store& store_;
  BatchHook hook_;
};

// An IndexStateStore that, once a batch is committed, writes its hits to `out` as
// "name<TAB>brand<TAB>rule<TAB>distance<TAB>log<TAB>index" lines (a wildcard as "*.name") holding
// `mu`, shared with the other writers of `out`: what `ct follow` prints is already durable.
class PrintingStateStore final : public ctlog::StateStore {
 public:
  // `store`, `out` and `mu` must outlive this object.
  PrintingStateStore(index::Store& store, std::ostream& out, std::mutex& mu) : inner_(store), out_(out), mu_(mu) {}
  // As IndexStateStore::load.
  [[nodiscard]] std::expected<std::optional<ctlog::FollowState>, ctlog::Error> load(std::string_view log_id) override {
    return inner_.load(log_id);
  }
  // As IndexStateStore::commit, then the hits' lines.
  [[nodiscard]] std::expected<void, ctlog::Error> commit(std::string_view log_id, const ctlog::FollowState& state,
                                                         std::span<const ctlog::Hit> hits) override;

 private:
  IndexStateStore inner_;
  std::ostream& out_;
  std::mutex& mu_;
};

// Keeps a follower alert (a log misbehaving) as evidence: appends its kind and detail to
// `dir`/<log>-<UTC time>.txt ('/', ' ' and '\'' in the name made '_'), creating `dir`.
void write_alert_evidence(const std::string& dir, const ctlog::Alert& alert);

}  // namespace lookalike::pipeline
