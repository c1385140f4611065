// Verification core against real CT data: Pilot STHs and consistency proof, RSA/ECDSA STHs,
// Sunlight tiles (navigli2025h2) and checkpoints.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstring>
#include <set>

#include "ctlog/ctlog.hpp"
#include "ctlog/entries.hpp"
#include "ctlog/json.hpp"
#include "ctlog/merkle.hpp"
#include "ctlog/signature.hpp"
#include "tests/ctlog/fixtures.hpp"
#include "util/encoding.hpp"

namespace lookalike::ctlog {
namespace {

using util::base64_decode;
using util::base64_encode;
using util::hex_encode;
using testing::read_fixture;

Hash hash_b64(std::string_view b64) {
  auto b = base64_decode(b64);
  Hash h{};
  EXPECT_TRUE(b && b->size() == 32) << b64;
  if (b && b->size() == 32) std::memcpy(h.data(), b->data(), 32);
  return h;
}

Bytes from_hex(std::string_view hex) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

PublicKey pilot_key() {
  auto k = PublicKey::from_pem(read_fixture("rfc6962/google-pilot/pilot-pubkey.pem"));
  EXPECT_TRUE(k.has_value());
  return k.value_or(PublicKey{});
}

TEST(PilotLog, AllNineHundredNineRealSthsVerifyWithThePilotKey) {
  const PublicKey key = pilot_key();
  EXPECT_EQ(base64_encode(key.log_id()), "pLkJkLQYWBSHuxOizGdwCjw1mAT5G9+443fNDsgN3BA=");
  const std::string all = read_fixture("rfc6962/google-pilot/pilot-sths-2013.jsonl");
  std::size_t count = 0, verified = 0, start = 0;
  while (start < all.size()) {
    std::size_t nl = all.find('\n', start);
    if (nl == std::string::npos) nl = all.size();
    const std::string_view line(all.data() + start, nl - start);
    start = nl + 1;
    if (line.empty()) continue;
    ++count;
    auto sth = parse_sth_json(line);
    ASSERT_TRUE(sth.has_value()) << sth.error().what;
    if (verify_sth(*sth, key)) ++verified;
  }
  EXPECT_EQ(count, 909u);
  EXPECT_EQ(verified, 909u);
}

TEST(PilotLog, AFlippedRootOrTimestampBreaksTheSignature) {
  const PublicKey key = pilot_key();
  auto sth = parse_sth_json(read_fixture("rfc6962/google-pilot/get-sth-3721782.json"));
  ASSERT_TRUE(sth.has_value());
  EXPECT_TRUE(verify_sth(*sth, key));
  auto bad = *sth;
  bad.root[7] ^= 1;
  EXPECT_FALSE(verify_sth(bad, key));
  bad = *sth;
  ++bad.timestamp;
  EXPECT_FALSE(verify_sth(bad, key));
  bad = *sth;
  bad.signature.back() ^= 0x40;
  EXPECT_FALSE(verify_sth(bad, key));
}

struct PilotProof {
  SignedTreeHead first, second;
  std::vector<Hash> proof;
};

PilotProof pilot_proof() {
  const std::string json = read_fixture("rfc6962/google-pilot/pilot-consistency-1979426-2741521.json");
  simdjson::dom::parser p;
  simdjson::dom::element doc = p.parse(json);
  PilotProof out;
  out.first = *parse_sth_json(simdjson::minify(doc["first_sth"]));
  out.second = *parse_sth_json(simdjson::minify(doc["second_sth"]));
  out.proof = *parse_consistency_json(simdjson::minify(doc["get-sth-consistency"]));
  return out;
}

TEST(PilotLog, TheRealTwentyTwoHashConsistencyProofVerifies) {
  const PilotProof p = pilot_proof();
  ASSERT_EQ(p.proof.size(), 22u);
  EXPECT_TRUE(verify_sth(p.second, pilot_key()));
  EXPECT_TRUE(verify_consistency(p.first.tree_size, p.second.tree_size, p.first.root, p.second.root, p.proof));
}

TEST(PilotLog, ATamperedConsistencyProofFails) {
  const PilotProof p = pilot_proof();
  for (std::size_t i = 0; i < p.proof.size(); ++i) {
    auto bad = p.proof;
    bad[i][31] ^= 0x01;
    EXPECT_FALSE(verify_consistency(p.first.tree_size, p.second.tree_size, p.first.root, p.second.root, bad)) << i;
  }
  auto shorter = p.proof;
  shorter.pop_back();
  EXPECT_FALSE(verify_consistency(p.first.tree_size, p.second.tree_size, p.first.root, p.second.root, shorter));
  EXPECT_FALSE(verify_consistency(p.first.tree_size + 1, p.second.tree_size, p.first.root, p.second.root, p.proof));
  EXPECT_FALSE(verify_consistency(p.first.tree_size, p.second.tree_size, p.second.root, p.first.root, p.proof));
}

TEST(PilotLog, TheConsistencyProofYieldsTheOldTreesCompactRange) {
  const PilotProof p = pilot_proof();
  auto t = compact_from_consistency(p.first.tree_size, p.second.tree_size, p.second.root, p.proof);
  ASSERT_TRUE(t.has_value()) << t.error().what;
  EXPECT_EQ(t->size(), p.first.tree_size);
  EXPECT_EQ(t->root(), p.first.root);
}

TEST(RealSths, TheRsaAndEcdsaSignedHeadsVerify) {
  const std::string json = read_fixture("rfc6962/ct-python-verify-test/sths.json");
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json);
  int n = 0;
  bool saw_rsa = false, saw_ec = false;
  for (simdjson::dom::element s : doc["sths"].get_array()) {
    const std::string_view key_b64 = s["key_der_b64"].get_string().value();
    auto der = base64_decode(key_b64);
    ASSERT_TRUE(der.has_value());
    auto key = PublicKey::from_der(*der);
    ASSERT_TRUE(key.has_value()) << key.error().what;
    (key->is_ecdsa() ? saw_ec : saw_rsa) = true;
    SignedTreeHead sth;
    sth.tree_size = s["tree_size"].get_uint64().value();
    sth.timestamp = s["timestamp"].get_uint64().value();
    const Bytes root = from_hex(s["sha256_root_hash_hex"].get_string().value());
    std::memcpy(sth.root.data(), root.data(), 32);
    sth.signature = from_hex(s["tree_head_signature_hex"].get_string().value());
    EXPECT_TRUE(verify_sth(sth, *key)) << s["label"].get_string().value();
    sth.tree_size += 1;
    EXPECT_FALSE(verify_sth(sth, *key));
    ++n;
  }
  EXPECT_EQ(n, 2);
  EXPECT_TRUE(saw_rsa);
  EXPECT_TRUE(saw_ec);
}

// ---- Sunlight tiles --------------------------------------------------------------------------

std::string navigli(const std::string& rel) { return read_fixture("static-ct/navigli2025h2/" + rel); }

TEST(NavigliTiles, TheDataTilesHashToTheRealRootAtSize1024) {
  std::vector<Hash> leaves;
  for (std::uint64_t t = 0; t < 4; ++t) {
    const std::string data = navigli(tile_path(-1, t));
    const std::string hashes = navigli(tile_path(0, t));
    ASSERT_EQ(hashes.size(), 256u * 32u);
    std::span<const std::uint8_t> d(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
    for (std::size_t i = 0; i < 256; ++i) {
      auto e = parse_tile_entry(d);
      ASSERT_TRUE(e.has_value()) << e.error().what;
      ASSERT_TRUE(e->entry.leaf_index.has_value());
      EXPECT_EQ(*e->entry.leaf_index, t * 256 + i);
      EXPECT_EQ(e->entry.type, EntryType::precert);
      const Hash h = tile_leaf_hash(*e);
      EXPECT_EQ(0, std::memcmp(h.data(), hashes.data() + i * 32, 32)) << "leaf " << t * 256 + i;
      leaves.push_back(h);
    }
    EXPECT_TRUE(d.empty());
  }
  EXPECT_EQ(base64_encode(root_of(leaves)), "EMfGG85uIddeOXt5/wdQGP3IQd0COCqoLg9Q6CsPLJA=");
  CompactTree t;
  for (std::size_t i = 0; i < 778; ++i) t.append(leaves[i]);
  EXPECT_EQ(base64_encode(t.root()), "+WnHOMRZl/LG1669oeskbdK9bcO4nkrY1cfVyknC52U=");
}

TEST(NavigliTiles, ThePartialTileIsThePrefixOfTheFullOne) {
  const std::string full = navigli("tile/data/003");
  const std::string part = navigli("tile/data/003.p/10");
  std::span<const std::uint8_t> d(reinterpret_cast<const std::uint8_t*>(part.data()), part.size());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(parse_tile_entry(d).has_value());
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(full.substr(0, part.size()), part);
  EXPECT_EQ(navigli("tile/0/003.p/10"), navigli("tile/0/003").substr(0, 320));
}

TEST(NavigliTiles, NamesFromThePrecertificatesEqualTheNamesTiles) {
  simdjson::dom::parser parser;
  std::size_t compared = 0, wildcards = 0;
  for (std::uint64_t t = 0; t < 4; ++t) {
    const std::string data = navigli(tile_path(-1, t));
    const std::string names = navigli("tile/names/" + tile_index_path(t));
    std::span<const std::uint8_t> d(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
    std::size_t pos = 0;
    for (int i = 0; i < 256; ++i) {
      auto e = parse_tile_entry(d);
      ASSERT_TRUE(e.has_value());
      auto ours = certificate_names(e->entry.certificate, true);
      ASSERT_TRUE(ours.has_value()) << ours.error().what;
      const std::size_t nl = names.find('\n', pos);
      const std::string line = names.substr(pos, nl - pos);
      pos = nl + 1;
      simdjson::dom::element doc = parser.parse(line);
      // We keep one entry per name and note the wildcard: compare (name, wildcard?) sets.
      std::set<std::string> want, want_wild;
      for (auto n : doc["DNS"].get_array()) {
        std::string w(n.get_string().value());
        for (char& c : w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (w.starts_with("*.")) {
          w.erase(0, 2);
          want_wild.insert(w);
        }
        want.insert(w);
      }
      std::set<std::string> got, got_wild;
      for (const CertName& n : *ours) {
        if (n.from_cn) continue;
        got.insert(n.ascii);
        if (n.wildcard) {
          got_wild.insert(n.ascii);
          ++wildcards;
        }
      }
      EXPECT_EQ(got, want) << "entry " << t * 256 + static_cast<std::uint64_t>(i);
      EXPECT_EQ(got_wild, want_wild) << "entry " << t * 256 + static_cast<std::uint64_t>(i);
      ++compared;
    }
  }
  EXPECT_EQ(compared, 1024u);
  EXPECT_GT(wildcards, 0u);
}

TEST(NavigliTiles, TheDerivedProofsVerify) {
  const std::string json = navigli("DERIVED.json");
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json);
  std::vector<Hash> proof;
  for (auto h : doc["consistency_778_1024_b64"].get_array()) proof.push_back(hash_b64(h.get_string().value()));
  const Hash r1 = hash_b64(doc["tree_size_778_root_b64"].get_string().value());
  const Hash r2 = hash_b64(doc["tree_size_1024_root_b64"].get_string().value());
  EXPECT_TRUE(verify_consistency(778, 1024, r1, r2, proof));
  auto t = compact_from_consistency(778, 1024, r2, proof);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->root(), r1);
  std::vector<Hash> audit;
  for (auto h : doc["inclusion_index_500_size_1024_b64"].get_array()) audit.push_back(hash_b64(h.get_string().value()));
  const Hash leaf = hash_b64(doc["leaf_hash_index_500_b64"].get_string().value());
  EXPECT_TRUE(verify_inclusion(500, 1024, leaf, r2, audit));
  EXPECT_FALSE(verify_inclusion(501, 1024, leaf, r2, audit));
}

TEST(TilePaths, IndexesAreWrittenInThreeDigitGroups) {
  EXPECT_EQ(tile_index_path(1234067), "x001/x234/067");
  EXPECT_EQ(tile_index_path(0), "000");
  EXPECT_EQ(tile_index_path(1000), "x001/000");
  EXPECT_EQ(tile_path(-1, 3, 10), "tile/data/003.p/10");
  EXPECT_EQ(tile_path(2, 1234067), "tile/2/x001/x234/067");
}

// ---- checkpoints ------------------------------------------------------------------------------

TEST(Checkpoints, TheSkylightCheckpointVerifiesWithItsKey) {
  const std::string note = read_fixture("static-ct/skylight-synthetic/checkpoint");
  auto list_json = read_fixture("static-ct/skylight-synthetic/log.v3.json");
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(list_json);
  auto der = base64_decode(doc["key"].get_string().value());
  auto key = PublicKey::from_der(*der);
  ASSERT_TRUE(key.has_value());
  auto cp = parse_checkpoint(note, "rome2026h1.example.org", key->log_id());
  ASSERT_TRUE(cp.has_value()) << cp.error().what;
  EXPECT_EQ(cp->tree_size, 300u);
  EXPECT_EQ(hex_encode(checkpoint_key_id("rome2026h1.example.org", key->log_id())), "91507526");
  EXPECT_TRUE(verify_checkpoint(*cp, *key));
  auto bad = *cp;
  bad.tree_size = 301;
  EXPECT_FALSE(verify_checkpoint(bad, *key));
  EXPECT_FALSE(parse_checkpoint(note, "other.example.org", key->log_id()).has_value());
}

TEST(Checkpoints, UnknownCosignaturesAreIgnoredAndTheLogSignatureFound) {
  const std::string note = read_fixture("static-ct/sycamore2026h1-checkpoint.txt");
  auto der = base64_decode(read_fixture("static-ct/sycamore2026h1-key.b64").substr(0, 124));
  ASSERT_TRUE(der.has_value());
  auto key = PublicKey::from_der(*der);
  ASSERT_TRUE(key.has_value()) << key.error().what;
  auto cp = parse_checkpoint(note, "log.sycamore.ct.letsencrypt.org/2026h1", key->log_id());
  ASSERT_TRUE(cp.has_value()) << cp.error().what;
  EXPECT_EQ(cp->tree_size, 910004669u);
  // The fixture's manifest records that this signature does not verify (transcription damage).
  EXPECT_FALSE(verify_checkpoint(*cp, *key));
}

TEST(Checkpoints, TheSycamore2024KeyIdMatchesItsLogId) {
  const std::string note = read_fixture("static-ct/sycamore2024h2-checkpoint.txt");
  // Log ID of Sycamore 2024h2 is not in the fixtures; the key ID is: check we find the line by it.
  const std::string origin = "sycamore.ct.letsencrypt.org/2024h2";
  EXPECT_FALSE(parse_checkpoint(note, origin, Hash{}).has_value());
  const std::size_t dash = note.find("\xE2\x80\x94 " + origin + " ");
  ASSERT_NE(dash, std::string::npos);
  auto sig = base64_decode(note.substr(dash + 4 + origin.size() + 1, note.find('\n', dash) - dash - 5 - origin.size()));
  ASSERT_TRUE(sig.has_value());
  EXPECT_EQ(hex_encode(std::span<const std::uint8_t>(sig->data(), 4)), "3dd9086a");
}

TEST(Checkpoints, MalformedNotesAreErrorsNotCrashes) {
  const Hash id{};
  for (const char* s : {"", "\n\n", "a\n1\nxx\n\n", "a\n-1\nAAAA\n\n", "a\n01\n\n\n", "a\n1\n"}) {
    EXPECT_FALSE(parse_checkpoint(s, "a", id).has_value()) << s;
  }
}

// ---- compact ranges ----------------------------------------------------------------------------

TEST(CompactTree, MatchesTheReferenceRootAtEverySizeAndResumesFromParts) {
  std::vector<Hash> leaves;
  CompactTree t;
  EXPECT_EQ(t.root(), empty_root());
  for (std::uint8_t i = 0; i < 70; ++i) {
    const std::uint8_t b[1] = {i};
    leaves.push_back(leaf_hash(b));
    t.append(leaves.back());
    // Reference: recursive split at the largest power of two below n.
    std::function<Hash(std::size_t, std::size_t)> mth = [&](std::size_t lo, std::size_t n) -> Hash {
      if (n == 1) return leaves[lo];
      std::size_t k = 1;
      while (k * 2 < n) k *= 2;
      return node_hash(mth(lo, k), mth(lo + k, n - k));
    };
    ASSERT_EQ(t.root(), mth(0, leaves.size())) << leaves.size();
    auto again = CompactTree::from_parts(t.size(), t.subtrees());
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->root(), t.root());
  }
  EXPECT_FALSE(CompactTree::from_parts(3, {}).has_value());
}

TEST(CompactTree, APrefixCompletedWithPerfectSubtreeRootsHasTheRootOfTheWholeTree) {
  std::vector<Hash> leaves;
  for (std::uint8_t i = 0; i < 45; ++i) {
    const std::uint8_t b[1] = {i};
    leaves.push_back(leaf_hash(b));
  }
  for (std::size_t n = 1; n <= leaves.size(); ++n) {
    const Hash want = root_of(std::span<const Hash>(leaves.data(), n));
    for (std::size_t p = 0; p <= n; ++p) {
      CompactTree t;
      for (std::size_t i = 0; i < p; ++i) t.append(leaves[i]);
      // The rest as the largest aligned perfect subtrees, as hash tiles serve them.
      while (t.size() < n) {
        unsigned h = 0;
        while (t.size() % (std::size_t{2} << h) == 0 && t.size() + (std::size_t{2} << h) <= n) ++h;
        t.append_subtree(root_of(std::span<const Hash>(leaves.data() + t.size(), std::size_t{1} << h)), h);
      }
      ASSERT_EQ(t.size(), n);
      ASSERT_EQ(t.root(), want) << p << " of " << n;
    }
  }
}

TEST(CompactTree, ConsistencyProofsBetweenAllSmallSizesVerifyAndYieldCompactRanges) {
  // Generate RFC 6962 §2.1.2 proofs directly from the definition and check both directions.
  std::vector<Hash> leaves;
  for (std::uint8_t i = 0; i < 40; ++i) {
    const std::uint8_t b[2] = {i, 7};
    leaves.push_back(leaf_hash(b));
  }
  std::function<Hash(std::size_t, std::size_t)> mth = [&](std::size_t lo, std::size_t n) -> Hash {
    if (n == 1) return leaves[lo];
    std::size_t k = 1;
    while (k * 2 < n) k *= 2;
    return node_hash(mth(lo, k), mth(lo + k, n - k));
  };
  std::function<void(std::size_t, std::size_t, std::size_t, bool, std::vector<Hash>&)> sub =
      [&](std::size_t m, std::size_t lo, std::size_t n, bool b, std::vector<Hash>& out) {
        if (m == n) {
          if (!b) out.push_back(mth(lo, n));
          return;
        }
        std::size_t k = 1;
        while (k * 2 < n) k *= 2;
        if (m <= k) {
          sub(m, lo, k, b, out);
          out.push_back(mth(lo + k, n - k));
        } else {
          sub(m - k, lo + k, n - k, false, out);
          out.push_back(mth(lo, k));
        }
      };
  for (std::size_t n = 2; n <= leaves.size(); ++n) {
    for (std::size_t m = 1; m < n; ++m) {
      std::vector<Hash> proof;
      sub(m, 0, n, true, proof);
      const Hash r1 = mth(0, m), r2 = mth(0, n);
      ASSERT_TRUE(verify_consistency(m, n, r1, r2, proof)) << m << "->" << n;
      if ((m & (m - 1)) != 0) {
        auto t = compact_from_consistency(m, n, r2, proof);
        ASSERT_TRUE(t.has_value()) << m << "->" << n;
        EXPECT_EQ(t->root(), r1);
      }
    }
  }
}

}  // namespace
}  // namespace lookalike::ctlog
