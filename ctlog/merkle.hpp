// Internal to ctlog/: SHA-256, Merkle tree hashing, compact ranges and proof verification
// (RFC 6962 section 2.1, RFC 9162 section 2.1).
#pragma once

#include <cstdint>
#include <expected>
#include <span>
#include <vector>

#include "ctlog/ctlog.hpp"

namespace lookalike::ctlog {

// SHA-256 of `data`.
[[nodiscard]] Hash sha256(std::span<const std::uint8_t> data);


// SHA-256(0x00 ‖ leaf), the hash of one MerkleTreeLeaf.
[[nodiscard]] Hash leaf_hash(std::span<const std::uint8_t> merkle_tree_leaf);
// SHA-256(0x01 ‖ left ‖ right).
[[nodiscard]] Hash node_hash(const Hash& left, const Hash& right);
// SHA-256 of the empty string: the root of the empty tree.
[[nodiscard]] Hash empty_root();
// Root of a whole list of leaf hashes (reference implementation, O(n) memory; tests and tiles).
[[nodiscard]] Hash root_of(std::span<const Hash> leaf_hashes);

// A compact range [0, size): the roots of the perfect subtrees given by the bits of `size`,
// largest (leftmost) first. Folding every leaf into it yields the root at every size.
class CompactTree {
 public:
  CompactTree() = default;
  // Starts from saved subtree roots; nullopt-free: fails when the count does not match popcount(size).
  [[nodiscard]] static std::expected<CompactTree, Error> from_parts(std::uint64_t size,
                                                                    std::vector<Hash> subtrees);
  // Appends one leaf hash.
  void append(const Hash& leaf);
  // Appends the root of a perfect subtree of 2^height leaves; size() must be a multiple of
  // 2^height (how a range is completed from hash tiles without its leaves).
  void append_subtree(const Hash& root, unsigned height);
  // Root of the tree of `size()` leaves.
  [[nodiscard]] Hash root() const;
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
  // The subtree roots, largest first (what must be saved to resume).
  [[nodiscard]] const std::vector<Hash>& subtrees() const noexcept { return stack_; }

 private:
  std::uint64_t size_ = 0;
  std::vector<Hash> stack_;
};

// Verifies a consistency proof between (size1, root1) and (size2, root2) per RFC 9162 §2.1.4.2.
[[nodiscard]] bool verify_consistency(std::uint64_t size1, std::uint64_t size2, const Hash& root1,
                                      const Hash& root2, std::span<const Hash> proof);

// Verifies the proof against root2 only and returns the compact range of [0, size1) it implies
// (so a follower can start at size1 without downloading earlier leaves); also returns root1.
[[nodiscard]] std::expected<CompactTree, Error> compact_from_consistency(std::uint64_t size1,
                                                                         std::uint64_t size2,
                                                                         const Hash& root2,
                                                                         std::span<const Hash> proof);

// Verifies an inclusion (audit) proof of `leaf` at `index` in a tree of `size` with `root`.
[[nodiscard]] bool verify_inclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf,
                                    const Hash& root, std::span<const Hash> proof);

}  // namespace lookalike::ctlog
