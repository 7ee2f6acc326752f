#include "retry/retry.hpp"

#include <algorithm>

namespace ffleet::controller::retry {

std::int64_t backoff_ms(const Policy& p, std::int64_t retry_number) {
  std::int64_t d = p.base_ms;
  for (std::int64_t i = 1; i < retry_number && d < p.cap_ms; ++i) d *= 2;
  return std::min(d, p.cap_ms);
}

bool host_related(const std::string& reason) {
  return reason == "spawn_failed" || reason == "refused" || reason == "lost_by_agent" || reason == "host_lost";
}

Decision decide(const Policy& p, std::int64_t retries_before, const Ending& e) {
  Decision d;
  // A user's stop is final whatever ffmpeg's exit code on SIGTERM (often 255).
  if (e.user_stop) {
    d.kind = Decision::Kind::kStopped;
    return d;
  }
  if (e.reason == "exited" && e.exit_code == 0) {
    d.kind = Decision::Kind::kCompleted;
    return d;
  }
  const std::int64_t before = e.ran_ms >= p.stable_ms ? 0 : retries_before;
  d.retries = before + 1;
  if (d.retries > p.max_retries) {
    d.kind = Decision::Kind::kFailed;
    d.retries = 0;  // nothing is kept for a stream that has given up
    return d;
  }
  d.kind = Decision::Kind::kRetry;
  d.delay_ms = backoff_ms(p, d.retries);
  d.avoid_host = host_related(e.reason);
  return d;
}

}  // namespace ffleet::controller::retry
