// What `lookalike enqueue` and `kafka-read` do on the queue: publish lines of names (or brands)
// as work records, and print a topic with repeated alert ids dropped.
#pragma once

#include <cstddef>
#include <expected>
#include <iosfwd>
#include <string>
#include <string_view>

#include "queue/queue.hpp"

namespace lookalike::queue {

// The topic a short name ("candidates", "resolved", "probed", "alerts", "names", "brands",
// "ct-checkpoints") stands for;
// anything else is a topic name itself.
[[nodiscard]] std::string topic_named(const Topics& topics, std::string_view s);

// What enqueue_lines published: `sent` acknowledged, `bad` lines skipped (each reported on `err`).
struct EnqueueCounts {
  std::string topic;
  std::size_t sent = 0;
  std::size_t bad = 0;
  std::size_t failed = 0;  // produced but refused by the broker
};

// Lines of names -> `candidates` (to resolve, imitating `brand` when not empty) or `names` (to
// match); lines of "DOMAIN [keyword,...]" -> the brand table. `to` is a short topic name; an
// unknown one or a Kafka failure is an error (what was flushed before stays published).
[[nodiscard]] std::expected<EnqueueCounts, Error> enqueue_lines(const Config& config, std::istream& in,
                                                                std::string_view to, const std::string& brand,
                                                                std::ostream& err);

// Writes every message of `topic` (a short name or a topic) to `out`, one per line; on alerts a
// de-duplicating sink's view: ids already seen (redeliveries) are dropped. Returns a summary line.
[[nodiscard]] std::expected<std::string, Error> print_topic(const Config& config, std::string_view topic,
                                                            std::ostream& out);

}  // namespace lookalike::queue
