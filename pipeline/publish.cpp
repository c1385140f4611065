#include "pipeline/publish.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <optional>
#include <utility>

namespace lookalike::pipeline {

using namespace std::chrono_literals;

std::expected<queue::Config, std::string> publish_queue_config(const std::string& brokers,
                                                               const std::string& properties_file) {
  if (brokers.empty()) return std::unexpected(std::string("no bootstrap servers given (HOST:PORT,...)"));
  queue::Config c;
  c.brokers = brokers;
  if (!properties_file.empty()) {
    auto props = queue::read_properties(properties_file);
    if (!props) return std::unexpected(props.error().message);
    c.properties = std::move(*props);
  }
  return c;
}

std::expected<std::unique_ptr<WorkPublisher>, std::string> WorkPublisher::open(const queue::Config& config,
                                                                               queue::Topics topics,
                                                                               const std::atomic<bool>* stop,
                                                                               std::chrono::milliseconds timeout) {
  auto reports = std::make_shared<Reports>();
  auto producer = queue::Producer::open(config, [reports](std::uint64_t, const std::optional<std::string>& err) {
    if (err) {
      ++reports->refused;
      reports->last_error = *err;
    }
  });
  if (!producer) return std::unexpected(producer.error().message);
  return std::unique_ptr<WorkPublisher>(
      new WorkPublisher(std::move(*producer), std::move(reports), std::move(topics), stop, timeout));
}

WorkPublisher::WorkPublisher(queue::Producer producer, std::shared_ptr<Reports> reports, queue::Topics topics,
                             const std::atomic<bool>* stop, std::chrono::milliseconds timeout)
    : producer_(std::move(producer)), reports_(std::move(reports)), topics_(std::move(topics)), stop_(stop),
      timeout_(timeout) {}

std::expected<void, std::string> WorkPublisher::publish(const std::string& topic, const std::vector<Keyed>& messages) {
  std::lock_guard lock(mu_);
  *reports_ = Reports{};
  for (const Keyed& m : messages) {
    if (auto ok = producer_.produce(topic, m.key, m.value); !ok) return std::unexpected(ok.error().message);
  }
  // Delivery never times out in the producer (an outage is backpressure); the caller's limit and
  // stop flag decide how long to wait for the acknowledgements.
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  while (producer_.in_flight() > 0) {
    producer_.poll(100ms);
    if (auto fatal = producer_.fatal_error()) return std::unexpected("kafka producer: " + *fatal);
    if (stop_ != nullptr && stop_->load() && producer_.in_flight() > 0) {
      return std::unexpected("stopped with " + std::to_string(producer_.in_flight()) + " messages to " + topic +
                             " not yet acknowledged");
    }
    if (std::chrono::steady_clock::now() > deadline && producer_.in_flight() > 0) {
      return std::unexpected(std::to_string(producer_.in_flight()) + " messages to " + topic +
                             " not acknowledged within " + std::to_string(timeout_.count() / 1000) + " s");
    }
  }
  if (reports_->refused > 0) {
    return std::unexpected(std::to_string(reports_->refused) + " messages to " + topic +
                           " refused by the broker: " + reports_->last_error);
  }
  return {};
}

std::expected<void, std::string> WorkPublisher::publish_candidates(const std::vector<queue::CandidateRecord>& records) {
  std::vector<Keyed> messages;
  messages.reserve(records.size());
  for (const auto& r : records) messages.push_back({queue::partition_key(r.name), queue::encode(r)});
  return publish(topics_.candidates, messages);
}

std::expected<void, std::string> WorkPublisher::publish_names(const std::vector<queue::NameRecord>& records) {
  std::vector<Keyed> messages;
  messages.reserve(records.size());
  for (const auto& r : records) messages.push_back({queue::partition_key(r.name), queue::encode(r)});
  return publish(topics_.names, messages);
}

std::expected<void, std::string> WorkPublisher::publish_brands(const std::vector<queue::BrandRecord>& records) {
  std::vector<Keyed> messages;
  messages.reserve(records.size());
  for (const auto& r : records) messages.push_back({r.domain, queue::encode(r)});
  return publish(topics_.brands, messages);
}

std::expected<FeedPublishSummary, FeedPublishError> publish_feed_file(WorkPublisher& publisher, const std::string& path,
                                                                const ingest::IngestOptions& options,
                                                                const ingest::MalformedSink& on_malformed,
                                                                std::size_t chunk) {
  FeedPublishSummary s;
  s.date = options.date.empty() ? ingest::today_utc() : options.date;
  if (!ingest::valid_date(s.date)) return std::unexpected(FeedPublishError{path + ": date " + s.date + " is not a YYYY-MM-DD date"});
  std::string label;  // "<source>@<date>", known before the first name
  std::optional<FeedPublishError> failed;
  std::vector<queue::NameRecord> pending;
  pending.reserve(std::max<std::size_t>(chunk, 1));
  auto flush = [&] {
    if (pending.empty() || failed) return;
    if (auto ok = publisher.publish_names(pending); !ok) {
      failed = FeedPublishError{path + ": " + ok.error() + " (" + std::to_string(s.published) + " names acknowledged before)", true};
    } else {
      s.published += pending.size();
    }
    pending.clear();
  };
  ingest::ReadOptions ro;
  ro.format = options.format;
  ro.origin = options.source;
  ro.strict = options.strict;
  ro.on_first_name = [&](ingest::Format format, std::string_view origin) {
    s.source = ingest::source_name(path, format, origin, options.source);
    if (s.source.empty()) {
      failed = FeedPublishError{path + ": cannot tell which zone this is (no $ORIGIN or SOA before the first delegation): give the source"};
    }
    label = s.source + "@" + s.date;
  };
  auto read = ingest::read_names(
      path, ro,
      [&](std::string_view name) {
        if (failed) return;  // the rest of the file is read but not sent
        pending.push_back(queue::NameRecord{std::string(name), label});
        if (pending.size() >= chunk) flush();
      },
      on_malformed);
  if (!read) return std::unexpected(FeedPublishError{read.error().message()});
  flush();
  if (failed) return std::unexpected(*failed);
  s.read = *read;
  return s;
}

queue::CandidateRecord candidate_record(const generator::Candidate& c, const std::string& brand) {
  RefreshItem it = refresh_item(c);
  return queue::CandidateRecord{std::move(it.name), {brand}, std::move(it.fuzzers)};
}

queue::BrandRecord brand_record(const index::Brand& b) { return queue::BrandRecord{b.domain, b.keywords, b.owned}; }

std::expected<PublishSummary, std::string> publish_scan(const std::vector<index::Brand>& brands, const ScanConfig& config,
                                                        const queue::Config& queue_config, const queue::Topics& topics) {
  const auto start = std::chrono::steady_clock::now();
  auto publisher = WorkPublisher::open(queue_config, topics);
  if (!publisher) return std::unexpected(publisher.error());
  PublishSummary s;
  s.brands_topic = topics.brands;
  s.candidates_topic = topics.candidates;
  // The brand table first: match workers started later read it in full.
  std::vector<queue::BrandRecord> table;
  for (const auto& b : brands) table.push_back(brand_record(b));
  if (auto ok = (*publisher)->publish_brands(table); !ok) return std::unexpected(ok.error());
  for (const auto& b : brands) {
    std::vector<generator::Candidate> cands;
    try {
      cands = brand_candidates(b, config.fuzzers, config.budget, config.max_per_brand);
    } catch (const std::exception& e) {
      return std::unexpected(b.domain + ": " + e.what());
    }
    std::vector<queue::CandidateRecord> records;
    records.reserve(cands.size());
    for (const auto& c : cands) records.push_back(candidate_record(c, b.domain));
    if (auto ok = (*publisher)->publish_candidates(records); !ok) return std::unexpected(b.domain + ": " + ok.error());
    s.brands.push_back({b.domain, records.size()});
    s.candidates += records.size();
  }
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return s;
}

std::string publish_summary_text(const PublishSummary& s) {
  std::string out;
  for (const auto& b : s.brands) {
    out += b.domain + "  " + std::to_string(b.candidates) + " candidate" + (b.candidates == 1 ? "" : "s") + "\n";
  }
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f", s.seconds);
  out += "published " + std::to_string(s.brands.size()) + " brand" + (s.brands.size() == 1 ? "" : "s") + " to " +
         s.brands_topic + " and " + std::to_string(s.candidates) + " candidates to " + s.candidates_topic +
         ", every one acknowledged, in " + secs + " s\n";
  return out;
}

}  // namespace lookalike::pipeline
