#include "options.hpp"

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include "ffleet/common/env.hpp"

namespace ffleet::controller {
namespace {

Status apply_table(const toml::table& t, Options& o) {
  if (auto x = t["listen"].value<std::string>()) o.listen = *x;
  if (auto x = t["db"].value<std::string>()) o.db = *x;
  if (auto x = t["log_level"].value<std::string>()) o.log_level = *x;
  if (auto x = t["heartbeat_ms"].value<std::int64_t>()) o.heartbeat_ms = *x;
  if (auto x = t["lost_after_ms"].value<std::int64_t>()) o.lost_after_ms = *x;
  if (auto x = t["restart_grace_ms"].value<std::int64_t>()) o.restart_grace_ms = *x;
  if (auto x = t["fence_margin_ms"].value<std::int64_t>()) o.fence_margin_ms = *x;
  if (auto x = t["max_concurrent_streams_global"].value<std::int64_t>()) o.limits.global = *x;
  if (auto x = t["max_concurrent_streams_per_user"].value<std::int64_t>()) o.limits.per_user = *x;
  if (auto x = t["retry_base_ms"].value<std::int64_t>()) o.retry.base_ms = *x;
  if (auto x = t["retry_cap_ms"].value<std::int64_t>()) o.retry.cap_ms = *x;
  if (auto x = t["retry_max"].value<std::int64_t>()) o.retry.max_retries = *x;
  if (auto x = t["retry_stable_ms"].value<std::int64_t>()) o.retry.stable_ms = *x;
  if (auto users = t["user_limits"].as_table())
    for (const auto& [user, v] : *users)
      if (auto n = v.value<std::int64_t>()) o.limits.user_overrides[std::string(user.str())] = *n;
  return Status::ok();
}

Status apply_file(const std::string& path, Options& o) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Status::error("config " + path + ": " + std::string(e.description()));
  }
  return apply_table(t, o);
}

Status apply_env(Options& o) {
  return env::apply({
      {"MAX_CONCURRENT_STREAMS_GLOBAL", &o.limits.global, 0, 1000000},
      {"MAX_CONCURRENT_STREAMS_PER_USER", &o.limits.per_user, 0, 1000000},
      {"FFLEET_HEARTBEAT_MS", &o.heartbeat_ms, 50, 60000},
      {"FFLEET_LOST_AFTER_MS", &o.lost_after_ms, 200, 600000},
      {"FFLEET_RESTART_GRACE_MS", &o.restart_grace_ms, 0, 600000},
      {"FFLEET_FENCE_MARGIN_MS", &o.fence_margin_ms, 0, 600000},
      {"FFLEET_RETRY_BASE_MS", &o.retry.base_ms, 1, 3600000},
      {"FFLEET_RETRY_CAP_MS", &o.retry.cap_ms, 1, 86400000},
      {"FFLEET_RETRY_MAX", &o.retry.max_retries, 0, 1000},
      {"FFLEET_RETRY_STABLE_MS", &o.retry.stable_ms, 0, 86400000},
  });
}

}  // namespace

Status apply_config_text(std::string_view toml_text, const std::string& origin, Options& o) {
  toml::table t;
  try {
    t = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    return Status::error("config " + origin + ": " + std::string(e.description()));
  }
  return apply_table(t, o);
}

ParseOutcome parse_options(int argc, char** argv) {
  ParseOutcome out;
  Options& o = out.options;
  CLI::App app{"ffleet-controller: schedules ffmpeg streams across ffleet agents"};
  std::string config, listen, db, log_level;
  app.add_option("--config", config, "TOML config file");
  app.add_option("--listen", listen, "endpoint for agents and the CLI (default tcp://127.0.0.1:7700)");
  app.add_option("--db", db, "SQLite database (default ./ffleet.db)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
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
  if (o.lost_after_ms <= o.heartbeat_ms) return fail(2, "lost_after_ms must be longer than heartbeat_ms");
  return out;
}

}  // namespace ffleet::controller
