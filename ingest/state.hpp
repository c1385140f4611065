// Internal to ingest/: the per-source state file. One generation of a source is a file
// "<source>-<hash>.<generation>.state" holding the sorted distinct 64-bit hashes of every name of
// one ingested file, the look-alikes among them (as names: they are few), and a CRC-32 trailer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::ingest::state {

// mmap of anonymous memory (std::bad_alloc when refused) and its munmap.
[[nodiscard]] void* map_pages(std::size_t bytes);
void unmap_pages(void* p, std::size_t bytes) noexcept;

// Memory straight from mmap, returned by munmap: a bucket that grows leaves no freed block behind
// in malloc's heap (the programs keep blocks under 32 MiB on the heap and trim it rarely, see
// cli/heap.cpp, so 256 growing arrays would leave up to their own size again as holes).
template <class T>
struct PageAllocator {
  using value_type = T;
  PageAllocator() = default;
  template <class U>
  PageAllocator(const PageAllocator<U>&) noexcept {}  // NOLINT: converting, as allocators are
  [[nodiscard]] T* allocate(std::size_t n) { return static_cast<T*>(map_pages(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { unmap_pages(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const PageAllocator<U>&) const noexcept {
    return true;
  }
};

// The distinct 64-bit hashes of one file's names, in 256 buckets by their top byte: growing never
// copies more than one bucket (peak memory stays near 8 bytes per name, with no doubling of one
// huge array), and the buckets, each sorted, read in order are the sorted set.
class NameHashes {
 public:
  static constexpr std::size_t kBuckets = 256;
  using Bucket = std::vector<std::uint64_t, PageAllocator<std::uint64_t>>;
  void add(std::uint64_t h) { buckets_[h >> 56].push_back(h); }
  // Sorts and de-duplicates every bucket (on two threads); once, after the last add.
  void finish();
  [[nodiscard]] std::uint64_t size() const noexcept;
  [[nodiscard]] bool contains(std::uint64_t h) const noexcept;
  [[nodiscard]] const Bucket& bucket(std::size_t i) const noexcept { return buckets_[i]; }

 private:
  std::array<Bucket, kBuckets> buckets_;
};

// The state file of `source` at `generation` inside `dir`.
[[nodiscard]] std::string file_path(const std::string& dir, std::string_view source, std::uint64_t generation);

// Writes a generation atomically (temporary file, fsync, rename, fsync of the folder).
[[nodiscard]] std::expected<void, std::string> write(const std::string& path, const NameHashes& hashes,
                                                     std::span<const std::string> matched_names);

// The diff of a stored generation against this file's sorted distinct hashes.
struct Diff {
  std::uint64_t added = 0;                 // in `now`, not in the stored file
  std::uint64_t removed = 0;               // in the stored file, not in `now`
  std::vector<std::string> matched_names;  // the stored generation's look-alikes
};

// Streams the stored file (never holding its hashes) against `now` (finished); checks magic and
// CRC. `in_stored` gets, for each hash of `probes` (sorted), whether the stored file holds it.
[[nodiscard]] std::expected<Diff, std::string> diff(const std::string& path, const NameHashes& now,
                                                    std::span<const std::uint64_t> probes,
                                                    std::vector<bool>& in_stored);

// Removes every generation file of `source` in `dir` except `keep`.
void remove_others(const std::string& dir, std::string_view source, std::uint64_t keep);

}  // namespace lookalike::ingest::state
