// `ffleet status`: agents by state, streams by state, recent failures,
// what is pending and why, batches in progress.
#include <iostream>

#include "app.hpp"
#include "ffleet/common/clock.hpp"
#include "follow.hpp"
#include "status.hpp"

namespace ffleet::cli {

void add_status_command(CLI::App& app, Globals& g) {
  auto* c = app.add_subcommand("status", "the fleet at a glance: agents, streams by state, failures in the last hour");
  example(c, "ffleet status\n  ffleet --json status | jq .pending");
  c->callback([&g] {
    g.action = [&g] {
      proto::AgentList m;
      m.user = g.user;
      auto agents = ask(g, m);
      if (auto* e = std::get_if<CallError>(&agents)) return die(e->exit_code, e->message);
      auto streams = list_streams(g);
      if (auto* e = std::get_if<CallError>(&streams)) return die(e->exit_code, e->message);
      const auto& a = std::get<proto::Reply>(agents).agents;
      const auto& s = std::get<0>(streams);
      if (g.json) std::cout << status_json(a, s, clock::wall_ms()).dump(2, ' ', false, kReplace) << "\n";
      else std::cout << status_text(a, s, clock::wall_ms());
      return kExitOk;
    };
  });
}

}  // namespace ffleet::cli
