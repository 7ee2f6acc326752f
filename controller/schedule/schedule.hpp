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

// Checks the schedule fields of a definition, given the time it was added.
Status validate(const proto::StreamSpec& spec, std::int64_t now_ms);

}  // namespace ffleet::controller::schedule
