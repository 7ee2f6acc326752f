// Parser for ffmpeg's -progress output: key=value lines in blocks that end
// with progress=continue or progress=end. Fed raw bytes as they arrive from
// the pipe; keeps at most one partial line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ffleet::agent::ffmpeg {

struct Progress {
  std::int64_t frame = 0;
  double fps = 0;
  double bitrate_kbps = 0;
  std::int64_t total_size = 0;
  std::int64_t out_time_ms = 0;
  std::int64_t dup_frames = 0;
  std::int64_t drop_frames = 0;
  double speed = 0;  // 0 while ffmpeg still says N/A
  bool ended = false;
};

class ProgressParser {
 public:
  // Returns the number of complete blocks seen in this chunk; latest() holds
  // the last complete one.
  int feed(std::string_view bytes);
  const Progress& latest() const { return latest_; }
  std::int64_t blocks() const { return blocks_; }

 private:
  void line(std::string_view l);
  std::string partial_;
  Progress building_;
  Progress latest_;
  std::int64_t blocks_ = 0;
  int completed_in_feed_ = 0;
};

}  // namespace ffleet::agent::ffmpeg
