// The agent's Prometheus metrics (docs/metrics.md): the table of definitions,
// the counters the loop's hooks feed, and the per-stream gauges read from the
// runner at most once a second (or at once after a run starts or ends).
//
// Per-stream series carry the stream's name and id, never anything from its
// URLs; they are rebuilt from the live runs each time, so a stream's series
// go when its run ends. Owned by the agent's loop and used from its thread
// only; the HTTP thread (metrics::Server) sees only the published text.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "ffleet/common/metrics.hpp"
#include "ffleet/common/metrics_server.hpp"
#include "ffleet/schema/protocol.hpp"

namespace ffleet::agent {

namespace runner {
class Runner;
}

class AgentMetrics {
 public:
  // The one table of the agent's metrics.
  static const std::vector<metrics::Def>& table();

  AgentMetrics();
  ~AgentMetrics();
  // Starts serving on `addr` ("" leaves metrics off); one-line error if the
  // address cannot be bound.
  Status start(const std::string& addr);

  // Hooks, one per event.
  // A run's start is counted once, however often it is re-reported; an end
  // for a run never held (reason unknown_run) is not a run that ended.
  void run_started(std::int64_t stream_id, std::int64_t attempt);
  void run_ended(std::int64_t stream_id, std::int64_t attempt, const std::string& reason);
  void loop_lag_ms(std::int64_t ms);

  struct AgentState {
    bool connected = false;
    bool draining = false;
  };
  // Reads the runs and host figures, renders and publishes; at most once a
  // second unless a run started or ended since. Nothing when off.
  void publish(std::int64_t now, const runner::Runner& runs, const proto::HostStats& host, AgentState state);
  // Fills the gauges from the runner without the once-a-second limit (tests).
  void collect(std::int64_t now_wall, const runner::Runner& runs, const proto::HostStats& host, AgentState state);
  const metrics::Registry& registry() const { return reg_; }

 private:
  metrics::Registry reg_;
  std::unique_ptr<metrics::Server> server_;
  std::int64_t next_publish_ms_ = 0;
  std::set<std::pair<std::int64_t, std::int64_t>> started_;  // (stream, attempt) counted, until it ends
};

}  // namespace ffleet::agent
