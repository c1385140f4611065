// An open-addressing hash index from byte strings to 32-bit values, with the keys stored in one
// arena: no allocation per key, which is what made std::unordered_{set,map} the generator's
// bottleneck (tens of thousands of short keys per brand). Internal.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace lookalike::generator::detail {

// 64-bit hash of a short byte string (8-byte chunks, multiply-xorshift mixing).
inline std::uint64_t hash_bytes(std::string_view s) noexcept {
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
  std::uint64_t h = 0xA0761D6478BD642Full ^ (s.size() * kMul);
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t v;
    std::memcpy(&v, s.data() + i, 8);
    h = (h ^ v) * kMul;
    h ^= h >> 29;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  h = (h ^ tail) * kMul;
  h ^= h >> 32;
  h *= 0xE7037ED1A0B428DBull;
  return h ^ (h >> 29);
}

class FlatIndex {
 public:
  static constexpr std::uint32_t kAbsent = 0xFFFFFFFF;

  explicit FlatIndex(std::size_t expected = 1024) { rehash(capacity_for(expected)); }

  // Inserts `key` with `value` unless present; returns the stored value and whether it was new.
  std::pair<std::uint32_t, bool> insert(std::string_view key, std::uint32_t value) {
    return insert_hashed(key, hash_of(key), value);
  }

  // The hash insert() and find() use for `key`: computed ahead, it lets a caller prefetch().
  [[nodiscard]] static std::uint32_t hash_of(std::string_view key) noexcept {
    return static_cast<std::uint32_t>(hash_bytes(key));
  }

  // Starts loading the slot where a key of hash `h` is looked up first: tables of a few MiB miss
  // the caches on almost every insert, and a caller that knows its next keys can overlap those
  // misses. Only a hint (a later rehash moves slots).
  void prefetch(std::uint32_t h) const noexcept { __builtin_prefetch(&slots_[h & mask_]); }

  // insert() with h == hash_of(key).
  std::pair<std::uint32_t, bool> insert_hashed(std::string_view key, std::uint32_t h, std::uint32_t value) {
    if ((size_ + 1) * 4 > slots_.size() * 3) rehash(slots_.size() * 2);
    std::size_t i = h & mask_;
    while (true) {
      Slot& s = slots_[i];
      if (s.len == kEmpty) {
        s = Slot{h, static_cast<std::uint32_t>(arena_.size()), static_cast<std::uint32_t>(key.size()), value};
        arena_.insert(arena_.end(), key.begin(), key.end());
        ++size_;
        last_ = i;
        return {value, true};
      }
      if (s.hash == h && s.len == key.size() && std::memcmp(arena_.data() + s.offset, key.data(), key.size()) == 0) {
        return {s.value, false};
      }
      i = (i + 1) & mask_;
    }
  }

  // Takes back the key that the last call of insert() added (no insert since). Safe in linear
  // probing: no other key's probe sequence can have passed over a slot that was filled last.
  void erase_last() noexcept {
    Slot& s = slots_[last_];
    arena_.resize(s.offset);
    s.len = kEmpty;
    --size_;
  }

  // Room for n keys without growing.
  void reserve(std::size_t n) {
    if (const std::size_t c = capacity_for(n); c > slots_.size()) rehash(c);
  }

  // The value stored for `key`, or kAbsent.
  [[nodiscard]] std::uint32_t find(std::string_view key) const noexcept {
    const auto h = static_cast<std::uint32_t>(hash_bytes(key));
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.len == kEmpty) return kAbsent;
      if (s.hash == h && s.len == key.size() && std::memcmp(arena_.data() + s.offset, key.data(), key.size()) == 0) {
        return s.value;
      }
    }
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  // Visits every key (as bytes) in insertion order of the arena.
  template <class F>
  void for_each_key(F&& f) const {
    for (const Slot& s : slots_) {
      if (s.len != kEmpty) f(std::string_view(arena_.data() + s.offset, s.len));
    }
  }

 private:
  static constexpr std::uint32_t kEmpty = 0xFFFFFFFF;
  // 16 bytes: four slots per cache line. The low 32 bits of the hash pick the slot (tables stay
  // far below 2^32 slots) and screen out most mismatches before the key comparison.
  struct Slot {
    std::uint32_t hash = 0;
    std::uint32_t offset = 0;
    std::uint32_t len = kEmpty;
    std::uint32_t value = 0;
  };

  static std::size_t capacity_for(std::size_t n) {
    std::size_t c = 16;
    while (c * 3 < n * 4) c *= 2;
    return c;
  }

  void rehash(std::size_t capacity) {
    std::vector<Slot> old(capacity);
    old.swap(slots_);
    mask_ = capacity - 1;
    for (const Slot& s : old) {
      if (s.len == kEmpty) continue;
      std::size_t i = s.hash & mask_;
      while (slots_[i].len != kEmpty) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }

  std::vector<Slot> slots_;
  std::vector<char> arena_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
  std::size_t last_ = 0;  // slot filled by the last insert()
};

}  // namespace lookalike::generator::detail
