#include "runner/run.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <algorithm>
#include <cstring>
#include <fstream>
#include <random>

#include <boost/process/args.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/io.hpp>
#include <boost/process/pipe.hpp>
#include <boost/process/start_dir.hpp>

#include "ffleet/common/log.hpp"
#include "ffmpeg/batch_progress.hpp"
#include "ffleet/common/redact.hpp"
#include "ffleet/common/text.hpp"
#include "host/proc_stats.hpp"
#include "runner/confine_host.hpp"
#include "runner/thumbnail.hpp"

namespace bp = boost::process;

namespace ffleet::agent::runner {
namespace {

auto run_log() {
  static auto l = log::get("agent.runner");
  return l;
}

Status write_private_file(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::error("cannot write " + path + ": " + std::strerror(errno));
  const ssize_t n = ::write(fd, text.data(), text.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size())) return Status::error("short write to " + path);
  return Status::ok();
}

}  // namespace

std::string stderr_line_for_people(const std::string& raw, const std::vector<std::string>& secrets) {
  // Short enough that a tail of a few hundred lines stays small on the wire.
  constexpr std::size_t kMaxLine = 1000;
  // The stream's own secrets wherever they show, then any URL ffmpeg prints
  // in another form (an HLS segment, a redirect, the tee muxer's list).
  return text::truncate_utf8(text::for_people(redact::for_error(redact::scrub(raw, secrets))), kMaxLine);
}

std::vector<std::string> secrets_of_spec(const proto::StreamSpec& spec) {
  std::vector<std::string> out;
  auto add = [&](const std::string& u) {
    for (auto& s : redact::secrets_of(u)) {
      // As the tee muxer's slave list escapes it, which ffmpeg prints.
      std::string escaped;
      for (char c : s) {
        if (c == '|' || c == '[' || c == ']' || c == '\\') escaped.push_back('\\');
        escaped.push_back(c);
      }
      if (escaped != s) out.push_back(std::move(escaped));
      out.push_back(std::move(s));
    }
  };
  for (const auto& o : spec.outputs) add(o);
  for (const auto& i : spec.inputs) add(i);
  return out;
}

