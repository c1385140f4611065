#include "generator/flat_set.hpp"

#include <gtest/gtest.h>

#include <string>

namespace d = lookalike::generator::detail;

TEST(FlatIndex, InsertsWithAHashComputedAheadAsInsertDoes) {
  d::FlatIndex index(4);
  const std::string a = "xn--pypal-4ve.com";
  const std::uint32_t h = d::FlatIndex::hash_of(a);
  index.prefetch(h);  // a hint only: changes nothing
  EXPECT_EQ(index.insert_hashed(a, h, 7), std::make_pair(7u, true));
  EXPECT_EQ(index.insert(a, 9), std::make_pair(7u, false));  // the same key either way
  EXPECT_EQ(index.insert_hashed(a, h, 9), std::make_pair(7u, false));
  EXPECT_EQ(index.find(a), 7u);
  EXPECT_EQ(index.find("paypal.com"), d::FlatIndex::kAbsent);
}

TEST(FlatIndex, GrowsPastItsReservationWithPrecomputedHashes) {
  d::FlatIndex index(4);
  for (std::uint32_t i = 0; i < 5000; ++i) {
    const std::string k = "label" + std::to_string(i);
    index.prefetch(d::FlatIndex::hash_of(k));
    EXPECT_TRUE(index.insert_hashed(k, d::FlatIndex::hash_of(k), i).second);
  }
  EXPECT_EQ(index.size(), 5000u);
  for (std::uint32_t i = 0; i < 5000; ++i) EXPECT_EQ(index.find("label" + std::to_string(i)), i);
}
