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

  // Where `label` in role `role` is looked up: hashed once for known_empty() and remember_empty().
  struct Key {
    std::string_view label;
    std::uint64_t hash;
    unsigned role;
  };
  [[nodiscard]] static Key key(std::string_view label, unsigned role) noexcept {
    return Key{label, label.size() > kMaxKey ? 0 : hash_bytes(label) ^ (role * 0x9E3779B97F4A7C15ULL), role};
  }

  // True when the key's label in its role (0: registrable, 1: subdomain) was remembered as
  // matching nothing since the last bind() to another owner.
  [[nodiscard]] bool known_empty(const Key& k) const noexcept {
    if (k.label.size() > kMaxKey) return false;
    const Slot& s = slots_[k.hash & (kSlots - 1)];
    return s.hash == k.hash && s.len == k.label.size() && s.role == k.role &&
           std::memcmp(s.bytes, k.label.data(), k.label.size()) == 0;
  }
  [[nodiscard]] bool known_empty(std::string_view label, unsigned role) const noexcept {
    return known_empty(key(label, role));
  }

  // Remembers that the key's label matches nothing (evicting whatever shared its slot).
  void remember_empty(const Key& k) noexcept {
    if (k.label.size() > kMaxKey) return;
    Slot& s = slots_[k.hash & (kSlots - 1)];
    s.hash = k.hash;
    s.len = static_cast<std::uint8_t>(k.label.size());
    s.role = static_cast<std::uint8_t>(k.role);
    std::memcpy(s.bytes, k.label.data(), k.label.size());
  }
  void remember_empty(std::string_view label, unsigned role) noexcept { remember_empty(key(label, role)); }

 private:
  static constexpr std::uint8_t kEmpty = 0xFF;
  struct Slot {
    std::uint64_t hash = 0;
    std::uint8_t len = kEmpty;  // kEmpty: unused
    std::uint8_t role = 0;
    char bytes[kMaxKey]{};
  };
  static_assert(sizeof(Slot) == 64);
  std::array<Slot, kSlots> slots_{};
  std::uint64_t owner_ = 0;
};

}  // namespace lookalike::generator::detail
