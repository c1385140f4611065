// Retry-After values (RFC 9110 section 10.2.3): delay-seconds and the three HTTP-date forms.
#include <gtest/gtest.h>

#include <chrono>

#include "net/http.hpp"

namespace {

using lookalike::net::parse_retry_after;
using std::chrono::seconds;

// 1994-11-06 08:49:37 UTC, RFC 9110's own example date.
const auto kExample = std::chrono::system_clock::from_time_t(784111777);

TEST(RetryAfter, DelaySeconds) {
  EXPECT_EQ(parse_retry_after("120", kExample), seconds(120));
  EXPECT_EQ(parse_retry_after(" 0 ", kExample), seconds(0));
  EXPECT_FALSE(parse_retry_after("12s", kExample));
  EXPECT_FALSE(parse_retry_after("-5", kExample));
  EXPECT_FALSE(parse_retry_after("99999999999999999999", kExample));
}

TEST(RetryAfter, EveryHttpDateFormIsTheWaitFromNow) {
  const auto now = kExample - seconds(90);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), seconds(90));   // IMF-fixdate
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now), seconds(90));  // RFC 850
  EXPECT_EQ(parse_retry_after("Sun Nov  6 08:49:37 1994", now), seconds(90));        // asctime
}

TEST(RetryAfter, APastDateIsNoWaitAndGarbageIsNothing) {
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", kExample + seconds(3600)), seconds(0));
  EXPECT_FALSE(parse_retry_after("", kExample));
  EXPECT_FALSE(parse_retry_after("tomorrow", kExample));
  EXPECT_FALSE(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT trailing", kExample));
  EXPECT_FALSE(parse_retry_after("Sun, 32 Nov 1994 08:49:37 GMT", kExample));
  EXPECT_FALSE(parse_retry_after(std::string(200, 'x'), kExample));
}

TEST(RetryAfter, AFarFutureDateIsCappedAtAYear) {
  // Found by the fuzz target: year 9999 overflowed the clock's nanoseconds.
  EXPECT_EQ(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", kExample), seconds(365LL * 24 * 3600));
}

}  // namespace
