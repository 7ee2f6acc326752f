// The agent daemon: one event loop over the controller link, the signal pipe
// and the pipes of every ffmpeg it runs. Owns the Link and the Runner.
#pragma once

#include <memory>

#include <zmq.hpp>

#include "encoders/detect.hpp"
#include "link/link.hpp"
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

 private:
  void detect_encoders();
  void redetect();
  void on_message(const wire::Envelope& env, std::int64_t now);
  void on_signal(int sig, std::int64_t now);
  void begin_drain(std::int64_t now, bool exit_after);
  proto::Register make_register() const;
  void send_heartbeat();
  void log_state_counts();
  void sample(std::int64_t now);
  std::int64_t next_deadline(std::int64_t now) const;

  Options opts_;
  encoders::Detection detection_;
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
};

}  // namespace ffleet::agent
