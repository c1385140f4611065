// FollowState <-> bytes, for whatever key-value store keeps it (versioned, fully checked on load).
#include <cstring>

#include "ctlog/ctlog.hpp"
#include "ctlog/merkle.hpp"

namespace lookalike::ctlog {
namespace {

constexpr std::uint8_t kVersion = 3;  // 3 added head_checked; 2 is still read

void put(std::string& o, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) o += static_cast<char>((v >> (8 * i)) & 0xff);
}

struct In {
  std::string_view s;
  bool ok = true;
  std::uint64_t u64() {
    if (s.size() < 8) {
      ok = false;
      return 0;
    }
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(s[static_cast<std::size_t>(i)]);
    s.remove_prefix(8);
    return v;
  }
  Hash hash() {
    Hash h{};
    if (s.size() < 32) {
      ok = false;
      return h;
    }
    std::memcpy(h.data(), s.data(), 32);
    s.remove_prefix(32);
    return h;
  }
};

}  // namespace

std::string encode_state(const FollowState& st) {
  std::string o;
  o += static_cast<char>(kVersion);
  put(o, st.next_index);
  put(o, st.subtrees.size());
  for (const Hash& h : st.subtrees) o.append(reinterpret_cast<const char*>(h.data()), 32);
  put(o, st.verified_size);
  o.append(reinterpret_cast<const char*>(st.verified_root.data()), 32);
  put(o, st.verified_subtrees.size());
  for (const Hash& h : st.verified_subtrees) o.append(reinterpret_cast<const char*>(h.data()), 32);
  put(o, st.head_size);
  put(o, st.head_timestamp);
  put(o, st.head_checked);
  put(o, st.entries_seen);
  put(o, st.malformed);
  put(o, st.last_error.size());
  o += st.last_error;
  return o;
}

std::expected<FollowState, Error> decode_state(std::string_view bytes) {
  const std::uint8_t version = bytes.empty() ? 0 : static_cast<std::uint8_t>(bytes[0]);
  if (version != kVersion && version != 2) return std::unexpected(Error{"ct state: unknown version"});
  In in{bytes.substr(1)};
  FollowState st;
  st.next_index = in.u64();
  const std::uint64_t n = in.u64();
  if (!in.ok || n > 64) return std::unexpected(Error{"ct state: bad subtree count"});
  for (std::uint64_t i = 0; i < n; ++i) st.subtrees.push_back(in.hash());
  st.verified_size = in.u64();
  st.verified_root = in.hash();
  const std::uint64_t vn = in.u64();
  if (!in.ok || vn > 64) return std::unexpected(Error{"ct state: bad verified subtree count"});
  for (std::uint64_t i = 0; i < vn; ++i) st.verified_subtrees.push_back(in.hash());
  st.head_size = in.u64();
  st.head_timestamp = in.u64();
  if (version >= 3) st.head_checked = in.u64();
  st.entries_seen = in.u64();
  st.malformed = in.u64();
  const std::uint64_t len = in.u64();
  if (!in.ok || len != in.s.size()) return std::unexpected(Error{"ct state: truncated"});
  st.last_error = std::string(in.s);
  if (auto t = CompactTree::from_parts(st.next_index, st.subtrees); !t) {
    return std::unexpected(Error{"ct state: " + t.error().what});
  }
  if (auto t = CompactTree::from_parts(st.verified_size, st.verified_subtrees); !t) {
    return std::unexpected(Error{"ct state: verified " + t.error().what});
  }
  if (st.verified_size > st.next_index) return std::unexpected(Error{"ct state: verified beyond next index"});
  return st;
}

HeadHealth head_health(const FollowState& st, std::uint32_t mmd_seconds) {
  HeadHealth h;
  if (st.head_checked == 0 || st.head_timestamp == 0) return h;
  constexpr std::uint64_t kSkewMs = 60'000;
  h.future = st.head_timestamp > st.head_checked + kSkewMs;
  h.stale = mmd_seconds > 0 && st.head_checked > st.head_timestamp &&
            st.head_checked - st.head_timestamp > std::uint64_t{mmd_seconds} * 1000;
  return h;
}

std::string_view follower_status_name(FollowerStatus s) {
  switch (s) {
    case FollowerStatus::following: return "following";
    case FollowerStatus::retrying: return "retrying";
    case FollowerStatus::stopped: return "stopped";
  }
  return "unknown";
}

}  // namespace lookalike::ctlog
