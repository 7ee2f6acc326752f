// ffleet: the command-line client of the controller. See DESIGN.md's
// Contract for the commands; exit codes are in client.hpp. The commands
// themselves are defined per noun in cmd_*.cpp (app.hpp).
#include <pwd.h>
#include <unistd.h>

#include <iostream>

#include "app.hpp"
#include "ffleet/common/curve.hpp"
#include "ffleet/common/env.hpp"

namespace {

using namespace ffleet;

std::string login_name() {
  if (auto u = env::text("FFLEET_USER")) return *u;
  if (const passwd* pw = ::getpwuid(::geteuid()); pw && pw->pw_name) return pw->pw_name;
  return "unknown";
}

// Both key files or neither: CURVE needs our pair and the controller's key.
Status load_keys(cli::Globals& g) {
  if (g.key_file.empty() && g.controller_key_file.empty()) return Status::ok();
  if (g.key_file.empty() || g.controller_key_file.empty())
    return Status::error("--key and --controller-key go together (or FFLEET_KEY and FFLEET_CONTROLLER_KEY)");
  auto own = curve::load_secret(g.key_file);
  if (!own) return Status::error("--key: " + own.error());
  auto ctl = curve::load_public(g.controller_key_file);
  if (!ctl) return Status::error("--controller-key: " + ctl.error());
  g.keys = cli::ClientKeys{*own, *ctl};
  return Status::ok();
}

}  // namespace

int main(int argc, char** argv) {
  cli::Globals g;
  g.controller = env::text("FFLEET_CONTROLLER").value_or("tcp://127.0.0.1:7700");
  g.user = login_name();
  g.key_file = env::text("FFLEET_KEY").value_or("");
  g.controller_key_file = env::text("FFLEET_CONTROLLER_KEY").value_or("");
  auto app = cli::make_app(g);
  try {
    app->parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app->exit(e);  // the help of the command asked about, with its example
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app->help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::CallForVersion& e) {
    std::cout << e.what() << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    // One line: CLI11's message, which names the option.
    return cli::die(cli::kExitUsage, e.what());
  }
  if (!g.action) return cli::die(cli::kExitUsage, "nothing to do; see ffleet --help");
  if (!g.offline)
    if (Status st = load_keys(g); !st) return cli::die(cli::kExitUsage, st.message());
  return g.action();
}
