// probe: resolved -> probed. A stateless stage between resolve and index: the names that resolved
// to something to connect to get the live SMTP and HTTP(S) probes (scoring/, every address through
// the net/ address guard), the others pass through unchanged, so `index --input probed` sees every
// resolution once. A resolved record's offset is stored once its probed record is acknowledged.
#include <optional>
#include <string>
#include <vector>

#include "pipeline/scan.hpp"
#include "pipeline/worker_base.hpp"
#include "scoring/probe_json.hpp"
#include "scoring/scoring.hpp"

namespace lookalike::pipeline {
namespace {

namespace sf = index::state_flag;

// Worth the connections: the name exists and has addresses or mail servers to talk to.
bool worth_probing(const queue::ResolvedRecord& r) {
  return (r.flags & sf::registered) != 0 && (r.flags & (sf::has_a | sf::has_aaaa | sf::has_mx)) != 0;
}

class ProbeWorker final : public ForwardingWorker {
 public:
  ProbeWorker(const WorkerConfig& config, std::ostream& log) : ForwardingWorker(config, log, "probe") {}

  std::expected<WorkerStats, std::string> run(const std::atomic<bool>& stop) {
    // The probe targets' addresses: the resolved record carries the DNS outcome and flags, not the
    // answers, so the names worth probing are looked up again (A, AAAA, MX with host addresses, NS).
    resolver::Config dns = config_.resolver;
    dns.types = {resolver::RecordType::a, resolver::RecordType::aaaa, resolver::RecordType::mx, resolver::RecordType::ns};
    dns.detect_wildcards = false;
    dns.existence_first = false;
    resolver_.emplace(dns);
    if (auto err = connect(config_.topics.resolved)) return std::unexpected(*err);
    return forward_loop(stop, [this](const std::vector<queue::Message>& batch) { process(batch); });
  }

 private:
  void process(const std::vector<queue::Message>& batch) {
    std::vector<std::pair<const queue::Message*, queue::ResolvedRecord>> work;
    for (const auto& m : batch) {
      ++stats_.consumed;
      tracker_.started(m.partition, m.offset);
      auto record = queue::decode_resolved(m.value);
      if (!record) {
        log_ << "probe: skipping " << m.topic << "[" << m.partition << "]@" << m.offset << ": " << record.error().message
             << std::endl;
        ++stats_.skipped;
        tracker_.finished(m.partition, m.offset);
        continue;
      }
      if (!worth_probing(*record)) {
        forward(m, config_.topics.probed, m.key, queue::encode(queue::ProbedRecord{std::move(*record), {}}));
        continue;
      }
      work.emplace_back(&m, std::move(*record));
    }
    if (work.empty() || failure_) return;

    std::vector<std::string> names;
    for (const auto& [m, r] : work) names.push_back(r.candidate.name);
    resolver::Stats rstats;
    const std::vector<resolver::NameResult> dns = resolver_->resolve_all(names, &rstats);
    if (rstats.outage) log_ << "probe: " << *rstats.outage << "; names not looked up are passed on unprobed" << std::endl;

    std::vector<scoring::ProbeTarget> targets;
    std::vector<std::size_t> target_of(work.size(), SIZE_MAX);
    for (std::size_t i = 0; i < work.size() && i < dns.size(); ++i) {
      if (dns[i].types.empty()) continue;  // not answered (outage): passed on as resolved
      const auto& brands = work[i].second.candidate.brands;
      target_of[i] = targets.size();
      targets.push_back(probe_target(dns[i], brands.empty() ? std::string() : brands.front(), std::nullopt));
    }
    // A fresh prober per batch: its redirect-host lookups cache for one run only.
    scoring::ProbeOptions options = config_.probe;
    if (!config_.probe_resolvers.empty()) options.resolve = scoring::dns_resolve_hook(config_.probe_resolvers);
    scoring::Prober prober(options);
    std::vector<scoring::ProbeResult> results = prober.probe_all(targets);

    for (std::size_t i = 0; i < work.size() && !failure_; ++i) {
      queue::ProbedRecord out{std::move(work[i].second), {}};
      if (target_of[i] != SIZE_MAX) {
        const scoring::ProbeResult& p = results[target_of[i]];
        out.resolved.flags |= probe_flags(p);
        out.probe = scoring::probe_observation_json(p);
      }
      forward(*work[i].first, config_.topics.probed, work[i].first->key, queue::encode(out));
    }
  }

  std::optional<resolver::Resolver> resolver_;  // built in run() (it throws on a bad config)
};

}  // namespace

std::expected<WorkerStats, std::string> run_probe_worker(const WorkerConfig& config, const std::atomic<bool>& stop,
                                                         std::ostream& log) {
  return ProbeWorker(config, log).run(stop);
}

}  // namespace lookalike::pipeline
