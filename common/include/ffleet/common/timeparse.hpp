// Parsing and printing of the CLI's TIME and DUR arguments.
//   TIME: ISO 8601 with Z or an offset (2026-11-24T18:00:00Z,
//         2026-11-24T19:00:00+01:00) or relative to now (+90s, +2h, +1h30m).
//   DUR:  90s, 15m, 2h, 1h30m, 500ms.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ffleet/common/status.hpp"

namespace ffleet::timeparse {

// The longest duration accepted (36,500 days, about a century): what a
// schedule can mean, and far from where "+DUR" plus a clock could overflow.
inline constexpr std::int64_t kMaxDurationMs = 36'500LL * 86'400'000;

// "90s", "15m", "2h", "1h30m", "500ms", "7d": parts added up.
Result<std::int64_t> duration_ms(std::string_view text);

// `now_ms` anchors relative times; returns milliseconds since the epoch (UTC).
Result<std::int64_t> time_ms(std::string_view text, std::int64_t now_ms);

// ISO 8601 in UTC with milliseconds dropped, e.g. 2026-11-24T18:00:00Z.
std::string iso_utc(std::int64_t ms);

// ISO 8601 in the local time zone with its offset, e.g. 2026-11-24T19:00:00+01:00.
std::string iso_local(std::int64_t ms);

}  // namespace ffleet::timeparse
