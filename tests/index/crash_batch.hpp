// The deterministic batches the crash helper commits, shared with the test that verifies them.
#pragma once

#include <string>

#include "index/index.hpp"

namespace lookalike::index::test {

inline constexpr int kCrashBatchSize = 200;

inline std::string crash_name(int round, int batch, int i) {
  return "r" + std::to_string(round) + "b" + std::to_string(batch) + "i" + std::to_string(i) + ".example.com";
}

inline std::string crash_log(int round) { return "log-" + std::to_string(round); }

inline Sha256 crash_sha(int round, int batch, int i) {
  Sha256 s{};
  const unsigned x = static_cast<unsigned>(round * 1'000'003 + batch * 1009 + i);
  for (std::size_t k = 0; k < s.size(); ++k) s[k] = static_cast<std::uint8_t>((x >> (k % 4 * 8)) + k);
  return s;
}

// Batch B of round R: 200 new candidates of brand "example.com" with a CT sighting each, a
// score for every name of batch B-1 (moving by-brand entries), and the round's CT position.
inline bool fill_crash_batch(Batch& batch, int round, int b) {
  for (int i = 0; i < kCrashBatchSize; ++i) {
    CandidateUpdate u;
    u.name = crash_name(round, b, i);
    u.brands = {"example.com"};
    u.fuzzers = {"f" + std::to_string(i % 5)};
    u.ct = {{crash_log(round), static_cast<std::uint64_t>(b * kCrashBatchSize + i), crash_sha(round, b, i)}};
    u.seen = 1'700'000'000'000 + b;
    if (!batch.upsert(u)) return false;
    if (b > 0) {
      Score s{static_cast<std::uint8_t>((b + i) % 101), static_cast<std::uint8_t>(i % 5), {"crash test"},
              1'700'000'000'000 + b};
      if (!batch.set_score(crash_name(round, b - 1, i), s)) return false;
    }
  }
  CtState st;
  st.next_index = static_cast<std::uint64_t>((b + 1) * kCrashBatchSize);
  st.verified_tree_size = st.next_index;
  st.verified_root = std::string(32, static_cast<char>(b & 0x7f));
  return static_cast<bool>(batch.put_ct_state(crash_log(round), st));
}

}  // namespace lookalike::index::test
