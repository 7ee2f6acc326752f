// One ffmpeg execution (a run): the child process in its own process group,
// its stderr tail and -progress pipe, its stop sequence and resource figures.
//
// Owns the child, both pipe read ends, the playlist and the thumbnail; all are
// released when the Run is destroyed, which the Runner does on every exit
// path. Not thread-safe: used only from the agent's event loop.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/process/child.hpp>

#include "ffleet/common/status.hpp"
#include "ffleet/schema/protocol.hpp"
#include "ffmpeg/argv.hpp"
#include "ffmpeg/progress.hpp"
#include "runner/duration_probe.hpp"
#include "runner/log_tail.hpp"

namespace ffleet::agent::runner {

struct RunConfig {
  std::string ffmpeg;     // absolute path
  std::string work_dir;   // playlists live here; resolved (no symlink in it)
  std::int64_t force_kill_ms = 5000;
  // A second SIGTERM this long after the first: ffmpeg blocked on a stalled
  // RTMP write needs 4-5 s after one SIGTERM but ~130 ms after a second.
  std::int64_t second_term_ms = 500;
  std::size_t log_lines = 200;
  ffmpeg::HostOffer host;
  // A run whose progress has not advanced this long is stuck: killed and
  // reported as stalled, so the controller's retry policy restarts it.
  std::int64_t stall_ms = 30000;
  // Resource warnings: logged once per crossing, shown by `stream show`.
  double warn_cpu_percent = 80;
  std::int64_t warn_rss_bytes = 500ll * 1024 * 1024;
  // Hardware sessions per vendor; a run holds one of its encoder's vendor.
  std::map<std::string, int> session_limits;
  // HARDWARE_ENCODER_FALLBACK: a hardware encoder failing at start is replaced
  // by libx264 at once and rests for unhealthy_ms.
  bool fallback = true;
  std::int64_t unhealthy_ms = 10 * 60 * 1000;
  std::string ffprobe;  // "" if none: --mode auto then transcodes
  // A thumbnail every this many seconds for runs that transcode (0: none):
  // ffmpeg/argv.hpp, Thumbnail.
  std::int64_t thumbnail_interval_s = 5;
};

// One line of ffmpeg's stderr as people may read it: the stream's secrets
// masked, then every URL in it (redact::for_error), then valid UTF-8 with
// control characters escaped (ffmpeg prints metadata as it finds it, Latin-1
// and terminal escapes included), capped. Every stderr line passes here
// before it is logged, kept in the tail or sent to the controller.
std::string stderr_line_for_people(const std::string& raw, const std::vector<std::string>& secrets);

// The secrets of a stream's inputs and outputs (redact::secrets_of), each also
// as the tee muxer's slave list escapes it: what to scrub from its lines.
std::vector<std::string> secrets_of_spec(const proto::StreamSpec& spec);

class Run {
 public:
  // Starts ffmpeg. A failure (no encoder, exec failed) is an error value that
  // the caller reports as a run that ended with reason spawn_failed.
  // `now_ms` is wall time for the reports; `steady_ms` anchors the timers.
  static Result<std::unique_ptr<Run>> spawn(const proto::StartRun& cmd, const RunConfig& cfg, std::int64_t now_ms,
                                            std::int64_t steady_ms);
  ~Run();
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  std::int64_t stream_id() const { return stream_id_; }
  std::int64_t attempt() const { return attempt_; }
  int pid() const { return pid_; }
  const std::string& encoder() const { return encoder_; }
  bool stopping() const { return stop_requested_at_ >= 0; }
  bool exited() const { return exited_; }

  // SIGTERM to the group now, a second SIGTERM shortly after, SIGKILL at the
  // force-kill timeout. Repeated calls do not restart the sequence.
  void request_stop(std::int64_t now_ms, const std::string& reason);
  // SIGKILL to the group now (second SIGTERM to the agent during drain).
  void kill_now();

  // Pipe fds to poll; -1 once closed.
  int stdout_fd() const { return out_fd_; }
  int stderr_fd() const { return err_fd_; }
  void on_readable(int fd, std::int64_t now_ms);

  // Non-blocking wait; true once the process has exited (then the pipes are
  // drained and closed).
  bool reap();
  // -1 when nothing is due.
  std::int64_t next_deadline() const;
  void tick(std::int64_t now_ms);

  // Resource sample: cumulative CPU ticks and RSS of the process group.
  void sample(std::int64_t cpu_ticks, std::int64_t rss_bytes, std::int64_t now_ms);
  bool stalled() const { return stalled_; }

  proto::RunStarted started_report() const;
  const proto::StartRun& command() const { return cmd_; }
  bool made_progress() const { return progress_.blocks() > 0; }
  // The report's figures; for a batch run also its progress and ETA, from
  // the input's duration (once the DurationProbe has it) and ffmpeg's
  // out_time and speed. This is where the agent holds the progress figure.
  proto::RunReport report() const;
  // The input's duration is found beside the run (never delaying it).
  void watch_duration(std::unique_ptr<DurationProbe> p) { duration_ = std::move(p); }
  void poll_duration(std::int64_t steady_ms) {
    if (duration_ && duration_->poll(steady_ms)) total_ms_ = duration_->total_ms();
  }
  std::int64_t duration_deadline() const { return duration_ ? duration_->next_deadline() : -1; }
  // The media time this run will write (ms), -1 while unknown.
  std::int64_t total_ms() const { return total_ms_; }
  proto::RunExited exit_report(std::int64_t now_ms) const;
  std::vector<std::string> tail(std::size_t n) const;
  // The thumbnail this run's ffmpeg writes, "" if it writes none (copy mode,
  // thumbnails off).
  const std::string& thumbnail() const { return thumbnail_; }
  // Numbered stderr lines (LogTail), for `stream logs --follow`.
  const LogTail& log() const { return err_tail_; }

 private:
  Run() = default;
  void read_fd(int& fd, bool is_stderr, std::int64_t now_ms);
  void note_progress(std::int64_t now_ms);
  bool behind() const;
  void add_stderr_line(std::string line);
  void signal_group(int sig);

  proto::StartRun cmd_;
  std::int64_t stream_id_ = 0;
  std::int64_t attempt_ = 0;
  std::string name_;
  std::string encoder_;
  std::int64_t started_at_ms_ = 0;
  RunConfig cfg_;
  std::vector<std::string> secrets_;
  std::string playlist_;
  std::string links_;  // the playlist's links to its inputs (a directory)
  std::string thumbnail_;  // removed with the run, like the playlist

  boost::process::child child_;
  int pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string err_partial_;
  LogTail err_tail_;
  ffmpeg::ProgressParser progress_;

  std::int64_t stop_requested_at_ = -1;
  std::string stop_reason_;
  bool second_term_sent_ = false;
  bool force_killed_ = false;
  bool exited_ = false;
  int wait_status_ = 0;

  bool live_ = true;
  bool stalled_ = false;
  std::int64_t last_progress_ms_ = 0;  // steady clock: when progress last advanced
  std::int64_t last_out_time_ms_ = -1;
  std::int64_t last_frame_ = -1;
  bool cpu_high_ = false;
  bool mem_high_ = false;
  bool seen_progress_ = false;

  std::int64_t last_cpu_ticks_ = -1;
  std::int64_t last_sample_ms_ = 0;
  double cpu_percent_ = 0;
  std::int64_t rss_bytes_ = 0;

  std::unique_ptr<DurationProbe> duration_;
  std::int64_t total_ms_ = -1;
};

}  // namespace ffleet::agent::runner
