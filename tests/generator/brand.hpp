// Test helper for the generator tests: a brand domain, parsed; the test fails when it does not parse.
#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "domain/domain.hpp"

namespace lookalike::generator_test {

inline domain::Name brand(std::string_view s) {
  auto n = domain::parse(s);
  EXPECT_TRUE(n) << s;
  return n ? *n : domain::Name{};
}

}  // namespace lookalike::generator_test
