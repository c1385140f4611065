#include "generator/label_memo.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace d = lookalike::generator::detail;

namespace {

std::unique_ptr<d::LabelMemo> bound(std::uint64_t owner) {
  auto m = std::make_unique<d::LabelMemo>();  // 64 KiB: not on the test's stack
  m->bind(owner);
  return m;
}

}  // namespace

TEST(LabelMemo, KnowsOnlyWhatItWasTold) {
  auto m = bound(1);
  EXPECT_FALSE(m->known_empty("www", 1));
  m->remember_empty("www", 1);
  EXPECT_TRUE(m->known_empty("www", 1));
  EXPECT_FALSE(m->known_empty("ww", 1));
  EXPECT_FALSE(m->known_empty("wwww", 1));
  EXPECT_FALSE(m->known_empty("", 1));
}

TEST(LabelMemo, KeepsRolesApart) {
  auto m = bound(1);
  m->remember_empty("paypal", 1);
  EXPECT_TRUE(m->known_empty("paypal", 1));
  EXPECT_FALSE(m->known_empty("paypal", 0));
}

TEST(LabelMemo, ForgetsEverythingWhenBoundToAnotherOwner) {
  auto m = bound(1);
  m->remember_empty("mail", 0);
  m->bind(1);  // the same owner again: kept
  EXPECT_TRUE(m->known_empty("mail", 0));
  m->bind(2);
  EXPECT_FALSE(m->known_empty("mail", 0));
  m->bind(1);  // back to the first owner: still forgotten, the memo holds one owner at a time
  EXPECT_FALSE(m->known_empty("mail", 0));
}

TEST(LabelMemo, NeverRemembersLabelsLongerThanItsKeys) {
  auto m = bound(1);
  const std::string longest(d::LabelMemo::kMaxKey, 'a');
  const std::string too_long(d::LabelMemo::kMaxKey + 1, 'a');
  m->remember_empty(longest, 0);
  m->remember_empty(too_long, 0);
  EXPECT_TRUE(m->known_empty(longest, 0));
  EXPECT_FALSE(m->known_empty(too_long, 0));
}

// Direct-mapped: many labels share few slots, and a slot answers only for the label it holds.
TEST(LabelMemo, AnswersOnlyForTheLabelItsSlotHolds) {
  auto m = bound(1);
  for (int i = 0; i < 20000; ++i) m->remember_empty("label" + std::to_string(i), 0);
  int remembered = 0;
  for (int i = 0; i < 20000; ++i) remembered += m->known_empty("label" + std::to_string(i), 0) ? 1 : 0;
  EXPECT_GT(remembered, 0);
  EXPECT_LE(remembered, static_cast<int>(d::LabelMemo::kSlots));
  for (int i = 20000; i < 40000; ++i) EXPECT_FALSE(m->known_empty("label" + std::to_string(i), 0)) << i;
  EXPECT_TRUE(m->known_empty("label19999", 0));  // the last one written to its slot
}
