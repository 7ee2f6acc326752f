// SIGHUP: the configuration is read again the way it was at start (the same
// command line: config file, environment, flags). Settings marked live in the
// table (agent/options.cpp) apply to runs started from now on (running ones
// keep what they started with), and the agent registers again so the
// controller places by its new capacity, roots and sessions. Others are logged as waiting for a restart and
// keep their running value. A file that does not parse, or a root that is not
// a directory, changes nothing.
#include "agent.hpp"
#include "ffleet/common/log.hpp"

namespace ffleet::agent {
namespace {
auto reload_log() {
  static auto l = log::get("agent");
  return l;
}
}  // namespace

runner::RunConfig Agent::with_settings(runner::RunConfig rc) const {
  rc.host.policy = policy_;
  rc.host.prefer_hardware = opts_.prefer_hardware_encoding;
  rc.force_kill_ms = opts_.force_kill_timeout_ms;
  rc.log_lines = static_cast<std::size_t>(opts_.log_lines);
  rc.stall_ms = opts_.stall_timeout_ms;
  rc.session_limits = opts_.encoder_sessions;
  rc.fallback = opts_.hardware_encoder_fallback;
  rc.warn_cpu_percent = static_cast<double>(opts_.resource_warning_cpu_percent);
  rc.warn_rss_bytes = opts_.resource_warning_memory_mb * 1024 * 1024;
  rc.thumbnail_interval_s = opts_.thumbnails ? opts_.thumbnail_interval_s : 0;
  return rc;
}

void Agent::reload_config() {
  if (!reparse_) return;
  ParseOutcome parsed = reparse_();
  auto failed = [](const std::string& why) {
    reload_log()->error("config_reload_failed error=\"{}\" action=keep_running_config", why);
  };
  if (parsed.exit_now) return failed(parsed.message);
  Options next = std::move(parsed.options);
  // The running ffmpeg path was looked up on PATH at start.
  if (next.ffmpeg == configured_ffmpeg_) next.ffmpeg = opts_.ffmpeg;
  const auto changes = settings::diff(settings_table(opts_), settings_table(next));
  if (changes.empty()) {
    reload_log()->info("config_reloaded file={} changed=0 needs_restart=0",
                   opts_.config_file.empty() ? "none" : opts_.config_file);
    return;
  }
  // What can fail is tried before anything changes.
  auto policy = resolve_policy(next);
  if (!policy) return failed(policy.status().message());
  if (Status s = log::set_level(next.log_level); !s) return failed(s.message());
  const auto [live, waiting] =
      settings::apply_live(changes, settings_table(next), settings_table(opts_), "agent");
  (void)log::set_level(opts_.log_level);  // the running level: a restart-only change above did not touch it
  policy_.media_roots = (*policy).media_roots;
  policy_.output_roots = (*policy).output_roots;
  policy_.protocols = opts_.protocols;
  runner_->reconfigure(with_settings(runner_->config()));
  // The controller places by what Register said: capacity, roots, sessions.
  if (live > 0) link_->reregister();
  reload_log()->info("config_reloaded file={} changed={} needs_restart={} media_roots={} output_roots={} protocols={}",
                 opts_.config_file.empty() ? "none" : opts_.config_file, live, waiting,
                 fmt::join(policy_.media_roots, ":"), fmt::join(policy_.output_roots, ":"),
                 fmt::join(policy_.protocols, ","));
}

}  // namespace ffleet::agent
