// Inside alerts/: each sink's file exposes how to check its configuration and how to open it;
// registry.cpp names them in one table.
#pragma once

#include <expected>
#include <memory>
#include <optional>
#include <string>

#include "alerts/alert.hpp"

namespace lookalike::alerts {

[[nodiscard]] std::optional<SinkConfigProblem> check_jsonl_sink(const SinkConfig& c);
[[nodiscard]] std::expected<std::unique_ptr<Sink>, std::string> open_jsonl_sink(const SinkConfig& c);
[[nodiscard]] std::optional<SinkConfigProblem> check_webhook_sink(const SinkConfig& c);
[[nodiscard]] std::expected<std::unique_ptr<Sink>, std::string> open_webhook_sink(const SinkConfig& c);
[[nodiscard]] std::optional<SinkConfigProblem> check_exec_sink(const SinkConfig& c);
[[nodiscard]] std::expected<std::unique_ptr<Sink>, std::string> open_exec_sink(const SinkConfig& c);

}  // namespace lookalike::alerts
