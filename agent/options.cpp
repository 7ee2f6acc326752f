#include "options.hpp"

#include <unistd.h>

#include <algorithm>
#include <thread>

#include <CLI/CLI.hpp>

#include "ffleet/common/env.hpp"
#include "ffleet/common/settings.hpp"

namespace ffleet::agent {
namespace {

// The agent's settings, one row each (see common/settings.hpp): config keys
// are the long flag names with dashes as underscores, plus the environment
// settings in lower case (force_kill_timeout_ms, ...). The rows point into `o`.
settings::Table table(Options& o) {
  settings::Table t;
  t.program = "ffleet-agent";
  t.ints = {
      {"max_streams", "", &o.max_streams, 0, 10000},
      {"force_kill_timeout_ms", "FORCE_KILL_TIMEOUT_MS", &o.force_kill_timeout_ms, 100, 600000},
      {"resource_monitor_interval_ms", "RESOURCE_MONITOR_INTERVAL_MS", &o.resource_monitor_interval_ms, 500, 3600000},
      {"resource_warning_cpu_percent", "RESOURCE_WARNING_CPU_PERCENT", &o.resource_warning_cpu_percent, 1, 100000},
      {"resource_warning_memory_mb", "RESOURCE_WARNING_MEMORY_MB", &o.resource_warning_memory_mb, 1, 10000000},
      {"stall_timeout_ms", "FFLEET_STALL_TIMEOUT_MS", &o.stall_timeout_ms, 500, 86400000},
      {"log_lines", "FFLEET_LOG_LINES", &o.log_lines, 1, 100000},
  };
  t.bools = {{"prefer_hardware_encoding", "PREFER_HARDWARE_ENCODING", &o.prefer_hardware_encoding},
             {"hardware_encoder_fallback", "HARDWARE_ENCODER_FALLBACK", &o.hardware_encoder_fallback}};
  t.texts = {{"controller", &o.controller}, {"name", &o.name},      {"work_dir", &o.work_dir},
             {"ffmpeg", &o.ffmpeg},         {"log_level", &o.log_level},
             {"key", &o.key},               {"controller_key", &o.controller_key},
             {"log_format", &o.log_format, "FFLEET_LOG_FORMAT", {"text", "json"}}};
  t.lists = {{"media_roots", "FFLEET_MEDIA_ROOTS", ':', &o.media_roots},
             {"output_roots", "FFLEET_OUTPUT_ROOTS", ':', &o.output_roots},
             {"protocols", "FFLEET_PROTOCOLS", ',', &o.protocols}};
  t.maps = {{"encoder_sessions",
             [&o](const std::string& vendor, std::int64_t n) { o.encoder_sessions[vendor] = static_cast<int>(n); }, 0,
             1000}};
  return t;
}

Status apply_file(const std::string& path, Options& o) {
  auto text = settings::read_config(path);
  return text ? apply_config_text(*text, path, o) : text.status();
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
  return settings::apply_env(table(o));
}

std::string settings_protocols() {
  std::string out;
  for (const auto& p : confine::known_protocols()) out += (out.empty() ? "" : ",") + p;
  return out;
}

// Roots are absolute (resolved at start, agent.cpp); protocols are names ffleet knows.
Status check_confinement(const Options& o) {
  for (const auto* roots : {&o.media_roots, &o.output_roots})
    for (const auto& r : *roots)
      if (r.empty() || r[0] != '/')
        return Status::error("--media-root/--output-root " + r + ": must be an absolute directory");
  for (const auto& p : o.protocols) {
    const auto& k = confine::known_protocols();
    if (std::find(k.begin(), k.end(), p) == k.end())
      return Status::error("protocols: unknown protocol '" + p + "' (known: " + settings_protocols() + ")");
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
  Options next = o;  // all or nothing
  if (Status s = settings::apply_toml(toml_text, origin, table(next)); !s) return s;
  o = std::move(next);
  return Status::ok();
}

ParseOutcome parse_options(int argc, char** argv) {
  ParseOutcome out;
  Options& o = out.options;
  CLI::App app{"ffleet-agent: runs ffmpeg for the ffleet controller on this host"};
  std::string config, controller, name, work_dir, ffmpeg, log_level, key, controller_key, log_format;
  std::int64_t max_streams = -1;
  std::vector<std::string> media_roots, output_roots;
  std::string protocols;
  app.add_option("--config", config, "TOML config file");
  app.add_option("--controller", controller, "controller endpoint (default tcp://127.0.0.1:7700)");
  app.add_option("--name", name, "agent name (default: hostname)");
  app.add_option("--work-dir", work_dir, "directory for playlists and scratch files");
  app.add_option("--max-streams", max_streams, "streams this host takes at once (default: CPU count)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{10000}));
  app.add_option("--ffmpeg", ffmpeg, "ffmpeg binary (default: ffmpeg on PATH)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  app.add_option("--log-format", log_format, "text (default) or json: one JSON object per line")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--key", key, "this agent's secret key file (ffleet keygen)");
  app.add_option("--controller-key", controller_key, "the controller's public key file");
  app.add_option("--media-root", media_roots, "ffmpeg reads local files only below DIR (repeatable; default: none)");
  app.add_option("--output-root", output_roots, "ffmpeg writes local files only below DIR (repeatable; default: none)");
  app.add_option("--protocols", protocols, "protocols ffmpeg may open, comma-separated (default: all of " +
                                               settings_protocols() + ")");
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
  if (!log_format.empty()) o.log_format = log_format;
  if (!key.empty()) o.key = key;
  if (!controller_key.empty()) o.controller_key = controller_key;
  if (o.key.empty() != o.controller_key.empty())
    return fail("--key and --controller-key go together (CURVE needs both: see docs/security.md)");
  if (!media_roots.empty()) o.media_roots = media_roots;
  if (!output_roots.empty()) o.output_roots = output_roots;
  if (!protocols.empty()) o.protocols = settings::split_list(protocols, ',');
  if (Status s = check_confinement(o); !s) return fail(s.message());
  if (o.name.empty()) o.name = hostname();
  if (o.work_dir.empty()) o.work_dir = "/tmp/ffleet-agent-" + o.name;
  if (o.max_streams <= 0) o.max_streams = std::max(1u, std::thread::hardware_concurrency());
  return out;
}

}  // namespace ffleet::agent
