// The media duration of a batch run's input, for its progress and ETA
// (ffmpeg/batch_progress.hpp). Runs beside the run's ffmpeg, never before
// it: a run does not wait for its duration. Local files are probed one after
// the other by ffprobe (WatchedChild with a deadline, so the loop never
// waits); a lavfi source's duration is read from its graph.
//
// Owns at most one ffprobe child and its scratch file at a time (named
// .probe-duration-*, so the agent's start-up removes one a crash left).
// Not thread-safe: loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ffleet/schema/protocol.hpp"
#include "runner/child.hpp"

namespace ffleet::agent::runner {

class DurationProbe {
 public:
  // As ModeProbe: ffprobe reads a container header in ~0.1 s; 3 s covers a
  // cold disk. An input not answered by then has an unknown duration.
  static constexpr std::int64_t kDeadlineMs = 3000;
  // A playlist longer than this is not probed (its progress stays unknown):
  // one probe after another would keep ffprobe busy for minutes.
  static constexpr std::size_t kMaxInputs = 64;

  DurationProbe(const proto::StartRun& cmd, const std::string& ffprobe, const std::string& work_dir,
                std::int64_t now_ms);

  // Non-blocking; true once the total is known or known to be unknown.
  bool poll(std::int64_t now_ms);
  bool done() const { return done_; }
  // The media time the run will write (ms), -1 if unknown. Valid once done().
  std::int64_t total_ms() const { return total_ms_; }
  std::int64_t next_deadline() const { return child_ ? child_->deadline() : -1; }

 private:
  void next(std::int64_t now_ms);
  void finish();

  proto::StreamSpec spec_;
  std::string ffprobe_, scratch_;
  std::vector<std::string> pending_;  // inputs still to probe, in order
  std::vector<std::optional<std::int64_t>> found_;
  std::unique_ptr<WatchedChild> child_;
  bool done_ = false;
  std::int64_t total_ms_ = -1;
};

}  // namespace ffleet::agent::runner
