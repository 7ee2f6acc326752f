#include "options.hpp"

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include <algorithm>
#include <map>
#include <vector>

#include "ffleet/common/env.hpp"

namespace ffleet::controller {
namespace {

// The controller's whole-number settings, one row each: config key,
// environment variable, where the value goes, and its range. A value from
// the config file gets the same checks as one from the environment.
struct Setting {
  const char* key;
  const char* env;
  std::int64_t* target;
  std::int64_t min, max;
};

std::vector<Setting> int_settings(Options& o) {
  return {
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
}

std::string where(const std::string& origin, const toml::node& n, std::string_view key) {
  return "config " + origin + ":" + std::to_string(n.source().begin.line) + ": key '" + std::string(key) + "'";
}

// Only a TOML integer is a whole number here: toml++'s value<int64_t>() would
// convert a float first (undefined past int64, found by the config fuzzer).
Result<std::int64_t> whole(const toml::node& n, const std::string& at, std::int64_t min, std::int64_t max) {
  const auto* i = n.as_integer();
  if (i == nullptr || i->get() < min || i->get() > max)
    return Status::error(at + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  return i->get();
}

Status apply_table(const toml::table& t, const std::string& origin, Options& o) {
  Options next = o;  // all or nothing
  const auto ints = int_settings(next);
  std::map<std::string, std::string*> texts = {{"listen", &next.listen}, {"db", &next.db}, {"log_level", &next.log_level}};
  for (const auto& [k, node] : t) {
    const std::string key(k.str());
    const std::string at = where(origin, node, key);
    if (auto it = texts.find(key); it != texts.end()) {
      const auto* v = node.as_string();
      if (v == nullptr) return Status::error(at + " must be a string");
      *it->second = v->get();
    } else if (key == "user_limits") {
      const auto* users = node.as_table();
      if (users == nullptr) return Status::error(at + " must be a table of user = limit");
      for (const auto& [user, v] : *users) {
        auto n = whole(v, where(origin, v, "user_limits." + std::string(user.str())), 0, 1000000);
        if (!n) return n.status();
        next.limits.user_overrides[std::string(user.str())] = *n;
      }
    } else {
      auto s = std::find_if(ints.begin(), ints.end(), [&](const Setting& x) { return key == x.key; });
      if (s == ints.end()) return Status::error(at + " is not a setting of ffleet-controller (see docs/configuration.md)");
      auto n = whole(node, at, s->min, s->max);
      if (!n) return n.status();
      *s->target = *n;
    }
  }
  o = std::move(next);
  return Status::ok();
}

Status apply_file(const std::string& path, Options& o) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Status::error("config " + path + ": " + std::string(e.description()));
  }
  return apply_table(t, path, o);
}

Status apply_env(Options& o) {
  for (const auto& s : int_settings(o)) {
    auto r = env::integer(s.env, s.min, s.max);
    if (!r) return r.status();
    if (*r) *s.target = **r;
  }
  return Status::ok();
}

}  // namespace

Status apply_config_text(std::string_view toml_text, const std::string& origin, Options& o) {
  toml::table t;
  try {
    t = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    return Status::error("config " + origin + ": " + std::string(e.description()));
  }
  return apply_table(t, origin, o);
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
  if (o.retry.cap_ms < o.retry.base_ms) return fail(2, "retry_cap_ms must be at least retry_base_ms");
  return out;
}

}  // namespace ffleet::controller
