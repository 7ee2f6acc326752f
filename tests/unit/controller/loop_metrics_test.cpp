// What the controller's metric hooks count, one row per event.
#include <gtest/gtest.h>

#include "loop/metrics.hpp"

namespace ffleet::controller {
namespace {

bool has(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

TEST(LoopMetrics, TransitionsCountOutcomes) {
  LoopMetrics m;
  m.transition(State::kRunning, 0, State::kPending, 1);    // a retry
  m.transition(State::kPending, 1, State::kStarting, 1);   // placed: nothing
  m.transition(State::kRunning, 1, State::kPending, 2);    // another retry
  m.transition(State::kRunning, 2, State::kFailed, 2);     // retries exhausted
  m.transition(State::kRunning, 0, State::kCompleted, 0);  // a finite run done
  m.transition(State::kFailed, 2, State::kFailed, 2);      // no change: nothing
  const auto t = m.render();
  EXPECT_TRUE(has(t, "ffleet_controller_runs_retried_total 2")) << t;
  EXPECT_TRUE(has(t, "ffleet_controller_runs_failed_total 1")) << t;
  EXPECT_TRUE(has(t, "ffleet_controller_runs_completed_total 1")) << t;
}

TEST(LoopMetrics, RunEndsAndMessages) {
  LoopMetrics m;
  m.run_started();
  m.run_exited("force_killed");
  m.run_exited("stalled");
  m.run_exited("stopped");
  m.message("HEARTBEAT");
  m.message("HEARTBEAT");
  m.decode_error("frame");
  m.loop_lag_ms(3);
  const auto t = m.render();
  EXPECT_TRUE(has(t, "ffleet_controller_runs_started_total 1")) << t;
  EXPECT_TRUE(has(t, "ffleet_controller_runs_force_killed_total 1")) << t;
  EXPECT_TRUE(has(t, "ffleet_controller_runs_stalled_total 1")) << t;
  EXPECT_TRUE(has(t, "ffleet_controller_messages_received_total{type=\"HEARTBEAT\"} 2")) << t;
  EXPECT_TRUE(has(t, "ffleet_controller_decode_errors_total{type=\"frame\"} 1")) << t;
  EXPECT_TRUE(has(t, "ffleet_controller_loop_lag_seconds_bucket{le=\"0.0025\"} 0")) << t;
  EXPECT_TRUE(has(t, "ffleet_controller_loop_lag_seconds_bucket{le=\"0.005\"} 1")) << t;
}

}  // namespace
}  // namespace ffleet::controller
