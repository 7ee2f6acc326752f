// What the controller tells the service manager it is doing (systemctl
// status shows it): agents connected, streams running and waiting.
#include <exception>

#include "loop/controller.hpp"

namespace ffleet::controller {

// Called at most once per sdnotify::Notifier::kStatusMs, and only under a
// service manager: one COUNT query.
std::string Controller::service_status() {
  std::size_t agents = 0, draining = 0;
  for (const auto* a : registry_.connected()) {
    ++agents;
    if (a->state() == registry::kDraining) ++draining;
  }
  std::int64_t running = 0, pending = 0;
  try {
    const auto counts = store_.streams_per_state();  // two COUNT queries, as the metrics do
    if (auto it = counts.find("running"); it != counts.end()) running = it->second;
    if (auto it = counts.find("pending"); it != counts.end()) pending = it->second;
  } catch (const std::exception& e) {  // nothing crosses the loop; the store's error is logged where it matters
    return std::to_string(agents) + " agents; the database cannot be read";
  }
  std::string s = std::to_string(agents) + (agents == 1 ? " agent" : " agents");
  if (draining > 0) s += " (" + std::to_string(draining) + " draining)";
  s += ", " + std::to_string(running) + (running == 1 ? " stream" : " streams") + " running, " +
       std::to_string(pending) + " pending";
  return s;
}

}  // namespace ffleet::controller
