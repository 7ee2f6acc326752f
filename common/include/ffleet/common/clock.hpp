// Time sources. Deadlines use the monotonic clock; what is stored or shown
// uses wall time in milliseconds since the Unix epoch (UTC).
#pragma once

#include <chrono>
#include <cstdint>

namespace ffleet::clock {

inline std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

inline std::int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace ffleet::clock
