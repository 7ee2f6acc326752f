#include "lifecycle/states.hpp"

namespace ffleet::controller {

std::string_view to_string(State s) {
  switch (s) {
    case State::kStopped: return "stopped";
    case State::kScheduled: return "scheduled";
    case State::kPending: return "pending";
    case State::kStarting: return "starting";
    case State::kRunning: return "running";
    case State::kStopping: return "stopping";
    case State::kCompleted: return "completed";
    case State::kFailed: return "failed";
  }
  return "stopped";
}

std::string_view to_string(Desired d) { return d == Desired::kRunning ? "running" : "stopped"; }

std::optional<State> parse_state(std::string_view s) {
  for (State x : kAllStates)
    if (to_string(x) == s) return x;
  return std::nullopt;
}

std::optional<Desired> parse_desired(std::string_view s) {
  if (s == "running") return Desired::kRunning;
  if (s == "stopped") return Desired::kStopped;
  return std::nullopt;
}

}  // namespace ffleet::controller
