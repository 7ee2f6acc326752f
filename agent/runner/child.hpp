// A short-lived helper process that the agent's event loop watches without
// waiting for it (ffprobe, an encoder test): its own process group, stdin
// from /dev/null, stdout and stderr into a scratch file, and a deadline at
// which the whole group is killed (a wrapper killed alone would leave its
// child running under PID 1).
//
// Owns the process and the scratch file. Destroying it kills the group and
// removes the file; a process that is not dead yet is handed over to
// reap_abandoned(). Not thread-safe: used only from the agent's event loop
// (or before it starts).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ffleet/common/status.hpp"

namespace ffleet::agent::runner {

class WatchedChild {
 public:
  // Starts `exe args...` (never through a shell). `deadline_ms` is on the
  // steady clock. An error if the scratch file or the exec fails.
  static Result<std::unique_ptr<WatchedChild>> start(const std::string& exe, const std::vector<std::string>& args,
                                                     std::string out_path, std::int64_t deadline_ms);
  ~WatchedChild();
  WatchedChild(const WatchedChild&) = delete;
  WatchedChild& operator=(const WatchedChild&) = delete;

  // Non-blocking: notices an exit (and kills what is left of the group), or
  // kills the group once the deadline has passed. True once finished.
  bool poll(std::int64_t now_ms);
  bool finished() const { return state_ != State::kRunning; }
  bool timed_out() const { return state_ == State::kTimedOut; }
  // The exit status; -1 if it was killed by a signal or at the deadline.
  int exit_code() const { return exit_code_; }
  // What the child wrote to stdout and stderr, at most `max_bytes`.
  std::string output(std::size_t max_bytes = 1 << 20) const;
  std::int64_t deadline() const { return deadline_ms_; }
  pid_t pid() const { return pid_; }
  bool reaped() const { return reaped_; }

 private:
  enum class State { kRunning, kExited, kTimedOut };
  WatchedChild() = default;
  void try_reap();

  pid_t pid_ = -1;
  std::string out_path_;
  std::int64_t deadline_ms_ = 0;
  State state_ = State::kRunning;
  int exit_code_ = -1;
  bool reaped_ = false;
};

// Reaps killed children whose WatchedChild is gone (a process killed at its
// deadline dies a moment later; one stuck in the kernel, only when its call
// returns). The loop calls it every turn. Returns how many are still waited for.
std::size_t reap_abandoned();

}  // namespace ffleet::agent::runner
