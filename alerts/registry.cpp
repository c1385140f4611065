// The one table of alert sinks, keyed by the config's `type`: adding a sink is one file (its
// check and open functions, declared in sinks.hpp) plus one row here.
#include <array>
#include <string>

#include "alerts/alert.hpp"
#include "alerts/sinks.hpp"
#include "domain/domain.hpp"
#include "util/utf8.hpp"

namespace lookalike::alerts {
namespace {

struct SinkType {
  std::string_view name;
  std::optional<SinkConfigProblem> (*check)(const SinkConfig&);
  std::expected<std::unique_ptr<Sink>, std::string> (*open)(const SinkConfig&);
};

// The first row is the default sink (default_sink_config).
constexpr std::array kSinkTypes{
    SinkType{"jsonl", check_jsonl_sink, open_jsonl_sink},
    SinkType{"webhook", check_webhook_sink, open_webhook_sink},
    SinkType{"exec", check_exec_sink, open_exec_sink},
};

const SinkType* find_type(std::string_view name) {
  for (const SinkType& t : kSinkTypes) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace

SinkConfig default_sink_config() {
  SinkConfig c;
  c.type = kSinkTypes.front().name;  // jsonl
  c.path = "-";
  return c;
}

bool is_sink_type(std::string_view type) noexcept { return find_type(type) != nullptr; }

std::string sink_type_names(bool quoted) {
  std::string out;
  for (std::size_t i = 0; i < kSinkTypes.size(); ++i) {
    if (i != 0) out += i + 1 == kSinkTypes.size() ? " or " : ", ";
    out += quoted ? "\"" + std::string(kSinkTypes[i].name) + "\"" : std::string(kSinkTypes[i].name);
  }
  return out;
}

std::optional<SinkConfigProblem> check_sink_config(const SinkConfig& config) {
  const SinkType* t = find_type(config.type);
  if (t == nullptr) return SinkConfigProblem{"type", "expected " + sink_type_names(true)};
  return t->check(config);
}

std::expected<std::unique_ptr<Sink>, std::string> make_sink(const SinkConfig& config) {
  if (config.max_attempts == 0) return std::unexpected(std::string("sink: max_attempts must be at least 1"));
  const SinkType* t = find_type(config.type);
  if (t == nullptr) {
    return std::unexpected("sink: unknown type \"" + util::printable(config.type) + "\" (expected " +
                           sink_type_names() + ")");
  }
  return t->open(config);
}

}  // namespace lookalike::alerts
