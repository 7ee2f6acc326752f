#include "schedule/schedule.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "ffleet/common/timeparse.hpp"

namespace ffleet::controller::schedule {
namespace {

// Schedules repeat in the controller's local zone; tests pin one with DST.
class InBerlin : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tz = std::getenv("TZ");
    saved_ = tz ? tz : "";
    had_ = tz != nullptr;
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
  }
  void TearDown() override {
    if (had_) setenv("TZ", saved_.c_str(), 1);
    else unsetenv("TZ");
    tzset();
  }
  static std::int64_t t(const char* iso) { return *timeparse::time_ms(iso, 0); }
  std::string saved_;
  bool had_ = false;
};

TEST_F(InBerlin, DailyKeepsTheWallClockAcrossDst) {
  auto daily = *parse_repeat("daily");
  // 18:00 Berlin on Saturday 2026-03-28 (UTC+1); DST starts the next night.
  const auto first = t("2026-03-28T18:00:00+01:00");
  EXPECT_EQ(next_occurrence(first, daily, first), t("2026-03-29T18:00:00+02:00"));
  // And back in October.
  const auto oct = t("2026-10-24T18:00:00+02:00");
  EXPECT_EQ(next_occurrence(oct, daily, oct), t("2026-10-25T18:00:00+01:00"));
}

TEST_F(InBerlin, FirstOccurrenceIsItselfWhenAhead) {
  const auto first = t("2026-11-24T18:00:00+01:00");
  EXPECT_EQ(next_occurrence(first, *parse_repeat("daily"), first - 1), first);
}

TEST_F(InBerlin, WeeklyPicksTheNextListedDay) {
  auto mwf = *parse_repeat("weekly:mon,wed,fri");
  const auto tue = t("2026-11-24T18:00:00+01:00");  // a Tuesday
  EXPECT_EQ(next_occurrence(tue, mwf, tue - 1), t("2026-11-25T18:00:00+01:00"));  // not Tuesday itself
  EXPECT_EQ(next_occurrence(tue, mwf, t("2026-11-25T18:00:00+01:00")), t("2026-11-27T18:00:00+01:00"));
  EXPECT_EQ(next_occurrence(tue, mwf, t("2026-11-27T18:00:00+01:00")), t("2026-11-30T18:00:00+01:00"));
  // Long after the first start (a restart after weeks): still the right day.
  EXPECT_EQ(next_occurrence(tue, mwf, t("2027-01-05T19:00:00+01:00")), t("2027-01-06T18:00:00+01:00"));
}

TEST_F(InBerlin, MissedStartsAreSkippedToTheNextOccurrence) {
  const auto first = t("2026-11-01T06:00:00+01:00");
  const auto now = t("2026-11-24T12:00:00+01:00");
  EXPECT_EQ(next_occurrence(first, *parse_repeat("daily"), now), t("2026-11-25T06:00:00+01:00"));
}

TEST(Repeat, Parsing) {
  EXPECT_EQ(parse_repeat("").value().kind, Repeat::Kind::kNone);
  EXPECT_EQ(next_occurrence(1000, Repeat{}, 0), 0);
  auto w = parse_repeat("weekly:sun,sat");
  ASSERT_TRUE(w.is_ok());
  EXPECT_TRUE(w->days[0] && w->days[6] && !w->days[1]);
  EXPECT_FALSE(parse_repeat("hourly").is_ok());
  EXPECT_NE(parse_repeat("weekly:funday").error().find("funday"), std::string::npos);
  EXPECT_FALSE(parse_repeat("weekly:").is_ok());
}

TEST(Occurrence, LengthAndEnd) {
  proto::StreamSpec s;
  EXPECT_EQ(occurrence_end(s, 1000), 0);
  s.duration_ms = 500;
  EXPECT_EQ(occurrence_end(s, 1000), 1500);
  s.duration_ms = 0;
  s.start_at_ms = 1000;
  s.end_at_ms = 4000;
  EXPECT_EQ(occurrence_length(s), 3000);
  EXPECT_EQ(occurrence_end(s, 10000), 13000);  // a repeat keeps the length
  s.start_at_ms = 0;
  EXPECT_EQ(occurrence_end(s, 10000), 4000);   // a one-shot end time
}

TEST(Validate, Rules) {
  proto::StreamSpec s;
  EXPECT_TRUE(validate(s, 0).is_ok());
  s.repeat = "daily";
  EXPECT_NE(validate(s, 0).message().find("needs --start-at"), std::string::npos);
  s.start_at_ms = 1000;
  s.end_at_ms = 500;
  EXPECT_NE(validate(s, 0).message().find("after --start-at"), std::string::npos);
  s = {};
  s.end_at_ms = 5;
  EXPECT_NE(validate(s, 10).message().find("past"), std::string::npos);
  s = {};
  s.start_at_ms = 1;
  s.repeat = "daily";
  s.duration_ms = 86'400'000;
  EXPECT_FALSE(validate(s, 0).is_ok());
}

}  // namespace
}  // namespace ffleet::controller::schedule
