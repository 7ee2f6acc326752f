// Found while writing tests/fuzz/fuzz_timeparse.cpp (its reference parser
// checks for overflow; the code does not).
#include <gtest/gtest.h>

#include <string>

#include "ffleet/common/timeparse.hpp"

namespace ffleet::timeparse {
namespace {

// duration_ms() bounds each number (1e9) but not the sum: 107 parts of
// "1000000000d" (8.64e16 ms each) add past int64, which is undefined
// behaviour (UBSan aborts; a plain build gives a negative duration, so
// `--duration` or `+DUR` of ~1.2 KB of text schedules into the past).
// time_ms("+DUR", now) added `now` unchecked too. A duration is now bounded
// (kMaxDurationMs) and refused past it with its own message.
TEST(TimeparseFuzzRegression, ADurationPastInt64IsRefused) {
  std::string text;
  for (int i = 0; i < 107; ++i) text += "1000000000d";
  auto d = duration_ms(text);
  ASSERT_FALSE(d.is_ok());
  EXPECT_NE(d.error().find("longer than 36500 days"), std::string::npos) << d.error();
  EXPECT_FALSE(time_ms("+" + text, 1764000000000).is_ok());
}

TEST(TimeparseFuzzRegression, TheBoundIsInclusive) {
  EXPECT_EQ(*duration_ms("36500d"), kMaxDurationMs);
  EXPECT_FALSE(duration_ms("36500d1ms").is_ok());
  EXPECT_FALSE(duration_ms("1000000000d").is_ok());
}

}  // namespace
}  // namespace ffleet::timeparse
