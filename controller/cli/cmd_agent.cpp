// `ffleet agent …`: list, drain, resume and allow agents.
#include <iostream>

#include "app.hpp"
#include "ffleet/common/curve.hpp"
#include "output.hpp"

namespace ffleet::cli {
namespace {

struct AgentState {
  std::string name;
  std::string pub_file;
};

// An AgentAction named `action` on the agent given as NAME.
CLI::App* action(CLI::App& agent, Globals& g, const std::shared_ptr<AgentState>& st, const std::string& cmd,
                 const std::string& what, const std::string& action) {
  auto* c = agent.add_subcommand(cmd, what);
  c->add_option("name", st->name, "agent name")->required();
  example(c, "ffleet agent " + cmd + " host-a");
  c->callback([&g, st, action] {
    g.action = [&g, st, action] {
      proto::AgentAction m;
      m.user = g.user;
      m.name = st->name;
      m.action = action;
      return run(g, m, [&](const proto::Reply& r) { print_lines(g, r); });
    };
  });
  return c;
}

}  // namespace

void add_agent_commands(CLI::App& app, Globals& g) {
  auto* agent = app.add_subcommand("agent", "list, drain and resume agents");
  agent->require_subcommand(1);
  agent->fallthrough();
  example(agent, "ffleet agent ls");
  auto st = std::make_shared<AgentState>();

  auto* ls = agent->add_subcommand("ls", "list agents");
  example(ls, "ffleet --json agent ls");
  ls->callback([&g] {
    g.action = [&g] {
      proto::AgentList m;
      m.user = g.user;
      return run(g, m, [&](const proto::Reply& r) {
        if (!g.json) {
          std::cout << agent_table(r.agents);
          return;
        }
        auto a = nlohmann::json::array();
        for (const auto& x : r.agents) a.push_back(agent_json(x));
        std::cout << a.dump(2, ' ', false, kReplace) << "\n";
      });
    };
  });
  action(*agent, g, st, "drain", "stop giving an agent new streams", "drain");
  action(*agent, g, st, "resume", "let a drained agent take streams again", "resume");
  action(*agent, g, st, "detect", "make an agent test its encoders again", "detect");
  action(*agent, g, st, "stop-unknown",
         "stop the runs on an agent that this controller's database never placed (after a database loss)",
         "stop-unknown");

  auto* allow = agent->add_subcommand("allow", "let the agent of this name connect with this key (admin)");
  allow->add_option("name", st->name, "agent name")->required();
  allow->add_option("--key", st->pub_file, "the agent's public key file (ffleet keygen)")->required();
  example(allow, "ffleet agent allow host-a --key host-a.key.pub");
  allow->callback([&g, st] {
    g.action = [&g, st] {
      proto::AgentAllow m;
      m.user = g.user;
      m.name = st->name;
      auto k = curve::load_public(st->pub_file);
      if (!k) return die(kExitUsage, "--key: " + k.error());
      m.public_key = *k;
      return run(g, m, [&](const proto::Reply& r) { print_lines(g, r); });
    };
  });
  action(*agent, g, st, "revoke", "end an agent's key now; its streams move elsewhere (admin)", "revoke");
}

}  // namespace ffleet::cli
