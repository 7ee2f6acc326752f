#include "options.hpp"

#include <unistd.h>

#include <thread>

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include "ffleet/common/env.hpp"

namespace ffleet::agent {
namespace {

// Config-file keys are the long flag names with dashes as underscores, plus
// the environment settings in lower case (force_kill_timeout_ms, ...).
Status apply_table(const toml::table& t, Options& o) {
  auto str = [&](const char* k, std::string& v) {
    if (auto x = t[k].value<std::string>()) v = *x;
  };
  auto num = [&](const char* k, std::int64_t& v) {
    if (auto x = t[k].value<std::int64_t>()) v = *x;
  };
  auto flag = [&](const char* k, bool& v) {
    if (auto x = t[k].value<bool>()) v = *x;
  };
  str("controller", o.controller);
  str("name", o.name);
  str("work_dir", o.work_dir);
  num("max_streams", o.max_streams);
  str("ffmpeg", o.ffmpeg);
  str("log_level", o.log_level);
  num("force_kill_timeout_ms", o.force_kill_timeout_ms);
  num("resource_monitor_interval_ms", o.resource_monitor_interval_ms);
  num("resource_warning_cpu_percent", o.resource_warning_cpu_percent);
  num("resource_warning_memory_mb", o.resource_warning_memory_mb);
  flag("prefer_hardware_encoding", o.prefer_hardware_encoding);
  flag("hardware_encoder_fallback", o.hardware_encoder_fallback);
  num("log_lines", o.log_lines);
  num("stall_timeout_ms", o.stall_timeout_ms);
  if (auto sessions = t["encoder_sessions"].as_table())
    for (const auto& [vendor, v] : *sessions)
      if (auto n = v.value<std::int64_t>()) o.encoder_sessions[std::string(vendor.str())] = static_cast<int>(*n);
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

// "nvenc=5,qsv=4" -> overrides of the per-vendor session limits.
Status parse_sessions(const std::string& text, std::map<std::string, int>& out, const char* where) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(pos, comma - pos);
    const auto eq = item.find('=');
    int n = -1;
    if (eq != std::string::npos) n = std::atoi(item.c_str() + eq + 1);
    if (eq == std::string::npos || eq == 0 || n < 0 || n > 1000)
      return Status::error(std::string(where) + ": bad item '" + item + "', expected vendor=N, e.g. nvenc=5");
    out[item.substr(0, eq)] = n;
    pos = comma + 1;
  }
  return Status::ok();
}

Status apply_env(Options& o) {
  if (auto v = env::text("FFLEET_ENCODER_SESSIONS"))
    if (Status s = parse_sessions(*v, o.encoder_sessions, "FFLEET_ENCODER_SESSIONS"); !s) return s;
  if (Status s = env::apply({
          {"FORCE_KILL_TIMEOUT_MS", &o.force_kill_timeout_ms, 100, 600000},
          {"RESOURCE_MONITOR_INTERVAL_MS", &o.resource_monitor_interval_ms, 500, 3600000},
          {"RESOURCE_WARNING_CPU_PERCENT", &o.resource_warning_cpu_percent, 1, 100000},
          {"RESOURCE_WARNING_MEMORY_MB", &o.resource_warning_memory_mb, 1, 10000000},
          {"FFLEET_STALL_TIMEOUT_MS", &o.stall_timeout_ms, 500, 86400000},
          {"FFLEET_LOG_LINES", &o.log_lines, 1, 100000},
      });
      !s)
    return s;
  for (auto [name, target] : {std::pair{"PREFER_HARDWARE_ENCODING", &o.prefer_hardware_encoding},
                              std::pair{"HARDWARE_ENCODER_FALLBACK", &o.hardware_encoder_fallback}}) {
    auto r = env::boolean(name);
    if (!r) return r.status();
    if (*r) *target = **r;
  }
  return Status::ok();
}

std::string hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "agent";
  return buf;
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
  CLI::App app{"ffleet-agent: runs ffmpeg for the ffleet controller on this host"};
  std::string config, controller, name, work_dir, ffmpeg, log_level;
  std::int64_t max_streams = -1;
  app.add_option("--config", config, "TOML config file");
  app.add_option("--controller", controller, "controller endpoint (default tcp://127.0.0.1:7700)");
  app.add_option("--name", name, "agent name (default: hostname)");
  app.add_option("--work-dir", work_dir, "directory for playlists and scratch files");
  app.add_option("--max-streams", max_streams, "streams this host takes at once (default: CPU count)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{10000}));
  app.add_option("--ffmpeg", ffmpeg, "ffmpeg binary (default: ffmpeg on PATH)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  app.set_version_flag("--version", "ffleet-agent 0.1.0");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out.exit_now = true;
    out.message = app.help();
    return out;
  } catch (const CLI::CallForVersion& e) {
    out.exit_now = true;
    out.message = e.what();
    return out;
  } catch (const CLI::ParseError& e) {
    out.exit_now = true;
    out.exit_code = 2;
    out.message = e.what();
    return out;
  }
  auto fail = [&](const std::string& m) {
    out.exit_now = true;
    out.exit_code = 2;
    out.message = m;
    return out;
  };
  if (!config.empty())
    if (Status s = apply_file(config, o); !s) return fail(s.message());
  if (Status s = apply_env(o); !s) return fail(s.message());
  if (auto c = env::text("FFLEET_CONTROLLER")) o.controller = *c;
  if (!controller.empty()) o.controller = controller;
  if (!name.empty()) o.name = name;
  if (!work_dir.empty()) o.work_dir = work_dir;
  if (max_streams >= 0) o.max_streams = max_streams;
  if (!ffmpeg.empty()) o.ffmpeg = ffmpeg;
  if (!log_level.empty()) o.log_level = log_level;
  if (o.name.empty()) o.name = hostname();
  if (o.work_dir.empty()) o.work_dir = "/tmp/ffleet-agent-" + o.name;
  if (o.max_streams <= 0) o.max_streams = std::max(1u, std::thread::hardware_concurrency());
  return out;
}

}  // namespace ffleet::agent