Result<std::unique_ptr<Run>> Run::spawn(const proto::StartRun& cmd, const RunConfig& cfg, std::int64_t now_ms,
                                        std::int64_t steady_ms) {
  std::unique_ptr<Run> r(new Run());
  r->last_progress_ms_ = steady_ms;
  r->cmd_ = cmd;
  r->stream_id_ = cmd.stream_id;
  r->live_ = !cmd.spec.batch;
  r->attempt_ = cmd.attempt;
  r->name_ = cmd.name;
  r->cfg_ = cfg;
  r->started_at_ms_ = now_ms;
  r->secrets_ = secrets_of_spec(cmd.spec);

  // What ffmpeg may touch, judged here with real paths (confine_host.hpp).
  auto check = check_on_host(cmd.spec, cfg.host.policy, cfg.work_dir, cmd.store_id, cmd.stream_id);
  if (!check) return check.status();
  proto::StreamSpec spec = cmd.spec;
  spec.overwrite = check->replace;
  if (spec.inputs.size() > 1) {
    // The concat demuxer runs with -safe 1, which takes only plain relative
    // names: one link per input, to the path resolved above, in a directory
    // of its own beside the playlist.
    auto inputs = check->inputs;
    if (spec.shuffle) {
      std::mt19937 rng{std::random_device{}()};
      std::shuffle(inputs.begin(), inputs.end(), rng);
    }
    const std::string tag = std::to_string(cmd.stream_id) + "_" + std::to_string(cmd.attempt);
    r->links_ = cfg.work_dir + "/links_" + tag;
    auto names = make_links(r->links_, inputs);
    if (!names) return names.status();
    r->playlist_ = cfg.work_dir + "/playlist_" + tag + ".txt";
    if (Status s = write_private_file(r->playlist_, ffmpeg::concat_list(*names)); !s) return s;
  }
  ffmpeg::Thumbnail thumb;
  if (cfg.thumbnail_interval_s > 0) {
    thumb.path = thumbnail_path(cfg.work_dir, cmd.stream_id, cmd.attempt);
    thumb.interval_s = cfg.thumbnail_interval_s;
    remove_thumbnail(thumb.path);  // a picture of another run is never shown as this one's
  }
  auto plan = ffmpeg::build(spec, cfg.host, "pipe:1", r->playlist_, thumb);
  if (!plan) return plan.status();
  r->encoder_ = plan->encoder;
  r->thumbnail_ = plan->thumbnail;

  // Close-on-exec on both ends so no other child inherits them; dup2 onto
  // fd 1/2 in this child clears the flag where it is needed.
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return Status::error(std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    return Status::error(std::string("pipe: ") + std::strerror(errno));
  }
  bp::pipe pout(out[0], out[1]);
  bp::pipe perr(err[0], err[1]);
  const pid_t agent_pid = ::getpid();
  std::error_code ec;
  r->child_ = bp::child(
      bp::exe = cfg.ffmpeg, bp::args = plan->args, bp::std_in < bp::null, bp::std_out > pout, bp::std_err > perr,
      bp::start_dir = cfg.work_dir,
      bp::extend::on_exec_setup = [agent_pid](auto&) {
        // Own process group: signals reach ffmpeg and anything it spawns.
        ::setpgid(0, 0);
        // Die with the agent, so a SIGKILLed agent leaves no ffmpeg behind.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != agent_pid) ::_exit(127);
        ::signal(SIGPIPE, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
      },
      ec);
  if (ec) return Status::error("cannot start " + cfg.ffmpeg + ": " + ec.message());
  r->pid_ = r->child_.id();
  record_outputs(*check, cfg.host.policy, cmd.store_id, cmd.stream_id);
  // Also from the parent, so a signal sent right after spawn finds the group.
  ::setpgid(r->pid_, r->pid_);
  r->out_fd_ = pout.native_source();
  r->err_fd_ = perr.native_source();
  pout.assign_source(-1);
  perr.assign_source(-1);
  ::fcntl(r->out_fd_, F_SETFL, O_NONBLOCK);
  ::fcntl(r->err_fd_, F_SETFL, O_NONBLOCK);

  std::string shown;
  for (const auto& a : plan->args) shown += " " + redact::for_error(redact::scrub(a, r->secrets_));
  run_log()->info("run_spawned stream={} run={} pid={} encoder={}", r->stream_id_, r->attempt_, r->pid_, r->encoder_);
  run_log()->debug("run_argv stream={} run={} argv={}{}", r->stream_id_, r->attempt_, cfg.ffmpeg, shown);
  return r;
}

Run::~Run() {
  if (!exited_ && pid_ > 0) {
    // Only reached if the agent is tearing down with runs alive: never leave one.
    signal_group(SIGKILL);
    std::error_code ec;
    child_.wait(ec);
  }
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
  if (!playlist_.empty()) ::unlink(playlist_.c_str());
  if (!links_.empty()) remove_links(links_);
  remove_thumbnail(thumbnail_);
}

void Run::signal_group(int sig) {
  if (pid_ > 0) ::kill(-pid_, sig);
}

void Run::request_stop(std::int64_t now_ms, const std::string& reason) {
  if (exited_ || stop_requested_at_ >= 0) return;
  stop_requested_at_ = now_ms;
  stop_reason_ = reason;
  run_log()->info("run_stopping stream={} run={} pid={} reason={}", stream_id_, attempt_, pid_, reason);
  signal_group(SIGTERM);
}

void Run::kill_now() {
  if (exited_) return;
  if (stop_requested_at_ < 0) stop_requested_at_ = 0;
  force_killed_ = true;
  run_log()->warn("run_force_kill stream={} run={} pid={} why=second_signal", stream_id_, attempt_, pid_);
  signal_group(SIGKILL);
}

std::int64_t Run::next_deadline() const {
  if (exited_ || force_killed_) return -1;
  if (stop_requested_at_ < 0) return last_progress_ms_ + cfg_.stall_ms;
  if (!second_term_sent_) return stop_requested_at_ + cfg_.second_term_ms;
  return stop_requested_at_ + cfg_.force_kill_ms;
}

void Run::tick(std::int64_t now_ms) {
  if (exited_ || force_killed_) return;
  if (stop_requested_at_ < 0) {
    if (now_ms - last_progress_ms_ >= cfg_.stall_ms) {
      stalled_ = true;
      run_log()->warn("run_stalled stream={} run={} pid={} no_progress_ms={}", stream_id_, attempt_, pid_,
                     now_ms - last_progress_ms_);
      request_stop(now_ms, "stalled");
    }
    return;
  }
  if (!second_term_sent_ && now_ms >= stop_requested_at_ + cfg_.second_term_ms) {
    second_term_sent_ = true;
    signal_group(SIGTERM);
  }
  if (now_ms >= stop_requested_at_ + cfg_.force_kill_ms) {
    force_killed_ = true;
    run_log()->warn("run_force_kill stream={} run={} pid={} after_ms={}", stream_id_, attempt_, pid_,
                   now_ms - stop_requested_at_);
    signal_group(SIGKILL);
  }
}

void Run::on_readable(int fd, std::int64_t now_ms) {
  if (fd == out_fd_) read_fd(out_fd_, false, now_ms);
  else if (fd == err_fd_) read_fd(err_fd_, true, now_ms);
}

// Progress counts only when ffmpeg's output time or frame count moves: an
// ffmpeg blocked on a dead ingest still writes blocks, with the same numbers.
void Run::note_progress(std::int64_t now_ms) {
  const auto& p = progress_.latest();
  seen_progress_ = true;
  if (p.out_time_ms != last_out_time_ms_ || p.frame != last_frame_) {
    last_out_time_ms_ = p.out_time_ms;
    last_frame_ = p.frame;
    last_progress_ms_ = now_ms;
  }
}

bool Run::behind() const {
  // speed is cumulative and starts near 0.8x; judge it after ~10 s of blocks.
  return live_ && progress_.blocks() >= 20 && progress_.latest().speed > 0 &&
         progress_.latest().speed < 0.97;
}

void Run::read_fd(int& fd, bool is_stderr, std::int64_t now_ms) {
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      if (!is_stderr) {
        if (progress_.feed(std::string_view(buf, static_cast<std::size_t>(n))) > 0) note_progress(now_ms);
        continue;
      }
      for (ssize_t i = 0; i < n; ++i) {
        const char c = buf[i];
        if (c == '\n' || c == '\r') {
          if (!err_partial_.empty()) add_stderr_line(std::move(err_partial_));
          err_partial_.clear();
        } else if (err_partial_.size() < 4096) {
          err_partial_.push_back(c);
        }
      }
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    // EOF or error: this pipe is done.
    ::close(fd);
    fd = -1;
    if (is_stderr && !err_partial_.empty()) {
      add_stderr_line(std::move(err_partial_));
      err_partial_.clear();
    }
    return;
  }
}

