// --mode auto made concrete for one run before its ffmpeg starts: copy when
// ffprobe shows that the local input fits every output, else transcode.
// ffprobe runs as a WatchedChild with a deadline, so the event loop never
// waits for it; a probe that fails or times out means "transcode".
//
// Owns the ffprobe child and its scratch file (both go with the ModeProbe).
// Not thread-safe: loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "ffleet/schema/protocol.hpp"
#include "runner/child.hpp"

namespace ffleet::agent::runner {

class ModeProbe {
 public:
  // ffprobe reads only the container header of a local file: ~0.1 s, even
  // on a slow VM. Three seconds covers a cold disk or a busy network mount,
  // and a run never waits longer than that to start.
  static constexpr std::int64_t kDeadlineMs = 3000;

  // Starts probing `cmd`'s input, or decides at once when there is nothing
  // to probe (not auto, a lavfi or network input, no ffprobe, a failed start).
  // `now_ms` is steady time.
  ModeProbe(const proto::StartRun& cmd, const std::string& ffprobe, const std::string& work_dir,
            std::int64_t now_ms);

  // Non-blocking; true once decided.
  bool poll(std::int64_t now_ms);
  bool done() const { return !child_; }
  // -1 once decided.
  std::int64_t next_deadline() const { return child_ ? child_->deadline() : -1; }
  // The command as received, and (once done) with mode copy or transcode.
  const proto::StartRun& command() const { return cmd_; }
  proto::StartRun resolved() const;

 private:
  void start(const std::string& ffprobe, const std::string& work_dir, std::int64_t now_ms);
  void decide(bool copy, const std::string& why);

  proto::StartRun cmd_;
  std::unique_ptr<WatchedChild> child_;
  bool copy_ = false;
};

}  // namespace ffleet::agent::runner
