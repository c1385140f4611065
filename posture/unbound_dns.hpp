#pragma once
// posture::Dns over libunbound: a validating resolver that forwards to the configured resolvers
// (or, in tests, asks stub zones on loopback directly), with DNSSEC state per answer. No
// libunbound type appears here.
#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "posture/dns.hpp"

namespace lookalike::posture {

// A zone asked directly at one authoritative address (tests: nsd on loopback).
struct StubZone {
  std::string zone;     // "example.test"
  std::string address;  // "127.0.0.1:5353" (port optional, default 53)
};

struct UnboundOptions {
  std::vector<std::string> forwarders;  // "192.0.2.53" or "127.0.0.1:5353"; empty = full recursion
  std::vector<StubZone> stubs;          // tests: ask these zones' servers directly (loopback allowed)
  // A file of DS/DNSKEY records (zone-file format) to validate with; empty = the system root key
  // (/usr/share/dns/root.key) when present, otherwise answers are `indeterminate`.
  std::string trust_anchor_file;
  int timeout_ms = 5'000;               // whole-batch bound: unanswered questions become timeout
};

// Libunbound-backed Dns. One instance per thread (libunbound's context runs one worker thread).
class UnboundDns final : public Dns {
 public:
  // Builds the context; an unknown resolver address or an unreadable trust anchor is an error.
  [[nodiscard]] static std::expected<std::unique_ptr<UnboundDns>, std::string> create(const UnboundOptions& options);
  ~UnboundDns() override;
  UnboundDns(const UnboundDns&) = delete;
  UnboundDns& operator=(const UnboundDns&) = delete;

  // Submits every question at once and waits (bounded by timeout_ms) for all answers.
  [[nodiscard]] std::vector<Answer> resolve(std::span<const Question> questions) override;

  // True when answers carry a real DNSSEC verdict (a trust anchor was loaded).
  [[nodiscard]] bool validating() const noexcept;

 private:
  struct Impl;
  explicit UnboundDns(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lookalike::posture
