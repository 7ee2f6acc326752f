// What the agent tells the service manager it is doing (systemctl status
// shows it): streams in hand, the link, a drain.
#include "agent.hpp"

namespace ffleet::agent {

std::string Agent::service_status() const {
  const std::size_t n = runner_->size();
  const std::string streams = std::to_string(n) + (n == 1 ? " stream" : " streams");
  if (exit_when_drained_) return "shutting down: stopping " + streams + ", draining";
  std::string s = "running " + streams + " of " + std::to_string(opts_.max_streams);
  if (!link_->registered()) s += ", connecting to the controller " + opts_.controller;
  if (draining_) s += ", draining";
  return s;
}

}  // namespace ffleet::agent
