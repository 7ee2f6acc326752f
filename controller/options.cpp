#include "options.hpp"

#include <CLI/CLI.hpp>

#include "ffleet/common/settings.hpp"

namespace ffleet::controller {
namespace {

// The controller's settings, one row each (see common/settings.hpp); the
// rows point into `o`.
settings::Table table(Options& o) {
  settings::Table t;
  t.program = "ffleet-controller";
  t.ints = {
      {"max_concurrent_streams_global", "MAX_CONCURRENT_STREAMS_GLOBAL", &o.limits.global, 0, 1000000},
      {"max_concurrent_streams_per_user", "MAX_CONCURRENT_STREAMS_PER_USER", &o.limits.per_user, 0, 1000000},
      {"heartbeat_ms", "FFLEET_HEARTBEAT_MS", &o.heartbeat_ms, 50, 60000},
      {"lost_after_ms", "FFLEET_LOST_AFTER_MS", &o.lost_after_ms, 200, 600000},
      {"restart_grace_ms", "FFLEET_RESTART_GRACE_MS", &o.restart_grace_ms, 0, 600000},
      {"fence_margin_ms", "FFLEET_FENCE_MARGIN_MS", &o.fence_margin_ms, 0, 600000},
      {"retry_base_ms", "FFLEET_RETRY_BASE_MS", &o.retry.base_ms, 1, 3600000},
      {"retry_cap_ms", "FFLEET_RETRY_CAP_MS", &o.retry.cap_ms, 1, 86400000},
      {"retry_max", "FFLEET_RETRY_MAX", &o.retry.max_retries, 0, 1000},
      {"retry_stable_ms", "FFLEET_RETRY_STABLE_MS", &o.retry.stable_ms, 0, 86400000},
      {"run_history", "FFLEET_RUN_HISTORY", &o.run_history, 1, 100000},
      {"schedule_history", "FFLEET_SCHEDULE_HISTORY", &o.schedule_history, 1, 100000},
  };
  t.texts = {{"listen", &o.listen}, {"db", &o.db}, {"log_level", &o.log_level}, {"key", &o.key},
             {"log_format", &o.log_format, "FFLEET_LOG_FORMAT", {"text", "json"}}};
  t.maps = {{"user_limits", [&o](const std::string& user, std::int64_t n) { o.limits.user_overrides[user] = n; }, 0,
             1000000}};
  return t;
}

Status apply_file(const std::string& path, Options& o) {
  auto text = settings::read_config(path);
  return text ? apply_config_text(*text, path, o) : text.status();
}

Status apply_env(Options& o) { return settings::apply_env(table(o)); }

}  // namespace

Status apply_config_text(std::string_view toml_text, const std::string& origin, Options& o) {
  Options next = o;  // all or nothing
  if (Status s = settings::apply_toml(toml_text, origin, table(next)); !s) return s;
  o = std::move(next);
  return Status::ok();
}

ParseOutcome parse_options(int argc, char** argv) {
  ParseOutcome out;
  Options& o = out.options;
  CLI::App app{"ffleet-controller: schedules ffmpeg streams across ffleet agents"};
  std::string config, listen, db, log_level, key, log_format;
  std::vector<std::string> admin_keys;
  bool insecure = false;
  app.add_option("--config", config, "TOML config file");
  app.add_option("--key", key, "this controller's secret key file (ffleet keygen): every link is CURVE");
  app.add_option("--admin-key", admin_keys, "an admin's public key file, named by its stem (repeatable)");
  app.add_flag("--insecure", insecure, "listen beyond loopback without keys (anyone reaching the port is an admin)");
  app.add_option("--listen", listen, "endpoint for agents and the CLI (default tcp://127.0.0.1:7700)");
  app.add_option("--db", db, "SQLite database (default ./ffleet.db)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  app.add_option("--log-format", log_format, "text (default) or json: one JSON object per line")
      ->check(CLI::IsMember({"text", "json"}));
  app.set_version_flag("--version", "ffleet-controller 0.1.0");
  auto fail = [&](int code, const std::string& m) {
    out.exit_now = true;
    out.exit_code = code;
    out.message = m;
    return out;
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return fail(0, app.help());
  } catch (const CLI::CallForVersion& e) {
    return fail(0, e.what());
  } catch (const CLI::ParseError& e) {
    return fail(2, e.what());
  }
  if (!config.empty())
    if (Status s = apply_file(config, o); !s) return fail(2, s.message());
  if (Status s = apply_env(o); !s) return fail(2, s.message());
  if (!listen.empty()) o.listen = listen;
  if (!db.empty()) o.db = db;
  if (!log_level.empty()) o.log_level = log_level;
  if (!log_format.empty()) o.log_format = log_format;
  if (!key.empty()) o.key = key;
  for (auto& k : admin_keys) o.admin_keys.push_back(k);
  o.insecure = o.insecure || insecure;
  if (o.key.empty() && !o.admin_keys.empty()) return fail(2, "--admin-key needs --key (the controller's own key)");
  if (o.lost_after_ms <= o.heartbeat_ms) return fail(2, "lost_after_ms must be longer than heartbeat_ms");
  if (o.retry.cap_ms < o.retry.base_ms) return fail(2, "retry_cap_ms must be at least retry_base_ms");
  return out;
}

}  // namespace ffleet::controller
