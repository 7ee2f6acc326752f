#include "loop/metrics.hpp"

#include <exception>

#include "ffleet/common/clock.hpp"
#include "ffleet/common/log.hpp"
#include "registry/registry.hpp"
#include "store/store.hpp"

namespace ffleet::controller {
namespace {
using metrics::Def;
using metrics::Type;

auto metrics_log() {
  static auto l = log::get("controller.metrics");
  return l;
}

// Gauges are read and the text rendered this often at most: a scrape every
// few seconds sees figures at most this old, and the loop pays one pair of
// COUNT queries per period.
constexpr std::int64_t kPublishEveryMs = 1000;

double seconds_since(LoopMetrics::Clock::time_point t) {
  return std::chrono::duration<double>(LoopMetrics::Clock::now() - t).count();
}

// Scheduled starts fire on a 250 ms tick; a start minutes late means the
// controller was down or stalled.
const std::vector<double> kDelayBuckets = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};
}  // namespace

const std::vector<Def>& LoopMetrics::table() {
  static const std::vector<Def> t = {
      {"ffleet_controller_streams", Type::kGauge, "Streams by state (every state is always present).", "", {"state"}, {}},
      {"ffleet_controller_pending_streams", Type::kGauge,
       "Streams waiting for an agent or a limit: pending, wanted running, not in retry backoff.", "", {}, {}},
      {"ffleet_controller_agents", Type::kGauge, "Agents by state: ready, draining, lost.", "", {"state"}, {}},
      {"ffleet_controller_runs_started_total", Type::kCounter, "Runs an agent reported started.", "", {}, {}},
      {"ffleet_controller_runs_completed_total", Type::kCounter, "Streams that completed (a finite run ended well).", "", {}, {}},
      {"ffleet_controller_runs_failed_total", Type::kCounter,
       "Streams that failed: retries exhausted or an error no retry can mend.", "", {}, {}},
      {"ffleet_controller_runs_retried_total", Type::kCounter,
       "Runs that ended with an error and were placed again (a retry, a lost host's failover).", "", {}, {}},
      {"ffleet_controller_runs_force_killed_total", Type::kCounter,
       "Runs that did not stop within the force-kill timeout and were killed.", "", {}, {}},
      {"ffleet_controller_runs_stalled_total", Type::kCounter,
       "Runs killed by their agent because ffmpeg's progress stopped advancing.", "", {}, {}},
      {"ffleet_controller_placement_duration_seconds", Type::kHistogram,
       "Time to choose an agent for a stream (placement latency).", "seconds", {}, metrics::latency_buckets()},
      {"ffleet_controller_scheduling_delay_seconds", Type::kHistogram,
       "How late a scheduled start fired after its scheduled time.", "seconds", {}, kDelayBuckets},
      {"ffleet_controller_messages_received_total", Type::kCounter, "Messages received from agents and the CLI, by type.",
       "", {"type"}, {}},
      {"ffleet_controller_decode_errors_total", Type::kCounter,
       "Messages that could not be read, by type (frame: not even the envelope).", "", {"type"}, {}},
      {"ffleet_controller_loop_lag_seconds", Type::kHistogram,
       "How much later than planned the event loop woke (a stalled loop delays everything).", "seconds", {},
       metrics::latency_buckets()},
      {"ffleet_controller_commit_duration_seconds", Type::kHistogram,
       "Time to commit one loop turn's SQLite transaction (fsync included).", "seconds", {}, metrics::latency_buckets()},
  };
  return t;
}

LoopMetrics::LoopMetrics() : reg_(table()) {}
LoopMetrics::~LoopMetrics() = default;

