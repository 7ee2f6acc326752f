// Retry policy, pure: whether a run that ended is retried, and when.
//
// Defaults: the first retry after 2 s (a crash from a transient network error
// usually clears that fast), doubling to a cap of 60 s (a dead ingest is not
// hammered), at most 5 retries in a row; a run that stayed up for 60 s was
// healthy, so its failure starts the count again.
#pragma once

#include <cstdint>
#include <string>

namespace ffleet::controller::retry {

struct Policy {
  std::int64_t base_ms = 2000;
  std::int64_t cap_ms = 60000;
  std::int64_t max_retries = 5;
  std::int64_t stable_ms = 60000;
};

// How a run ended, as far as the retry decision needs to know.
struct Ending {
  std::string reason;  // exited, stopped, force_killed, spawn_failed, refused, stalled, lost_by_agent, ...
  std::int64_t exit_code = -1;
  std::int64_t signal = 0;
  std::int64_t ran_ms = 0;     // how long the run was up (0 if it never started)
  bool user_stop = false;      // the stream's desired state is stopped
};

struct Decision {
  enum class Kind { kStopped, kCompleted, kRetry, kFailed } kind = Kind::kFailed;
  std::int64_t retries = 0;   // consecutive failures after this one
  std::int64_t delay_ms = 0;  // for kRetry
  bool avoid_host = false;    // prefer another agent next time
};

std::int64_t backoff_ms(const Policy& p, std::int64_t retry_number);  // 1-based
bool host_related(const std::string& reason);
Decision decide(const Policy& p, std::int64_t retries_before, const Ending& e);

}  // namespace ffleet::controller::retry
