// What the controller tells the service manager it is doing (systemctl
// status shows it): agents connected, streams running and waiting.
#include "loop/controller.hpp"

namespace ffleet::controller {

// Called at most once per sdnotify::Notifier::kStatusMs, and only under a
// service manager: counts kept in memory by the store's index.
std::string Controller::service_status() {
  std::size_t agents = 0, draining = 0;
  for (const auto* a : registry_.connected()) {
    ++agents;
    if (a->state() == registry::kDraining) ++draining;
  }
  const std::int64_t running = store_.streams().count_in_state(State::kRunning);
  const std::int64_t pending = store_.streams().count_in_state(State::kPending);
  std::string s = std::to_string(agents) + (agents == 1 ? " agent" : " agents");
  if (draining > 0) s += " (" + std::to_string(draining) + " draining)";
  s += ", " + std::to_string(running) + (running == 1 ? " stream" : " streams") + " running, " +
       std::to_string(pending) + " pending";
  return s;
}

}  // namespace ffleet::controller
