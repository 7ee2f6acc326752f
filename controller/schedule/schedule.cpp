#include "schedule/schedule.hpp"

#include <ctime>
#include <sstream>

#include "ffleet/common/text.hpp"
#include "ffleet/common/timeparse.hpp"

namespace ffleet::controller::schedule {
namespace {

constexpr std::int64_t kDayMs = 86'400'000;

// What the user gave, as a refusal may quote it: escaped and short.
std::string as_given(const std::string& bytes) {
  constexpr std::size_t kMaxQuoted = 120;
  std::string shown = text::for_people(bytes);
  if (shown.size() > kMaxQuoted) shown = text::truncate_utf8(std::move(shown), kMaxQuoted) + "\xE2\x80\xA6";
  return "'" + shown + "'";
}

std::string at(std::int64_t ms) { return timeparse::iso_utc(ms); }

int weekday_index(const std::string& d) {
  static const char* kNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  for (int i = 0; i < 7; ++i)
    if (d == kNames[i]) return i;
  return -1;
}

// Local wall time of `ms` moved by `days` calendar days, resolved by mktime so
// a DST change in between keeps the wall-clock time.
std::int64_t shift_days_local(std::int64_t ms, int days, int* weekday) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  tm.tm_mday += days;
  tm.tm_isdst = -1;
  const std::time_t out = std::mktime(&tm);
  if (weekday) *weekday = tm.tm_wday;
  return static_cast<std::int64_t>(out) * 1000 + ms % 1000;
}

}  // namespace

Result<Repeat> parse_repeat(const std::string& text) {
  Repeat r;
  if (text.empty()) return r;
  if (text == "daily") {
    r.kind = Repeat::Kind::kDaily;
    return r;
  }
  const std::string prefix = "weekly:";
  if (text.rfind(prefix, 0) != 0)
    return Result<Repeat>::failure("bad --repeat " + as_given(text) + ": daily or weekly:mon,wed,...");
  r.kind = Repeat::Kind::kWeekly;
  std::istringstream in(text.substr(prefix.size()));
  std::string day;
  bool any = false;
  while (std::getline(in, day, ',')) {
    const int i = weekday_index(day);
    if (i < 0)
      return Result<Repeat>::failure("bad day " + as_given(day) + " in --repeat " + as_given(text) +
                                     ": mon, tue, wed, thu, fri, sat or sun, e.g. weekly:mon,wed");
    r.days[static_cast<std::size_t>(i)] = true;
    any = true;
  }
  if (!any)
    return Result<Repeat>::failure("bad --repeat " + as_given(text) + ": name at least one day, e.g. weekly:mon,wed");
  return r;
}

std::int64_t next_occurrence(std::int64_t first_ms, const Repeat& r, std::int64_t after_ms) {
  if (r.kind == Repeat::Kind::kNone) return 0;
  if (first_ms > after_ms) {
    // The first occurrence itself, if it falls on an allowed day.
    int wd = 0;
    shift_days_local(first_ms, 0, &wd);
    if (r.kind == Repeat::Kind::kDaily || r.days[static_cast<std::size_t>(wd)]) return first_ms;
  }
  // Jump near `after` in whole days, then walk forward day by day (at most
  // a week plus the DST slack) to the first allowed day after it.
  int from_day = 0;
  if (after_ms > first_ms) from_day = static_cast<int>((after_ms - first_ms) / kDayMs) - 1;
  if (from_day < 0) from_day = 0;
  for (int d = from_day; d < from_day + 10; ++d) {
    int wd = 0;
    const std::int64_t t = shift_days_local(first_ms, d, &wd);
    if (t <= after_ms) continue;
    if (r.kind == Repeat::Kind::kDaily || r.days[static_cast<std::size_t>(wd)]) return t;
  }
  return 0;  // unreachable for a valid rule
}

std::int64_t occurrence_length(const proto::StreamSpec& spec) {
  if (spec.duration_ms > 0) return spec.duration_ms;
  if (spec.end_at_ms > 0 && spec.start_at_ms > 0) return spec.end_at_ms - spec.start_at_ms;
  return 0;
}

std::int64_t occurrence_end(const proto::StreamSpec& spec, std::int64_t start_ms) {
  if (const auto len = occurrence_length(spec); len > 0) return start_ms + len;
  return spec.end_at_ms;  // one-shot end time, or 0
}

Status validate(const proto::StreamSpec& s, std::int64_t now_ms) {
  auto rep = parse_repeat(s.repeat);
  if (!rep) return rep.status();
  const bool repeats = rep->kind != Repeat::Kind::kNone;
  if (s.end_at_ms != 0 && s.duration_ms != 0) return Status::error("give --end-at or --duration, not both");
  if (s.duration_ms < 0) return Status::error("bad --duration: must be more than 0");
  if (s.start_at_ms < 0) return Status::error("bad --start-at: a time before 1970");
  if (s.end_at_ms < 0) return Status::error("bad --end-at: a time before 1970");
  if (s.duration_ms > kMaxAheadMs)
    return Status::error("bad --duration " + std::to_string(s.duration_ms / 1000) +
                         "s: at most 366 days; leave it out to run until stopped");
  if (repeats && s.start_at_ms == 0) return Status::error("--repeat needs --start-at (the time of day it repeats at)");
  if (s.start_at_ms > 0) {
    // A repeating rule whose first start has passed means its next occurrence.
    if (!repeats && s.start_at_ms < now_ms - kPastStartToleranceMs)
      return Status::error("--start-at " + at(s.start_at_ms) + " is in the past (now " + at(now_ms) +
                           "); give a time ahead, or +0s for now");
    if (s.start_at_ms > now_ms + kMaxAheadMs)
      return Status::error("--start-at " + at(s.start_at_ms) + " is more than 366 days ahead; check the year");
  }
  if (s.end_at_ms > 0) {
    if (s.start_at_ms > 0 && s.end_at_ms <= s.start_at_ms)
      return Status::error("--end-at " + at(s.end_at_ms) + " must be after --start-at " + at(s.start_at_ms));
    // A repeating rule takes only the time of day (the length) from --end-at.
    if (!repeats && s.end_at_ms <= now_ms)
      return Status::error("--end-at " + at(s.end_at_ms) + " is in the past (now " + at(now_ms) + ")");
    const std::int64_t from = s.start_at_ms > 0 ? s.start_at_ms : now_ms;
    if (!repeats && s.end_at_ms > from + kMaxAheadMs)
      return Status::error("--end-at " + at(s.end_at_ms) + " is more than 366 days after " +
                           (s.start_at_ms > 0 ? "--start-at" : "now") + "; check the year");
  }
  if (repeats && occurrence_length(s) >= kDayMs)
    return Status::error("a repeating occurrence must be shorter than a day: --duration, or --end-at minus "
                         "--start-at, is " + std::to_string(occurrence_length(s) / 1000) + "s");
  return Status::ok();
}

std::int64_t first_start(const proto::StreamSpec& s, std::int64_t now_ms) {
  if (s.start_at_ms <= 0) return 0;
  auto rep = parse_repeat(s.repeat);
  if (!rep || rep->kind == Repeat::Kind::kNone) return s.start_at_ms;
  // Within the tolerance the first start still counts (due at once), if its
  // day is listed; further back, the next occurrence after now.
  const std::int64_t after = s.start_at_ms >= now_ms - kPastStartToleranceMs ? s.start_at_ms - 1 : now_ms;
  return next_occurrence(s.start_at_ms, *rep, after);
}

}  // namespace ffleet::controller::schedule
