// A small direct-mapped memo of labels known to match no brand, per thread and matcher. Names
// from CT logs repeat their labels (a certificate's SANs share the registrable label; www, mail,
// autodiscover, cpanel ... precede thousands of names), and a label's checks depend on the label
// and its role alone, so a label that matched nothing once is skipped the next time. Internal.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "generator/flat_set.hpp"

namespace lookalike::generator::detail {

class LabelMemo {
 public:
  static constexpr std::size_t kSlots = 1024;        // 64 KiB: most of it stays in L2
  static constexpr std::size_t kMaxKey = 54;         // longer labels are not remembered

  // Forgets everything unless the memo already belongs to `owner` (a matcher's unique id), so a
  // thread that uses several matchers never answers for one with another's labels.
  void bind(std::uint64_t owner) noexcept {
    if (owner == owner_) return;
    for (Slot& s : slots_) s.len = kEmpty;
    owner_ = owner;
  }

  // True when `label` in role `role` (0: registrable, 1: subdomain) was remembered as matching
  // nothing since the last bind() to another owner.
  [[nodiscard]] bool known_empty(std::string_view label, unsigned role) const noexcept {
    if (label.size() > kMaxKey) return false;
    const std::uint64_t h = key_hash(label, role);
    const Slot& s = slots_[h & (kSlots - 1)];
    return s.hash == h && s.len == label.size() && s.role == role && std::memcmp(s.bytes, label.data(), label.size()) == 0;
  }

  // Remembers that `label` in role `role` matches nothing (evicting whatever shared its slot).
  void remember_empty(std::string_view label, unsigned role) noexcept {
    if (label.size() > kMaxKey) return;
    const std::uint64_t h = key_hash(label, role);
    Slot& s = slots_[h & (kSlots - 1)];
    s.hash = h;
    s.len = static_cast<std::uint8_t>(label.size());
    s.role = static_cast<std::uint8_t>(role);
    std::memcpy(s.bytes, label.data(), label.size());
  }

 private:
  static constexpr std::uint8_t kEmpty = 0xFF;
  static std::uint64_t key_hash(std::string_view label, unsigned role) noexcept {
    return hash_bytes(label) ^ (role * 0x9E3779B97F4A7C15ULL);
  }
  struct Slot {
    std::uint64_t hash = 0;
    std::uint8_t len = kEmpty;  // kEmpty: unused
    std::uint8_t role = 0;
    char bytes[kMaxKey];
  };
  static_assert(sizeof(Slot) == 64);
  std::array<Slot, kSlots> slots_{};
  std::uint64_t owner_ = 0;
};

}  // namespace lookalike::generator::detail
