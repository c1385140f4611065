#include "queue/tools.hpp"

#include <algorithm>
#include <istream>
#include <optional>
#include <ostream>
#include <set>
#include <vector>

#include "domain/domain.hpp"
#include "queue/work.hpp"

namespace lookalike::queue {

std::string topic_named(const Topics& t, std::string_view s) {
  if (s == "candidates") return t.candidates;
  if (s == "resolved") return t.resolved;
  if (s == "probed") return t.probed;
  if (s == "ct-checkpoints") return t.ct_checkpoints;
  if (s == "alerts") return t.alerts;
  if (s == "names") return t.names;
  if (s == "brands") return t.brands;
  return std::string(s);
}

namespace {

// "DOMAIN kw1, kw2" -> its brand record (keywords split at commas, blanks removed).
BrandRecord brand_line(const std::string& domain, const std::string& line) {
  BrandRecord b{domain, {}, {}};
  if (const auto sp = line.find_first_of(" \t"); sp != std::string::npos) {
    std::string words = line.substr(sp + 1);
    for (std::size_t at = 0; at < words.size();) {
      const std::size_t comma = std::min(words.find(',', at), words.size());
      std::string w = words.substr(at, comma - at);
      std::erase_if(w, [](char c) { return c == ' ' || c == '\t'; });
      if (!w.empty()) b.keywords.push_back(w);
      at = comma + 1;
    }
  }
  return b;
}

}  // namespace

std::expected<EnqueueCounts, Error> enqueue_lines(const Config& config, std::istream& in, std::string_view to,
                                                  const std::string& brand, std::ostream& err) {
  const Topics topics;
  EnqueueCounts counts;
  counts.topic = topic_named(topics, to);
  const std::string& topic = counts.topic;
  if (topic != topics.brands && topic != topics.names && topic != topics.candidates) {
    return std::unexpected(Error{"--to: expected candidates, names or brands"});
  }
  std::size_t failed = 0;
  auto producer = Producer::open(config, [&failed](std::uint64_t, const std::optional<std::string>& e) {
    if (e) ++failed;
  });
  if (!producer) return std::unexpected(producer.error());
  std::size_t n = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() == '#') continue;
    auto name = domain::parse(line.substr(0, line.find_first_of(" \t")));
    if (!name) {
      err << "enqueue: skipping " << name.error().message() << "\n";
      ++counts.bad;
      continue;
    }
    std::string key = partition_key(name->ascii);
    std::string value;
    if (topic == topics.brands) {
      BrandRecord b = brand_line(name->ascii, line);
      key = b.domain;
      value = encode(b);
    } else if (topic == topics.names) {
      value = encode(NameRecord{name->ascii, "enqueue"});
    } else {
      value = encode(CandidateRecord{name->ascii, brand.empty() ? std::vector<std::string>{} : std::vector<std::string>{brand}, {}});
    }
    if (auto ok = producer->produce(topic, key, value); !ok) return std::unexpected(ok.error());
    ++n;
  }
  if (auto ok = producer->flush(std::chrono::minutes(2)); !ok) return std::unexpected(ok.error());
  counts.failed = failed;
  counts.sent = n - failed;
  return counts;
}

std::expected<std::string, Error> print_topic(const Config& config, std::string_view topic, std::ostream& out) {
  const Topics topics;
  const std::string name = topic_named(topics, topic);
  auto all = read_all(config, name);
  if (!all) return std::unexpected(all.error());
  std::set<std::string> seen;
  std::size_t repeats = 0;
  for (const auto& m : *all) {
    if (name == topics.alerts) {
      auto a = decode_alert(m.value);
      if (a && !seen.insert(a->id).second) {
        ++repeats;
        continue;
      }
    }
    out << m.value << "\n";
  }
  std::string summary = "kafka-read: " + std::to_string(all->size()) + " messages on " + name;
  if (name == topics.alerts) summary += ", " + std::to_string(repeats) + " repeated alert ids dropped";
  return summary;
}

}  // namespace lookalike::queue
