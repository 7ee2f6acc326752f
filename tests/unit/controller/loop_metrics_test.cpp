// What the controller's metric hooks count, one row per event.
#include <gtest/gtest.h>

#include "loop/metrics.hpp"

namespace ffleet::controller {
namespace {

bool has(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

StreamRow row(State s, const std::string& agent = "", const std::string& error = "", std::int64_t retries = 0) {
  StreamRow r;
  r.state = s;
  r.agent = agent;
  r.last_error = error;
  r.retries = retries;
  return r;
}

TEST(LoopMetrics, TransitionsCountOutcomes) {
  LoopMetrics m;
  m.transition(State::kRunning, row(State::kPending, "", "exited with code 1", 1));   // a retry
  m.transition(State::kPending, row(State::kStarting, "a1", "exited with code 1", 1));  // placed: nothing
  // After a long healthy run the count starts again at 1: still a retry.
  m.transition(State::kRunning, row(State::kPending, "", "exited with code 1", 1));
  m.transition(State::kRunning, row(State::kPending, "", "agent a1 lost"));            // failover
  m.transition(State::kStopping, row(State::kPending, "", ""));                        // moved off a draining agent
  m.transition(State::kRunning, row(State::kPending, "a1", "agent a1 lost"));          // held for its host
  m.transition(State::kRunning, row(State::kFailed, "", "exited with code 1"));        // retries exhausted
  m.transition(State::kRunning, row(State::kCompleted));                               // a finite run done
  m.transition(State::kFailed, row(State::kFailed, "", "x"));                          // no change: nothing
  m.count_pending();  // the turn committed
  const auto t = m.render();
  EXPECT_TRUE(has(t, "ffleet_controller_runs_retried_total 3")) << t;
  EXPECT_TRUE(has(t, "ffleet_controller_runs_failed_total 1")) << t;
  EXPECT_TRUE(has(t, "ffleet_controller_runs_completed_total 1")) << t;
}

TEST(LoopMetrics, RunEndsAndMessages) {
  LoopMetrics m;
  m.run_started();
  m.run_exited("force_killed");
  m.run_exited("stalled");
  m.run_exited("stopped");
  m.count_pending();
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

TEST(LoopMetrics, OutcomesOfARolledBackHandlerOrTurnAreNotCounted) {
  LoopMetrics m;
  m.run_started();
  const auto mark = m.pending_mark();
  m.run_started();  // a handler that then failed: its savepoint rolled back
  m.transition(State::kRunning, row(State::kCompleted));
  m.drop_pending(mark);
  EXPECT_TRUE(has(m.render(), "ffleet_controller_runs_started_total 0")) << "counted before the commit";
  m.count_pending();  // the turn committed
  m.run_exited("force_killed");
  m.drop_pending(0);  // the next turn's commit failed
  const auto t = m.render();
  EXPECT_TRUE(has(t, "ffleet_controller_runs_started_total 1")) << t;
  EXPECT_TRUE(has(t, "ffleet_controller_runs_completed_total 0")) << t;
  EXPECT_TRUE(has(t, "ffleet_controller_runs_force_killed_total 0")) << t;
}

}  // namespace
}  // namespace ffleet::controller
