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
// time_ms("+DUR", now) adds `now` unchecked too. DISABLED_ until
// common/src/timeparse.cpp refuses such a duration (then drop the KNOWN BUG
// skip in tests/fuzz/fuzz_timeparse.cpp).
TEST(TimeparseFuzzRegression, DISABLED_ADurationPastInt64IsRefused) {
  std::string text;
  for (int i = 0; i < 107; ++i) text += "1000000000d";
  EXPECT_FALSE(duration_ms(text).is_ok());
  EXPECT_FALSE(time_ms("+" + text, 1764000000000).is_ok());
}

}  // namespace
}  // namespace ffleet::timeparse