Status LoopMetrics::start(const std::string& addr) {
  if (addr.empty()) return Status::ok();
  auto s = metrics::Server::start(addr);
  if (!s) return s.status();
  server_ = std::move(*s);
  const auto host = metrics::parse_address(addr)->host;
  if (!metrics::is_loopback(host))
    metrics_log()->warn("metrics_unprotected listen={} why=\"metrics have no authentication: keep them on loopback or a "
                   "private network\"",
                   server_->endpoint());
  metrics_log()->info("metrics_listening listen={} path=/metrics", server_->endpoint());
  return Status::ok();
}

const std::string& LoopMetrics::endpoint() const {
  static const std::string none;
  return server_ ? server_->endpoint() : none;
}

void LoopMetrics::message(std::string_view type) { reg_.add("ffleet_controller_messages_received_total", {std::string(type)}); }

void LoopMetrics::decode_error(std::string_view type) {
  reg_.add("ffleet_controller_decode_errors_total", {std::string(type)});
}

void LoopMetrics::transition(State from, const StreamRow& after) {
  if (after.state == from) return;
  if (after.state == State::kCompleted) count("ffleet_controller_runs_completed_total");
  if (after.state == State::kFailed) count("ffleet_controller_runs_failed_total");
  // A run that ended and goes to be placed again, with the error that ended
  // it: a retry or a lost host's failover. A move off a draining agent has no
  // error; a stream held for its lost host keeps its agent.
  const bool had_run = from == State::kStarting || from == State::kRunning || from == State::kStopping;
  if (had_run && after.state == State::kPending && after.agent.empty() && !after.last_error.empty())
    count("ffleet_controller_runs_retried_total");
}

void LoopMetrics::run_started() { count("ffleet_controller_runs_started_total"); }

void LoopMetrics::run_exited(const std::string& reason) {
  if (reason == "force_killed") count("ffleet_controller_runs_force_killed_total");
  if (reason == "stalled") count("ffleet_controller_runs_stalled_total");
}

void LoopMetrics::count_pending() {
  for (const char* counter : pending_) reg_.add(counter);
  pending_.clear();
}

void LoopMetrics::placement(Clock::time_point began) {
  reg_.observe("ffleet_controller_placement_duration_seconds", seconds_since(began));
}

void LoopMetrics::schedule_delay_ms(std::int64_t ms) {
  reg_.observe("ffleet_controller_scheduling_delay_seconds", static_cast<double>(std::max<std::int64_t>(ms, 0)) / 1000.0);
}

void LoopMetrics::loop_lag_ms(std::int64_t ms) {
  reg_.observe("ffleet_controller_loop_lag_seconds", static_cast<double>(std::max<std::int64_t>(ms, 0)) / 1000.0);
}

void LoopMetrics::commit(Clock::time_point began) {
  reg_.observe("ffleet_controller_commit_duration_seconds", seconds_since(began));
}

void LoopMetrics::publish(std::int64_t now, store::Store& st, const registry::Registry& agents) {
  if (!server_ || now < next_publish_ms_) return;
  next_publish_ms_ = now + kPublishEveryMs;
  try {
    const auto counts = st.streams_per_state();
    for (State s : kAllStates) {
      const auto it = counts.find(std::string(to_string(s)));
      reg_.set("ffleet_controller_streams", {std::string(to_string(s))},
               it == counts.end() ? 0.0 : static_cast<double>(it->second));
    }
    reg_.set("ffleet_controller_pending_streams", static_cast<double>(st.streams().pending_waiting(clock::wall_ms())));
  } catch (const std::exception& e) {
    // The store's own error handling speaks for it; the gauges keep their last figures.
    metrics_log()->debug("metrics_store_read_failed error=\"{}\"", e.what());
  }
  std::map<std::string, double> by_state = {{registry::kReady, 0}, {registry::kDraining, 0}, {registry::kLost, 0}};
  for (const auto* a : agents.all()) by_state[a->state()] += 1;
  for (const auto& [state, n] : by_state) reg_.set("ffleet_controller_agents", {state}, n);
  server_->publish(reg_.render());
}

}  // namespace ffleet::controller
