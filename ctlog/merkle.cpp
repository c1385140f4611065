// SHA-256, Merkle tree hashing, compact ranges and proof verification (RFC 6962, RFC 9162).
#include <openssl/sha.h>

#include <array>
#include <bit>
#include <cstring>

#include "ctlog/ctlog.hpp"
#include "ctlog/entries.hpp"
#include "ctlog/merkle.hpp"

namespace lookalike::ctlog {

Hash sha256(std::span<const std::uint8_t> data) {
  Hash h;
  SHA256(data.data(), data.size(), h.data());
  return h;
}

Hash leaf_hash(std::span<const std::uint8_t> merkle_tree_leaf) {
  // One-shot SHA256() over a prefixed copy: the streaming SHA256_* API is deprecated in OpenSSL 3
  // and an EVP context per leaf costs more than the copy.
  thread_local Bytes buf;
  buf.resize(merkle_tree_leaf.size() + 1);
  buf[0] = 0;
  if (!merkle_tree_leaf.empty()) std::memcpy(buf.data() + 1, merkle_tree_leaf.data(), merkle_tree_leaf.size());
  Hash h;
  SHA256(buf.data(), buf.size(), h.data());
  return h;
}

Hash node_hash(const Hash& left, const Hash& right) {
  std::uint8_t buf[65];
  buf[0] = 1;
  std::memcpy(buf + 1, left.data(), 32);
  std::memcpy(buf + 33, right.data(), 32);
  Hash h;
  SHA256(buf, sizeof buf, h.data());
  return h;
}

Hash empty_root() { return sha256({}); }

Hash root_of(std::span<const Hash> leaf_hashes) {
  CompactTree t;
  for (const Hash& h : leaf_hashes) t.append(h);
  return t.root();
}

std::expected<CompactTree, Error> CompactTree::from_parts(std::uint64_t size, std::vector<Hash> subtrees) {
  if (static_cast<std::size_t>(std::popcount(size)) != subtrees.size()) {
    return std::unexpected(Error{"compact range of size " + std::to_string(size) + " needs " +
                                 std::to_string(std::popcount(size)) + " subtree roots, got " +
                                 std::to_string(subtrees.size())});
  }
  CompactTree t;
  t.size_ = size;
  t.stack_ = std::move(subtrees);
  return t;
}

void CompactTree::append(const Hash& leaf) {
  // Each trailing 1 bit of the old size is a perfect subtree that the new leaf completes.
  Hash h = leaf;
  for (std::uint64_t s = size_; (s & 1) != 0; s >>= 1) {
    h = node_hash(stack_.back(), h);
    stack_.pop_back();
  }
  stack_.push_back(h);
  ++size_;
}

void CompactTree::append_subtree(const Hash& root, unsigned height) {
  // As append(), one level up: the trailing 1 bits above `height` are completed by this subtree.
  Hash h = root;
  for (std::uint64_t s = size_ >> height; (s & 1) != 0; s >>= 1) {
    h = node_hash(stack_.back(), h);
    stack_.pop_back();
  }
  stack_.push_back(h);
  size_ += std::uint64_t{1} << height;
}

Hash CompactTree::root() const {
  if (stack_.empty()) return empty_root();
  Hash r = stack_.back();
  for (std::size_t i = stack_.size() - 1; i-- > 0;) r = node_hash(stack_[i], r);
  return r;
}

namespace {

// RFC 9162 §2.1.4.2 with the left siblings collected (they form the compact range of [0, size1)).
struct ConsistencyWalk {
  bool ok = false;
  Hash fr{}, sr{};
  std::vector<Hash> left;  // first element then left siblings, smallest subtree first
};

ConsistencyWalk walk_consistency(std::uint64_t size1, std::uint64_t size2, const Hash* root1,
                                 std::span<const Hash> proof) {
  ConsistencyWalk w;
  if (size1 == 0 || size1 >= size2 || proof.empty()) return w;
  std::vector<Hash> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(size1)) {
    if (root1 == nullptr) return w;
    path.push_back(*root1);
  }
  path.insert(path.end(), proof.begin(), proof.end());
  std::uint64_t fn = size1 - 1;
  std::uint64_t sn = size2 - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  w.fr = w.sr = path[0];
  w.left.push_back(path[0]);
  for (std::size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return w;
    if ((fn & 1) != 0 || fn == sn) {
      w.fr = node_hash(c, w.fr);
      w.sr = node_hash(c, w.sr);
      w.left.push_back(c);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      w.sr = node_hash(w.sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  w.ok = sn == 0;
  return w;
}

}  // namespace

bool verify_consistency(std::uint64_t size1, std::uint64_t size2, const Hash& root1, const Hash& root2,
                        std::span<const Hash> proof) {
  if (size1 == size2) return proof.empty() && root1 == root2;
  if (size1 == 0) return proof.empty() && size2 >= size1;
  if (size1 > size2) return false;
  const ConsistencyWalk w = walk_consistency(size1, size2, &root1, proof);
  return w.ok && w.fr == root1 && w.sr == root2;
}

std::expected<CompactTree, Error> compact_from_consistency(std::uint64_t size1, std::uint64_t size2,
                                                           const Hash& root2, std::span<const Hash> proof) {
  if (size1 == 0) return CompactTree{};
  if (std::has_single_bit(size1)) {
    return std::unexpected(Error{"cannot derive the compact range of a power-of-two size from a proof"});
  }
  const ConsistencyWalk w = walk_consistency(size1, size2, nullptr, proof);
  if (!w.ok || w.sr != root2) {
    return std::unexpected(Error{"consistency proof " + std::to_string(size1) + "->" + std::to_string(size2) +
                                 " does not lead to the signed root"});
  }
  std::vector<Hash> parts(w.left.rbegin(), w.left.rend());
  auto t = CompactTree::from_parts(size1, std::move(parts));
  if (!t) return t;
  if (t->root() != w.fr) return std::unexpected(Error{"consistency proof left side is not a compact range"});
  return t;
}

bool verify_inclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf, const Hash& root,
                      std::span<const Hash> proof) {
  if (index >= size) return false;
  std::uint64_t fn = index;
  std::uint64_t sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      r = node_hash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

std::string tile_index_path(std::uint64_t index) {
  std::string groups = std::to_string(index % 1000);
  while (groups.size() < 3) groups.insert(groups.begin(), '0');
  index /= 1000;
  while (index > 0) {
    std::string g = std::to_string(index % 1000);
    while (g.size() < 3) g.insert(g.begin(), '0');
    groups = "x" + g + "/" + groups;
    index /= 1000;
  }
  return groups;
}

std::string tile_path(int level, std::uint64_t index, unsigned width) {
  std::string p = "tile/";
  p += level < 0 ? std::string("data") : std::to_string(level);
  p += '/';
  p += tile_index_path(index);
  if (width < 256) p += ".p/" + std::to_string(width);
  return p;
}

}  // namespace lookalike::ctlog