void Run::add_stderr_line(std::string line) {
  line = stderr_line_for_people(line, secrets_);
  run_log()->debug("ffmpeg stream={} run={} | {}", stream_id_, attempt_, line);
  err_tail_.set_capacity(cfg_.log_lines);
  err_tail_.push(std::move(line));
}

bool Run::reap() {
  if (exited_) return true;
  const pid_t r = ::waitpid(pid_, &wait_status_, WNOHANG);
  if (r != pid_) return false;
  exited_ = true;
  // boost's child must not wait or kill a pid we have reaped.
  child_.detach();
  // Whatever the process wrote before exiting is still in the pipes.
  if (out_fd_ >= 0) read_fd(out_fd_, false, last_progress_ms_);
  if (err_fd_ >= 0) read_fd(err_fd_, true, last_progress_ms_);
  // Anything left in the group (a grandchild) goes with its leader.
  signal_group(SIGKILL);
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
  out_fd_ = err_fd_ = -1;
  return true;
}

void Run::sample(std::int64_t cpu_ticks, std::int64_t rss_bytes, std::int64_t now_ms) {
  if (last_cpu_ticks_ >= 0) cpu_percent_ = host::cpu_percent(last_cpu_ticks_, cpu_ticks, now_ms - last_sample_ms_);
  last_cpu_ticks_ = cpu_ticks;
  last_sample_ms_ = now_ms;
  rss_bytes_ = rss_bytes;
  // Warn once when a figure crosses its threshold, not once per sample.
  const bool cpu_high = cpu_percent_ > cfg_.warn_cpu_percent;
  const bool mem_high = rss_bytes_ > cfg_.warn_rss_bytes;
  if (cpu_high && !cpu_high_)
    run_log()->warn("resource_warning stream={} run={} pid={} cpu_percent={:.1f} threshold={:.0f}", stream_id_, attempt_,
                   pid_, cpu_percent_, cfg_.warn_cpu_percent);
  if (mem_high && !mem_high_)
    run_log()->warn("resource_warning stream={} run={} pid={} rss_mb={} threshold_mb={}", stream_id_, attempt_, pid_,
                   rss_bytes_ / (1024 * 1024), cfg_.warn_rss_bytes / (1024 * 1024));
  if ((cpu_high_ && !cpu_high) || (mem_high_ && !mem_high))
    run_log()->info("resource_ok stream={} run={} cpu_percent={:.1f} rss_mb={}", stream_id_, attempt_, cpu_percent_,
                   rss_bytes_ / (1024 * 1024));
  cpu_high_ = cpu_high;
  mem_high_ = mem_high;
}

