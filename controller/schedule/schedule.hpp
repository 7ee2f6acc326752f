// Schedule arithmetic, pure: repeat rules and their occurrences in the local
// time zone of the controller (TZ), so "daily at 18:00" stays at 18:00 on the
// wall clock across daylight-saving changes. Times are ms since the epoch (UTC).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "ffleet/common/status.hpp"
#include "ffleet/schema/protocol.hpp"

namespace ffleet::controller::schedule {

struct Repeat {
  enum class Kind { kNone, kDaily, kWeekly } kind = Kind::kNone;
  std::array<bool, 7> days{};  // weekly: 0 = Sunday ... 6 = Saturday
};

// "" (none), "daily", "weekly:mon,wed,fri".
Result<Repeat> parse_repeat(const std::string& text);

// The first occurrence strictly after `after_ms`, at the local wall time of
// `first_ms`; 0 if the rule does not repeat.
std::int64_t next_occurrence(std::int64_t first_ms, const Repeat& r, std::int64_t after_ms);

// How long each occurrence runs (0: until stopped or until ffmpeg exits):
// --duration, or --end-at minus --start-at.
std::int64_t occurrence_length(const proto::StreamSpec& spec);

// The end of an occurrence that starts at `start_ms` (0: none). A one-shot
// --end-at without --start-at ends at that time.
std::int64_t occurrence_end(const proto::StreamSpec& spec, std::int64_t start_ms);

// How far back a one-off --start-at may lie and still mean "now": the CLI
// and the controller may be on hosts whose clocks differ by seconds, and a
// person who types 18:00 at 18:00:20 wants it started, not refused. Further
// back it is a mistake (a wrong day or year) and refused.
inline constexpr std::int64_t kPastStartToleranceMs = 60'000;

// How far ahead a time may lie: a year and a day, so next year's date of an
// event can be booked, yet a mistyped year (2062 for 2026) is refused.
inline constexpr std::int64_t kMaxAheadMs = 366LL * 86'400'000;

// Checks the schedule fields of a definition (--start-at, --end-at,
// --duration, --repeat), given the time it was added or rescheduled: one line
// naming the first field at fault, or ok. A repeating rule whose first start
// has passed is fine: it means its next occurrence (first_start).
Status validate(const proto::StreamSpec& spec, std::int64_t now_ms);

// When a valid definition first becomes due, 0 if it has no --start-at:
// --start-at itself when it is ahead, or passed by no more than
// kPastStartToleranceMs (due at once); for a repeating rule whose first start
// lies further back, its next occurrence after now. A weekly rule never
// starts on a day it does not list, the first time included.
std::int64_t first_start(const proto::StreamSpec& spec, std::int64_t now_ms);

}  // namespace ffleet::controller::schedule
