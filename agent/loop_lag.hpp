// How late the agent's event loop runs: how long after its planned wake-up
// a poll returned, and how long one turn took. Either delays heartbeats, and
// the controller calls an agent lost after a few silent seconds, so a lag is
// worth a warning long before that. Not thread-safe: loop thread only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>

namespace ffleet::agent {

class LoopLag {
 public:
  // A quarter of the controller's default lost-after (4 s): late enough to
  // matter, early enough to see before the agent is lost.
  static constexpr std::int64_t kWarnMs = 1000;
  // At most one warning per this long, so a slow host does not flood the log.
  static constexpr std::int64_t kWarnEveryMs = 10000;

  // Notes a lag of `lag_ms` (0 or less: none) seen at `now_ms`. Returns true
  // when it should be logged as a warning now.
  bool note(std::int64_t lag_ms, std::int64_t now_ms) {
    worst_ = std::max(worst_, lag_ms);
    if (lag_ms <= kWarnMs || (last_warn_ms_ >= 0 && now_ms - last_warn_ms_ < kWarnEveryMs)) {
      if (lag_ms > kWarnMs) ++suppressed_;
      return false;
    }
    last_warn_ms_ = now_ms;
    return true;
  }
  // Warnings held back since the last one logged; resets the count.
  std::int64_t take_suppressed() { return std::exchange(suppressed_, 0); }
  // The worst lag since the last call (0 if none); resets it.
  std::int64_t take_worst() { return std::exchange(worst_, 0); }

 private:
  std::int64_t worst_ = 0;
  std::int64_t last_warn_ms_ = -1;
  std::int64_t suppressed_ = 0;
};

}  // namespace ffleet::agent
