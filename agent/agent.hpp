// The agent daemon: one event loop over the controller link, the signal pipe
// and the pipes of every ffmpeg it runs. Owns the Link, the Runner and an
// encoder re-detection in flight. Nothing in the loop waits for a child:
// re-detection and ffprobe are watched children with deadlines, and only
// the loop changes state. Not thread-safe: one thread runs it all.
#pragma once

#include <functional>
#include <memory>

#include <zmq.hpp>

#include "encoders/detector.hpp"
#include "ffleet/common/sd_notify.hpp"
#include "link/link.hpp"
#include "loop_lag.hpp"
#include "metrics.hpp"
#include "options.hpp"
#include "runner/runner.hpp"

namespace ffleet::agent {

// Exit codes of ffleet-agent, documented in docs/operations.md.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitStartup = 3;
inline constexpr int kExitVersion = 4;

class Agent {
 public:
  explicit Agent(Options opts);
  ~Agent();
  // Prepares the work dir and detects encoders; an error line on failure.
  Status init();
  // Runs until drained after SIGTERM/SIGINT; returns the exit code.
  int run();
  // What SIGHUP runs to read the configuration again: the same command line
  // parsed anew (config file, environment, flags).
  void set_reparse(std::function<ParseOutcome()> reparse) { reparse_ = std::move(reparse); }

 private:
  encoders::Deadlines detect_deadlines() const;
  void log_detection(const encoders::Detection& d) const;
  // reload.cpp: SIGHUP applies the settings marked live (agent/options.cpp)
  // to new runs; others are logged as waiting for a restart.
  void reload_config();
  // `rc` with the settings SIGHUP may change, from opts_ and policy_.
  runner::RunConfig with_settings(runner::RunConfig rc) const;
  // The roots as the kernel sees them, each an existing directory.
  Result<confine::Policy> resolve_policy(const Options& o) const;
  // SIGHUP or `ffleet agent detect`: starts a re-detection unless one runs.
  void start_redetect(const char* by, std::int64_t now);
  // Takes a finished re-detection's result; a failed one keeps the old list.
  void poll_redetect(std::int64_t now);
  void one_turn(std::vector<zmq::pollitem_t>& items);
  void check_lease(std::int64_t now);
  void check_drained(std::int64_t now);

  // What the agent does with each message (agent_messages.cpp).
  void on_message(const wire::Envelope& env, std::int64_t now);
  void on_start_run(const proto::StartRun& m);
  void on_agent_control(const proto::AgentControl& m, std::int64_t now);
  // The run's latest thumbnail, or why there is none (runner/thumbnail.hpp).
  void on_thumb_request(const proto::ThumbRequest& m, std::uint64_t msg_id);
  void on_error(const proto::ErrorMsg& m, std::int64_t now);
  void on_signal(int sig, std::int64_t now);
  void begin_drain(std::int64_t now, bool exit_after);
  proto::Register make_register() const;
  void send_heartbeat();
  void log_state_counts();
  void sample(std::int64_t now);
  std::int64_t next_deadline(std::int64_t now) const;
  // service.cpp: the STATUS= line for the service manager (sd_notify).
  std::string service_status() const;

  Options opts_;
  std::string configured_ffmpeg_;  // opts_.ffmpeg as given, before the PATH lookup
  std::function<ParseOutcome()> reparse_;
  confine::Policy policy_;  // roots resolved at init
  const std::string instance_ = link::new_instance_id();
  encoders::Detection detection_;
  std::unique_ptr<encoders::Detector> redetect_;
  std::int64_t redetect_started_ms_ = 0;
  // sd_notify (READY, STATUS, WATCHDOG from the loop, STOPPING); built before
  // ctx_ starts threads, as it unsets NOTIFY_SOCKET (ffmpeg must not inherit it).
  sdnotify::Notifier notify_;
  zmq::context_t ctx_;
  std::unique_ptr<link::Link> link_;
  std::unique_ptr<runner::Runner> runner_;
  host::ProcReader proc_;
  host::HostSample last_host_{};
  proto::HostStats host_stats_{};
  bool draining_ = false;
  bool lease_expired_ = false;
  bool exit_when_drained_ = false;
  int term_signals_ = 0;
  std::int64_t drained_at_ = -1;
  std::int64_t next_sample_ms_ = 0;
  int exit_code_ = -1;
  std::pair<std::size_t, std::size_t> last_counts_{~std::size_t{0}, 0};
  std::string last_refusal_;  // the last duplicate_name refusal logged (its key)
  LoopLag lag_;
  AgentMetrics metrics_;  // --metrics (metrics.hpp)
};

}  // namespace ffleet::agent
