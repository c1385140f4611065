// RFC 3339 times and the civil calendar.
#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>

#include "util/time.hpp"

namespace lookalike::util {
namespace {

TEST(Rfc3339, ParsesOffsetsFractionsAndRejectsNonsense) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(parse_rfc3339("1969-12-31T23:59:59.999Z"), -1);
  EXPECT_EQ(parse_rfc3339("2024-02-29t12:00:00.5z"), 1709208000500);
  for (std::string_view bad : {"2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01", "2024-01-01T00:00:00",
                               "2024-01-01T24:00:00Z", "2024-01-01T00:00:00+0100", "2024-01-01T00:00:00.Z",
                               "2024-01-01T00:00:00Zjunk", ""}) {
    EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
  }
  for (std::int64_t ms : {0LL, 874296000000LL, 1709208000500LL, -1LL, 253402300799999LL}) {
    EXPECT_EQ(parse_rfc3339(format_rfc3339(ms)), ms) << format_rfc3339(ms);
  }
  EXPECT_EQ(format_rfc3339(874296000000), "1997-09-15T04:00:00Z");
}

TEST(UtcIso, GivesTheSecondTheTimeFallsIn) {
  EXPECT_EQ(utc_iso(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(utc_iso(1764330600999), "2025-11-28T11:50:00Z");
  EXPECT_EQ(utc_iso(-1), "1969-12-31T23:59:59Z");  // the second it falls in
}

TEST(DaysFromCivil, CountsFromTheEpochAcrossLeapYears) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
}

}  // namespace
}  // namespace lookalike::util
