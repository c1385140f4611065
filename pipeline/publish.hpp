// Work published to the Kafka cluster instead of done in-process: `lookalike scan --brokers`
// (the brand table and each brand's ranked candidates) and `lookalike watch` with brokers
// (generated candidates and CT names). Every call returns only once the broker acknowledged all
// it produced (idempotent producer, acks=all), so what a caller records afterwards (a brand's
// generation fingerprint, a CT log position) never runs ahead of the cluster.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <expected>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "index/index.hpp"
#include "ingest/ingest.hpp"
#include "pipeline/scan.hpp"
#include "queue/queue.hpp"
#include "queue/work.hpp"

namespace lookalike::pipeline {

// The cluster as `scan`/`watch` reach it: bootstrap servers "HOST:PORT,..." and an optional
// librdkafka properties file (key=value lines, as `worker --config`). Error: no servers, unreadable file.
[[nodiscard]] std::expected<queue::Config, std::string> publish_queue_config(const std::string& brokers,
                                                                             const std::string& properties_file);

// An idempotent producer shared by the threads of one process (watch's enumeration and its CT
// followers): each call produces its records and waits until the broker acknowledged them.
class WorkPublisher {
 public:
  // Opens the producer. `stop` (may be null) cuts a wait short; `timeout` bounds each call's wait.
  [[nodiscard]] static std::expected<std::unique_ptr<WorkPublisher>, std::string> open(
      const queue::Config& config, queue::Topics topics, const std::atomic<bool>* stop = nullptr,
      std::chrono::milliseconds timeout = std::chrono::minutes(10));

  // Candidates keyed by the registrable domain of their name (topic `candidates`).
  [[nodiscard]] std::expected<void, std::string> publish_candidates(const std::vector<queue::CandidateRecord>& records);
  // Names for match workers, keyed by registrable domain (topic `names`).
  [[nodiscard]] std::expected<void, std::string> publish_names(const std::vector<queue::NameRecord>& records);
  // Brands into the compacted brand table, keyed by brand domain (topic `brands`).
  [[nodiscard]] std::expected<void, std::string> publish_brands(const std::vector<queue::BrandRecord>& records);

  [[nodiscard]] const queue::Topics& topics() const { return topics_; }

 private:
  struct Keyed {
    std::string key;
    std::string value;
  };
  // Delivery reports of the batch in flight (written by the producer's callback).
  struct Reports {
    std::size_t refused = 0;
    std::string last_error;
  };
  WorkPublisher(queue::Producer producer, std::shared_ptr<Reports> reports, queue::Topics topics,
                const std::atomic<bool>* stop, std::chrono::milliseconds timeout);
  std::expected<void, std::string> publish(const std::string& topic, const std::vector<Keyed>& messages);

  std::mutex mu_;  // one batch at a time: the wait for acknowledgements covers exactly that batch
  queue::Producer producer_;
  std::shared_ptr<Reports> reports_;
  queue::Topics topics_;
  const std::atomic<bool>* stop_;
  std::chrono::milliseconds timeout_;
};

// What publish_feed_file published: every registrable name of the file, labelled
// "<source>@<date>" ("zone:com@2026-12-02", "feed:nrd@2026-12-02").
struct FeedPublishSummary {
  std::string source;  // "zone:com", "feed:nrd"
  std::string date;
  ingest::ReadStats read;
  std::uint64_t published = 0;  // names acknowledged by the broker
};

// Why a file was not (completely) published: the file itself (a fatal line, unreadable), or the
// cluster (refused, not acknowledged in time, stopped), which a later try may get past.
struct FeedPublishError {
  std::string message;
  bool cluster = false;
};

// Publishes the registrable names of a zone file or domain list (ingest's reader: gzip or plain,
// the same formats, `options.source`, `.date`, `.strict`) to topic `names` for match workers, in
// acknowledged chunks of `chunk` names. The cluster's match workers do the matching; no local
// state is kept, so every name of every file goes out (at-least-once: a file published again
// after a crash gives the index nothing new). Errors name the file and line, or the broker's refusal.
[[nodiscard]] std::expected<FeedPublishSummary, FeedPublishError> publish_feed_file(WorkPublisher& publisher,
                                                                               const std::string& path,
                                                                               const ingest::IngestOptions& options,
                                                                               const ingest::MalformedSink& on_malformed,
                                                                               std::size_t chunk = 10000);

// The candidate record of a generated candidate (its name, the brand, the fuzzers that made it).
[[nodiscard]] queue::CandidateRecord candidate_record(const generator::Candidate& c, const std::string& brand);
// The brand table's record of a stored brand.
[[nodiscard]] queue::BrandRecord brand_record(const index::Brand& b);

// What publish_scan published (everything listed was acknowledged by the broker).
struct PublishSummary {
  struct Brand {
    std::string domain;
    std::size_t candidates = 0;
  };
  std::string brands_topic;
  std::string candidates_topic;
  std::vector<Brand> brands;
  std::size_t candidates = 0;  // over all brands
  double seconds = 0;
};

// `scan --brokers`: the brand table (`brands`, one record per brand) and each brand's candidates,
// generated exactly as the in-process scan does (brand_candidates with config's fuzzers, budget
// and max), to `candidates`. Resolve and index workers do the rest. Error: a Kafka failure or a
// bad stored brand (what was acknowledged before stays published).
[[nodiscard]] std::expected<PublishSummary, std::string> publish_scan(const std::vector<index::Brand>& brands,
                                                                      const ScanConfig& config,
                                                                      const queue::Config& queue_config,
                                                                      const queue::Topics& topics);

// Lines for humans: one per brand ("examplebank.com  7537 candidates"), then the totals and topics.
[[nodiscard]] std::string publish_summary_text(const PublishSummary& s);

}  // namespace lookalike::pipeline
