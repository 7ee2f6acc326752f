#include "ffleet/common/timeparse.hpp"

#include <gtest/gtest.h>

namespace ffleet::timeparse {
namespace {

TEST(Duration, Forms) {
  EXPECT_EQ(*duration_ms("90s"), 90'000);
  EXPECT_EQ(*duration_ms("15m"), 900'000);
  EXPECT_EQ(*duration_ms("2h"), 7'200'000);
  EXPECT_EQ(*duration_ms("1h30m"), 5'400'000);
  EXPECT_EQ(*duration_ms("500ms"), 500);
  for (const char* bad : {"", "10", "1x", "-5s", "s", "1h 30m"}) EXPECT_FALSE(duration_ms(bad).is_ok()) << bad;
  EXPECT_NE(duration_ms("10").error().find("expected e.g. 90s"), std::string::npos);
}

TEST(Time, IsoWithZoneAndOffset) {
  EXPECT_EQ(*time_ms("2026-11-24T18:00:00Z", 0), 1'795'543'200'000);
  EXPECT_EQ(*time_ms("2026-11-24T19:00:00+01:00", 0), 1'795'543'200'000);
  EXPECT_EQ(*time_ms("2026-11-24T12:30:00-05:30", 0), 1'795'543'200'000);
  EXPECT_EQ(*time_ms("2026-11-24T18:00:00.250Z", 0), 1'795'543'200'250);
  EXPECT_EQ(*time_ms("2024-02-29T00:00:00Z", 0), 1'709'164'800'000);
}

TEST(Time, Relative) { EXPECT_EQ(*time_ms("+90s", 1000), 91'000); }

TEST(Time, BadTimesSayWhy) {
  EXPECT_NE(time_ms("2026-11-24T18:00:00", 0).error().find("time zone is required"), std::string::npos);
  EXPECT_NE(time_ms("2026-13-01T00:00:00Z", 0).error().find("out of range"), std::string::npos);
  EXPECT_NE(time_ms("2026-02-30T00:00:00Z", 0).error().find("out of range"), std::string::npos);
  EXPECT_NE(time_ms("2026-11-24T18:00:00Zjunk", 0).error().find("trailing"), std::string::npos);
  EXPECT_FALSE(time_ms("tomorrow", 0).is_ok());
  EXPECT_FALSE(time_ms("+soon", 0).is_ok());
}

TEST(Time, IsoUtcPrints) { EXPECT_EQ(iso_utc(1'795'543'200'000), "2026-11-24T18:00:00Z"); }

}  // namespace
}  // namespace ffleet::timeparse
