// The table of live runs on this agent, one per stream. Starts, stops, reaps
// and samples them; every run that ends is reported exactly once through the
// exit callback and then dropped with everything it owned.
// Not thread-safe: used only from the agent's event loop.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include <zmq.hpp>

#include "host/proc_stats.hpp"
#include "runner/run.hpp"

namespace ffleet::agent::runner {

class Runner {
 public:
  using StartedFn = std::function<void(const proto::RunStarted&)>;
  using ExitedFn = std::function<void(const proto::RunExited&)>;

  Runner(RunConfig cfg, host::ProcReader proc, StartedFn on_started, ExitedFn on_exited);

  // Idempotent per (stream, attempt): a repeat re-reports the live run.
  void start(const proto::StartRun& cmd, std::int64_t now_ms);
  // A stop for a run we do not have is answered as ended (reason unknown_run),
  // so the controller's view converges whatever happened before.
  void stop(std::int64_t stream_id, std::int64_t attempt, const std::string& reason, std::int64_t now_ms);
  void stop_all(const std::string& reason, std::int64_t now_ms);
  // Stops the runs of streams marked --on-host-lost fence; returns how many.
  int stop_fenced(std::int64_t now_ms);
  void kill_all();

  // Reaps every exited child (called on SIGCHLD and from tick).
  void reap(std::int64_t now_ms);
  void tick(std::int64_t now_ms);
  std::int64_t next_deadline() const;
  void sample(std::int64_t now_ms);

  void add_poll_items(std::vector<zmq::pollitem_t>& items) const;
  void on_poll(const std::vector<zmq::pollitem_t>& items, std::size_t first, std::int64_t now_ms);

  std::vector<proto::RunReport> reports() const;
  const Run* find(std::int64_t stream_id) const;
  std::size_t size() const { return runs_.size(); }
  const RunConfig& config() const { return cfg_; }
  void set_encoders(std::vector<std::string> e) { cfg_.host.encoders = std::move(e); }

 private:
  // The offer for the next run: encoders minus resting ones, free sessions.
  ffmpeg::HostOffer offer(std::int64_t now_steady);
  // --mode auto made concrete (probe of a local input); logs the choice.
  proto::StartRun resolve_mode(const proto::StartRun& cmd) const;
  // The stderr line that shows a hardware encoder failing at start, or "".
  std::string hardware_failure(const Run& r) const;
  void spawn(const proto::StartRun& cmd, std::int64_t now_ms, const std::string& note);

  RunConfig cfg_;
  host::ProcReader proc_;
  std::map<std::string, std::int64_t> unhealthy_until_;  // encoder -> steady ms
  StartedFn on_started_;
  ExitedFn on_exited_;
  std::map<std::int64_t, std::unique_ptr<Run>> runs_;  // by stream id
};

}  // namespace ffleet::agent::runner