proto::RunStarted Run::started_report() const {
  proto::RunStarted m;
  m.stream_id = stream_id_;
  m.attempt = attempt_;
  m.pid = pid_;
  m.encoder = encoder_;
  m.started_at_ms = started_at_ms_;
  m.store_id = cmd_.store_id;
  return m;
}

proto::RunReport Run::report() const {
  proto::RunReport m;
  m.stream_id = stream_id_;
  m.attempt = attempt_;
  m.pid = pid_;
  m.encoder = encoder_;
  m.started_at_ms = started_at_ms_;
  m.store_id = cmd_.store_id;
  m.cpu_percent = cpu_percent_;
  m.rss_bytes = rss_bytes_;
  const auto& p = progress_.latest();
  m.fps = p.fps;
  m.speed = p.speed;
  m.frames = p.frame;
  m.drop_frames = p.drop_frames;
  m.dup_frames = p.dup_frames;
  m.bitrate_kbps = p.bitrate_kbps;
  m.out_time_ms = p.out_time_ms;
  const auto e = ffmpeg::estimate(total_ms_, p.out_time_ms, p.speed, p.ended);
  m.progress = e.percent;
  m.eta_s = e.eta_s;
  m.stopping = stopping();
  m.behind = behind();
  std::string w;
  if (cpu_high_) w += "cpu " + std::to_string(static_cast<int>(cpu_percent_)) + "% over " +
                      std::to_string(static_cast<int>(cfg_.warn_cpu_percent)) + "%";
  if (mem_high_) w += std::string(w.empty() ? "" : "; ") + "memory " + std::to_string(rss_bytes_ / (1024 * 1024)) +
                      " MB over " + std::to_string(cfg_.warn_rss_bytes / (1024 * 1024)) + " MB";
  if (m.behind) w += std::string(w.empty() ? "" : "; ") + "falling behind (speed under 1.0x)";
  m.warning = w;
  return m;
}

proto::RunExited Run::exit_report(std::int64_t now_ms) const {
  proto::RunExited m;
  m.stream_id = stream_id_;
  m.attempt = attempt_;
  m.store_id = cmd_.store_id;
  m.ended_at_ms = now_ms;
  if (WIFEXITED(wait_status_)) {
    m.exit_code = WEXITSTATUS(wait_status_);
  } else if (WIFSIGNALED(wait_status_)) {
    m.signal = WTERMSIG(wait_status_);
  }
  if (stalled_) {
    m.reason = "stalled";
    m.error = "no progress for " + std::to_string(cfg_.stall_ms / 1000) + " s" + (force_killed_ ? " (force-killed)" : "");
  } else if (force_killed_) m.reason = "force_killed";
  else if (stopping()) m.reason = stop_reason_ == "drained" || stop_reason_ == "lease_expired" ? stop_reason_ : "stopped";
  else m.reason = "exited";
  if (m.reason == "exited" && m.exit_code != 0) {
    // The last line ffmpeg wrote is nearly always the one that says why.
    m.error = err_tail_.empty() ? "" : err_tail_.back();
    if (m.error.empty())
      m.error = m.signal != 0 ? "killed by signal " + std::to_string(m.signal)
                              : "exited with code " + std::to_string(m.exit_code);
  }
  m.stderr_tail = err_tail_.last(20);
  return m;
}

std::vector<std::string> Run::tail(std::size_t n) const {
  return err_tail_.last(n);
}

}  // namespace ffleet::agent::runner
