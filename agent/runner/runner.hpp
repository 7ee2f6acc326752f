// The table of live runs on this agent, one per stream. Starts, stops, reaps
// and samples them; every run that ends is reported exactly once through the
// exit callback and then dropped with everything it owned.
//
// A run of --mode auto with a local input is first probed (ModeProbe): until
// ffprobe answers or its deadline passes, the run is held here without a
// process. It counts as a run (size(), drain, repeats of its StartRun) and a
// stop ends it with RunExited, but it is not in reports(): the controller
// keeps it as starting until RunStarted says which pid it has.
// Not thread-safe: used only from the agent's event loop.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include <zmq.hpp>

#include "host/proc_stats.hpp"
#include "runner/mode_probe.hpp"
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
  // so the controller's view converges whatever happened before. `now_ms`
  // here and in the stops below is steady time (the stop sequence's timers).
  void stop(std::int64_t stream_id, std::int64_t attempt, const std::string& reason, std::int64_t now_ms);
  void stop_all(const std::string& reason, std::int64_t now_ms);
  // Stops the runs of streams marked --on-host-lost fence; returns how many.
  int stop_fenced(std::int64_t now_ms);
  void kill_all();

  // Reaps every exited child and starts the runs whose probe is done
  // (called on SIGCHLD and every loop turn).
  void reap(std::int64_t now_ms);
  void tick(std::int64_t now_ms);
  std::int64_t next_deadline() const;
  void sample(std::int64_t now_ms);

  void add_poll_items(std::vector<zmq::pollitem_t>& items) const;
  void on_poll(const std::vector<zmq::pollitem_t>& items, std::size_t first, std::int64_t now_ms);

  // The runs with a process (see the header comment).
  std::vector<proto::RunReport> reports() const;
  const Run* find(std::int64_t stream_id) const;
  // Whether a run of this stream is held here (probing or with a process).
  bool holds(std::int64_t stream_id) const { return runs_.count(stream_id) + probing_.count(stream_id) > 0; }
  // Runs held here, probing ones included.
  std::size_t size() const { return runs_.size() + probing_.size(); }
  std::size_t probing() const { return probing_.size(); }
  const RunConfig& config() const { return cfg_; }
  void set_encoders(std::vector<std::string> e) { cfg_.host.encoders = std::move(e); }
  // New settings (SIGHUP) for runs started from now on; running ones keep theirs.
  void reconfigure(RunConfig cfg) { cfg_ = std::move(cfg); }

 private:
  // The offer for the next run: encoders minus resting ones, free sessions.
  ffmpeg::HostOffer offer(std::int64_t now_steady);
  // Starts the runs whose probe has decided.
  void poll_probes(std::int64_t now_ms);
  // Ends a run still probing, reported with `reason`.
  void cancel_probe(std::int64_t stream_id, const std::string& reason);
  // The stderr line that shows a hardware encoder failing at start, or "".
  std::string hardware_failure(const Run& r) const;
  void spawn(const proto::StartRun& cmd, std::int64_t now_ms, const std::string& note);

  RunConfig cfg_;
  host::ProcReader proc_;
  std::map<std::string, std::int64_t> unhealthy_until_;  // encoder -> steady ms
  StartedFn on_started_;
  ExitedFn on_exited_;
  std::map<std::int64_t, std::unique_ptr<Run>> runs_;  // by stream id
  std::map<std::int64_t, std::unique_ptr<ModeProbe>> probing_;  // by stream id; never also in runs_
};

}  // namespace ffleet::agent::runner
