// The controller's Prometheus metrics (docs/metrics.md): the table of
// definitions, the counters and histograms the loop's hooks feed (one call per
// event), and the exposition served by --metrics.
//
// Owned by the controller's loop and used from its thread only; the HTTP
// thread (metrics::Server) sees nothing but the text publish() hands it, at
// most once a second.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ffleet/common/metrics.hpp"
#include "ffleet/common/metrics_server.hpp"
#include "lifecycle/states.hpp"
#include "model.hpp"

namespace ffleet::controller {

namespace registry {
class Registry;
}
namespace store {
class Store;
}

class LoopMetrics {
 public:
  using Clock = std::chrono::steady_clock;

  // The one table of the controller's metrics.
  static const std::vector<metrics::Def>& table();

  LoopMetrics();
  ~LoopMetrics();
  // Starts serving on `addr` ("" leaves metrics off). One-line error if the
  // address cannot be bound.
  Status start(const std::string& addr);
  const std::string& endpoint() const;

  // Hooks, one per event.
  void message(std::string_view type);
  void decode_error(std::string_view type);
  // A stream's row after apply(), and the state it left.
  void transition(State from, const StreamRow& after);
  void run_started();
  void run_exited(const std::string& reason);
  void placement(Clock::time_point began);
  void schedule_delay_ms(std::int64_t ms);
  void loop_lag_ms(std::int64_t ms);
  void commit(Clock::time_point began);

  // The counters of outcomes (runs started, completed, failed, retried,
  // force-killed, stalled) wait for the turn's commit: what a handler rolled
  // back, or a turn whose commit failed, did not happen and is not counted.
  std::size_t pending_mark() const { return pending_.size(); }
  void drop_pending(std::size_t mark) { pending_.resize(std::min(mark, pending_.size())); }
  void count_pending();

  // At most once a second (`now` steady ms): reads the gauges (the store's
  // counts, the agents' states), renders and publishes. Nothing when off.
  void publish(std::int64_t now, store::Store& st, const registry::Registry& agents);

  // The rendered text now, gauges as last read (tests).
  std::string render() const { return reg_.render(); }

 private:
  void count(const char* counter) { pending_.push_back(counter); }

  metrics::Registry reg_;
  std::unique_ptr<metrics::Server> server_;
  std::vector<const char*> pending_;  // counters to add once the turn commits
  std::int64_t next_publish_ms_ = 0;
};

}  // namespace ffleet::controller
