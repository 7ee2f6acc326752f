// SIGHUP: the configuration is read again the way it was at start (the same
// command line: config file, environment, flags). Settings marked live in the
// table (controller/options.cpp) take effect at once; others are logged as
// waiting for a restart and keep their running value. A file that does not
// parse, or an admin key that cannot be read, changes nothing.
#include "ffleet/common/log.hpp"
#include "loop/controller.hpp"

namespace ffleet::controller {
namespace {
auto reload_log() {
  static auto l = log::get("controller");
  return l;
}
}  // namespace

void Controller::reload_config() {
  if (!reparse_) {
    reload_log()->warn("config_reload_skipped why=\"no command line to read again\"");
    return;
  }
  ParseOutcome parsed = reparse_();
  if (parsed.exit_now) {
    reload_log()->error("config_reload_failed error=\"{}\" action=keep_running_config", parsed.message);
    return;
  }
  Options next = std::move(parsed.options);
  const auto changes = settings::diff(settings_table(opts_), settings_table(next));
  auto changed = [&](const char* key) {
    for (const auto& c : changes)
      if (c.key == key) return true;
    return false;
  };
  // What can fail is tried before anything changes.
  if (changed("log_level"))
    if (Status s = log::set_level(next.log_level); !s) {
      reload_log()->error("config_reload_failed error=\"{}\" action=keep_running_config", s.message());
      return;
    }
  if (changed("admin_keys") && secure())
    if (Status s = set_admin_keys(next.admin_keys); !s) {
      (void)log::set_level(opts_.log_level);  // the level it had, known good
      reload_log()->error("config_reload_failed error=\"{}\" action=keep_running_config", s.message());
      return;
    }
  const auto [live, waiting] =
      settings::apply_live(changes, settings_table(next), settings_table(opts_), "controller");
  opts_.config_file = next.config_file;
  reload_log()->info("config_reloaded file={} changed={} needs_restart={}",
                 opts_.config_file.empty() ? "none" : opts_.config_file, live, waiting);
}

}  // namespace ffleet::controller
