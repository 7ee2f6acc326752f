// One ffmpeg execution (a run): the child process in its own process group,
// its stderr tail and -progress pipe, its stop sequence and resource figures.
//
// Owns the child, both pipe read ends and the playlist file; all of them are
// released when the Run is destroyed, which the Runner does on every exit
// path. Not thread-safe: used only from the agent's event loop.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <boost/process/child.hpp>

#include "ffleet/common/status.hpp"
#include "ffleet/schema/protocol.hpp"
#include "ffmpeg/argv.hpp"
#include "ffmpeg/progress.hpp"

namespace ffleet::agent::runner {

struct RunConfig {
  std::string ffmpeg;     // absolute path
  std::string work_dir;   // playlists live here
  std::int64_t force_kill_ms = 5000;
  // A second SIGTERM this long after the first: ffmpeg blocked on a stalled
  // RTMP write needs 4-5 s after one SIGTERM but ~130 ms after a second.
  std::int64_t second_term_ms = 500;
  std::size_t log_lines = 200;
  ffmpeg::HostOffer host;
};

class Run {
 public:
  // Starts ffmpeg. A failure (no encoder, exec failed) is an error value that
  // the caller reports as a run that ended with reason spawn_failed.
  static Result<std::unique_ptr<Run>> spawn(const proto::StartRun& cmd, const RunConfig& cfg, std::int64_t now_ms);
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
  void on_readable(int fd);

  // Non-blocking wait; true once the process has exited (then the pipes are
  // drained and closed).
  bool reap();
  // -1 when nothing is due.
  std::int64_t next_deadline() const;
  void tick(std::int64_t now_ms);

  // Resource sample: cumulative CPU ticks and RSS of the process group.
  void sample(std::int64_t cpu_ticks, std::int64_t rss_bytes, std::int64_t now_ms);

  proto::RunStarted started_report() const;
  proto::RunReport report() const;
  proto::RunExited exit_report(std::int64_t now_ms) const;
  std::vector<std::string> tail(std::size_t n) const;

 private:
  Run() = default;
  void read_fd(int& fd, bool is_stderr);
  void add_stderr_line(std::string line);
  void signal_group(int sig);

  std::int64_t stream_id_ = 0;
  std::int64_t attempt_ = 0;
  std::string name_;
  std::string encoder_;
  std::int64_t started_at_ms_ = 0;
  RunConfig cfg_;
  std::vector<std::string> secrets_;
  std::string playlist_;

  boost::process::child child_;
  int pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string err_partial_;
  std::deque<std::string> err_tail_;
  ffmpeg::ProgressParser progress_;

  std::int64_t stop_requested_at_ = -1;
  std::string stop_reason_;
  bool second_term_sent_ = false;
  bool force_killed_ = false;
  bool exited_ = false;
  int wait_status_ = 0;

  std::int64_t last_cpu_ticks_ = -1;
  std::int64_t last_sample_ms_ = 0;
  double cpu_percent_ = 0;
  std::int64_t rss_bytes_ = 0;
};

}  // namespace ffleet::agent::runner
