#include "app.hpp"

#include <iostream>

#include "ffleet/common/env.hpp"

namespace ffleet::cli {

void print_lines(const Globals& g, const proto::Reply& r) {
  if (g.json) {
    std::cout << nlohmann::json({{"ok", true}, {"message", r.lines.empty() ? "" : r.lines.front()}})
                     .dump(-1, ' ', false, kReplace)
              << "\n";
    return;
  }
  for (const auto& l : r.lines) std::cout << l << "\n";
}

void example(CLI::App* cmd, const std::string& text) { cmd->footer("Example:\n  " + text); }

std::unique_ptr<CLI::App> make_app(Globals& g) {
  auto app = std::make_unique<CLI::App>("ffleet: run ffmpeg streams across a fleet of hosts", "ffleet");
  app->set_version_flag("--version", "ffleet 0.1.0");
  app->set_help_all_flag("--help-all", "print the help of every command");
  app->add_option("--controller", g.controller, "controller endpoint (env FFLEET_CONTROLLER)");
  app->add_flag("--json", g.json, "print JSON for scripts");
  app->add_option("--user", g.user, "act as this user, without keys (env FFLEET_USER, else the login name)");
  app->add_option("--key", g.key_file, "your secret key file (env FFLEET_KEY): with keys, you are who the key says");
  app->add_option("--controller-key", g.controller_key_file,
                  "the controller's public key file (env FFLEET_CONTROLLER_KEY)");
  app->add_option("--timeout-ms", g.timeout_ms, "give up on the controller after this long")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{600000}));
  app->require_subcommand(1);
  app->fallthrough();
  example(app.get(), "ffleet --controller tcp://ctl.example:7700 status");
  add_status_command(*app, g);
  add_stream_commands(*app, g);
  add_agent_commands(*app, g);
  add_admin_commands(*app, g);
  add_token_commands(*app, g);
  add_doc_commands(*app, g);
  return app;
}

}  // namespace ffleet::cli
