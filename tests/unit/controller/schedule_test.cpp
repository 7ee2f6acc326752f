#include "schedule/schedule.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <functional>
#include <vector>

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

// Careless schedules, one row each: refused with one line naming the field.
// `now` is fixed; times are relative to it.
TEST(Validate, CarelessSchedulesAreRefusedWithOneLineNamingTheField) {
  const std::int64_t now = *timeparse::time_ms("2026-11-24T12:00:00Z", 0);
  constexpr std::int64_t kMin = 60'000, kHour = 3'600'000, kDay = 86'400'000;
  struct Row {
    const char* what;
    std::function<void(proto::StreamSpec&)> change;
    std::vector<std::string> mentions;
  };
  const std::vector<Row> rows = {
      {"one-off start long past", [&](auto& s) { s.start_at_ms = now - 2 * kMin; },
       {"--start-at 2026-11-24T11:58:00Z", "past", "now 2026-11-24T12:00:00Z"}},
      {"one-off start in 2001", [&](auto& s) { s.start_at_ms = *timeparse::time_ms("2001-01-01T00:00:00Z", 0); },
       {"--start-at 2001-01-01T00:00:00Z", "past"}},
      {"start with a mistyped year", [&](auto& s) { s.start_at_ms = *timeparse::time_ms("2062-11-24T18:00:00Z", 0); },
       {"--start-at", "366 days ahead"}},
      {"end before start",
       [&](auto& s) {
         s.start_at_ms = now + kHour;
         s.end_at_ms = now + kMin;
       },
       {"--end-at", "after --start-at"}},
      {"end equal to start",
       [&](auto& s) {
         s.start_at_ms = now + kHour;
         s.end_at_ms = now + kHour;
       },
       {"--end-at", "after --start-at"}},
      {"end in the past", [&](auto& s) { s.end_at_ms = now - kMin; }, {"--end-at", "past"}},
      {"end now", [&](auto& s) { s.end_at_ms = now; }, {"--end-at", "past"}},
      {"end a year after start",
       [&](auto& s) {
         s.start_at_ms = now + kHour;
         s.end_at_ms = now + kHour + 400 * kDay;
       },
       {"--end-at", "366 days after --start-at"}},
      {"negative duration", [&](auto& s) { s.duration_ms = -1000; }, {"--duration", "more than 0"}},
      {"duration of ten years", [&](auto& s) { s.duration_ms = 3650 * kDay; }, {"--duration", "366 days"}},
      {"end and duration both",
       [&](auto& s) {
         s.end_at_ms = now + kHour;
         s.duration_ms = kMin;
       },
       {"--end-at", "--duration", "not both"}},
      {"negative start", [&](auto& s) { s.start_at_ms = -5; }, {"--start-at"}},
      {"negative end", [&](auto& s) { s.end_at_ms = -5; }, {"--end-at"}},
      {"repeat hourly",
       [&](auto& s) {
         s.start_at_ms = now + kHour;
         s.repeat = "hourly";
       },
       {"--repeat", "'hourly'", "daily or weekly:"}},
      {"repeat weekly: without days",
       [&](auto& s) {
         s.start_at_ms = now + kHour;
         s.repeat = "weekly:";
       },
       {"--repeat", "at least one day"}},
      {"repeat with a capitalised day",
       [&](auto& s) {
         s.start_at_ms = now + kHour;
         s.repeat = "weekly:Mon";
       },
       {"--repeat", "'Mon'", "mon, tue"}},
      {"repeat with a space", [&](auto& s) {
         s.start_at_ms = now + kHour;
         s.repeat = "weekly:mon, wed";
       }, {"--repeat", "' wed'"}},
      {"repeat with control bytes",
       [&](auto& s) {
         s.start_at_ms = now + kHour;
         s.repeat = "daily\x1b[2J\xff";
       },
       {"--repeat", "\\x1b", "\\xff"}},
      {"repeat without start", [&](auto& s) { s.repeat = "daily"; }, {"--repeat needs --start-at"}},
      {"repeat occurrence of a day",
       [&](auto& s) {
         s.start_at_ms = now + kHour;
         s.repeat = "daily";
         s.duration_ms = kDay;
       },
       {"repeating occurrence", "shorter than a day", "--duration"}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.what);
    proto::StreamSpec s;
    row.change(s);
    const Status st = validate(s, now);
    ASSERT_FALSE(st.is_ok());
    EXPECT_EQ(st.message().find('\n'), std::string::npos) << st.message();
    EXPECT_EQ(st.message().find('\x1b'), std::string::npos) << st.message();
    for (const auto& needle : row.mentions)
      EXPECT_NE(st.message().find(needle), std::string::npos) << needle << " in: " << st.message();
  }
}

TEST(Validate, SchedulesMeantWellAreAccepted) {
  const std::int64_t now = *timeparse::time_ms("2026-11-24T12:00:00Z", 0);
  constexpr std::int64_t kMin = 60'000, kHour = 3'600'000, kDay = 86'400'000;
  const std::vector<std::pair<const char*, std::function<void(proto::StreamSpec&)>>> rows = {
      {"nothing", [](auto&) {}},
      {"start within the tolerance (clock skew, typed late)", [&](auto& s) { s.start_at_ms = now - 59'000; }},
      {"start ahead with a duration",
       [&](auto& s) {
         s.start_at_ms = now + kHour;
         s.duration_ms = 90 * kMin;
       }},
      {"end only", [&](auto& s) { s.end_at_ms = now + kHour; }},
      {"a repeating rule whose first start has passed",
       [&](auto& s) {
         s.start_at_ms = now - 30 * kDay;
         s.end_at_ms = now - 30 * kDay + kHour;  // only the length counts
         s.repeat = "weekly:mon,wed,fri";
       }},
      {"a booking for next year", [&](auto& s) { s.start_at_ms = now + 300 * kDay; }},
  };
  for (const auto& [what, change] : rows) {
    SCOPED_TRACE(what);
    proto::StreamSpec s;
    change(s);
    const Status st = validate(s, now);
    EXPECT_TRUE(st.is_ok()) << st.message();
  }
}

TEST_F(InBerlin, FirstStartIsTheNextOccurrenceWhenTheFirstHasPassed) {
  const auto now = t("2026-11-24T12:00:00+01:00");  // a Tuesday
  proto::StreamSpec s;
  EXPECT_EQ(first_start(s, now), 0);
  // One-off: the time itself, even a few seconds back (due at once).
  s.start_at_ms = now - 30'000;
  EXPECT_EQ(first_start(s, now), now - 30'000);
  // Daily, first start a month back: tomorrow's, never one late today.
  s.start_at_ms = t("2026-10-20T06:00:00+02:00");
  s.repeat = "daily";
  EXPECT_EQ(first_start(s, now), t("2026-11-25T06:00:00+01:00"));
  // Daily, first start later today: itself.
  s.start_at_ms = t("2026-11-24T18:00:00+01:00");
  EXPECT_EQ(first_start(s, now), s.start_at_ms);
  // Weekly, first start on a day it does not list: the next listed day.
  s.repeat = "weekly:wed";
  EXPECT_EQ(first_start(s, now), t("2026-11-25T18:00:00+01:00"));
  // Within the tolerance on a listed day: due at once.
  s.repeat = "weekly:tue";
  s.start_at_ms = now - 10'000;
  EXPECT_EQ(first_start(s, now), now - 10'000);
}

}  // namespace
}  // namespace ffleet::controller::schedule
