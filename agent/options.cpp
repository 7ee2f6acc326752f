#include "options.hpp"

#include <unistd.h>

#include <algorithm>
#include <thread>

#include <CLI/CLI.hpp>

#include "ffleet/common/metrics_server.hpp"

#include "ffleet/common/env.hpp"
#include "ffleet/common/settings.hpp"

namespace ffleet::agent {
namespace {

using settings::boolean;
using settings::int_map;
using settings::integer;
using settings::list;
using settings::text;

// The agent's settings, one row each (see common/settings.hpp): config keys
// are the long flag names with dashes as underscores, plus the environment
// settings in lower case (force_kill_timeout_ms, ...). The rows point into
// `o`. docs/configuration.md and deploy/config/agent.toml list them
// (tests/integration/test_config.py checks both against this).
settings::Table table(Options& o) {
  settings::Table t;
  t.program = "ffleet-agent";
  t.rows = {
      text("controller", &o.controller).env("FFLEET_CONTROLLER").flag("--controller").help("The controller's endpoint"),
      text("name", &o.name).flag("--name").help("This agent's name, unique in the fleet (empty: the hostname)"),
      text("work_dir", &o.work_dir).flag("--work-dir")
          .help("Playlists and scratch files, mode 0700 (empty: the unit's StateDirectory, else /tmp/ffleet-agent-NAME)"),
      integer("max_streams", &o.max_streams, 0, 10000).flag("--max-streams").live()
          .help("Streams this host runs at once (0: the CPU count)"),
      text("ffmpeg", &o.ffmpeg).flag("--ffmpeg").help("The ffmpeg binary (a name is looked up on PATH)"),
      text("log_level", &o.log_level).flag("--log-level").live().help("trace, debug, info, warn, error"),
      text("log_format", &o.log_format).env("FFLEET_LOG_FORMAT").flag("--log-format").one_of({"text", "json"})
          .help("text: the one line format; json: one JSON object per line, for log shippers"),
      text("metrics", &o.metrics).env("FFLEET_METRICS").flag("--metrics")
          .help("Serve Prometheus metrics at http://ADDR:PORT/metrics (a bare PORT: loopback; no auth, keep it private)"),
      text("key", &o.key).flag("--key").help("This agent's secret key file (ffleet keygen); with controller_key"),
      text("controller_key", &o.controller_key).flag("--controller-key").help("The controller's public key file"),
      list("media_roots", &o.media_roots, ':').env("FFLEET_MEDIA_ROOTS").flag("--media-root").live()
          .help("ffmpeg reads local files only below these directories (none: no local file)"),
      list("output_roots", &o.output_roots, ':').env("FFLEET_OUTPUT_ROOTS").flag("--output-root").live()
          .help("ffmpeg writes local files only below these directories (none: no local file)"),
      list("protocols", &o.protocols, ',').env("FFLEET_PROTOCOLS").flag("--protocols").live()
          .help("What ffmpeg may open"),
      integer("force_kill_timeout_ms", &o.force_kill_timeout_ms, 100, 600000).env("FORCE_KILL_TIMEOUT_MS").live()
          .help("SIGKILL this long after the first SIGTERM of a stop"),
      integer("resource_monitor_interval_ms", &o.resource_monitor_interval_ms, 500, 3600000)
          .env("RESOURCE_MONITOR_INTERVAL_MS").live().help("CPU/RSS sampling of each ffmpeg's process group"),
      integer("resource_warning_cpu_percent", &o.resource_warning_cpu_percent, 1, 100000)
          .env("RESOURCE_WARNING_CPU_PERCENT").live().help("Warn above this CPU (percent of one core)"),
      integer("resource_warning_memory_mb", &o.resource_warning_memory_mb, 1, 10000000)
          .env("RESOURCE_WARNING_MEMORY_MB").live().help("Warn above this RSS (MB)"),
      boolean("prefer_hardware_encoding", &o.prefer_hardware_encoding).env("PREFER_HARDWARE_ENCODING").live()
          .help("With --encoder auto, use a working hardware encoder first"),
      boolean("hardware_encoder_fallback", &o.hardware_encoder_fallback).env("HARDWARE_ENCODER_FALLBACK").live()
          .help("A hardware encoder failing at start is replaced by libx264 in the same run"),
      int_map("encoder_sessions", [&o] { return settings::IntMap(o.encoder_sessions.begin(), o.encoder_sessions.end()); },
              [&o](const settings::IntMap& m) {
                o.encoder_sessions.clear();
                for (const auto& [k, v] : m) o.encoder_sessions[k] = static_cast<int>(v);
              }, 0, 1000).live()
          .help("Concurrent hardware encoder sessions per vendor (env FFLEET_ENCODER_SESSIONS=nvenc=5,qsv=4)"),
      integer("stall_timeout_ms", &o.stall_timeout_ms, 500, 86400000).env("FFLEET_STALL_TIMEOUT_MS").live()
          .help("A run whose progress does not advance this long is killed as stalled"),
      integer("log_lines", &o.log_lines, 1, 100000).env("FFLEET_LOG_LINES").live()
          .help("stderr lines kept per run for ffleet stream logs"),
      boolean("thumbnails", &o.thumbnails).env("FFLEET_THUMBNAILS").flag("--no-thumbnails").live()
          .help("Keep a small JPEG of each run that transcodes (never in copy mode) for ffleet stream thumbnail"),
      integer("thumbnail_interval_s", &o.thumbnail_interval_s, 1, 3600).env("FFLEET_THUMBNAIL_INTERVAL_S")
          .flag("--thumbnail-interval-s").live().help("Seconds between two thumbnails of a run"),
  };
  return t;
}

const char* kHeader =
    "# ffleet-agent configuration (TOML). Precedence: defaults < this file <\n"
    "# environment < flags. Every key is shown with its default, commented out;\n"
    "# [SIGHUP] marks what `systemctl reload` (SIGHUP) changes without a restart\n"
    "# (new runs get it; running ones keep what they started with).\n"
    "# See docs/configuration.md.\n";

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

Status apply_env(Options& o, settings::Origins& origins) {
  if (auto v = env::text("FFLEET_ENCODER_SESSIONS")) {
    if (Status s = parse_sessions(*v, o.encoder_sessions, "FFLEET_ENCODER_SESSIONS"); !s) return s;
    origins["encoder_sessions"] = "env FFLEET_ENCODER_SESSIONS";
  }
  return settings::apply_env(table(o), &origins);
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

settings::Table settings_table(Options& o) { return table(o); }

Status apply_config_text(std::string_view toml_text, const std::string& origin, Options& o) {
  return settings::apply_all_or_nothing(toml_text, origin, o, table);
}

std::string example_config() {
  Options defaults;
  return settings::example(table(defaults), kHeader);
}

ParseOutcome parse_options(int argc, char** argv) {
  ParseOutcome out;
  Options& o = out.options;
  CLI::App app{"ffleet-agent: runs ffmpeg for the ffleet controller on this host"};
  std::string controller, name, work_dir, ffmpeg, log_level, log_format, key, controller_key, metrics;
  std::int64_t max_streams = -1, thumbnail_interval_s = -1;
  bool no_thumbnails = false;
  std::vector<std::string> media_roots, output_roots;
  std::string protocols;
  bool print_config = false, print_example = false;
  app.add_option("--config", o.config_file, "TOML config file (see --print-config-example)");
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
  app.add_option("--metrics", metrics, "serve Prometheus metrics at http://ADDR:PORT/metrics (no auth: keep it private)");
  app.add_option("--media-root", media_roots, "ffmpeg reads local files only below DIR (repeatable; default: none)");
  app.add_option("--output-root", output_roots, "ffmpeg writes local files only below DIR (repeatable; default: none)");
  app.add_option("--protocols", protocols, "protocols ffmpeg may open, comma-separated (default: all of " +
                                               settings_protocols() + ")");
  app.add_flag("--no-thumbnails", no_thumbnails, "keep no thumbnail of the runs (default: one per transcoding run)");
  app.add_option("--thumbnail-interval-s", thumbnail_interval_s, "seconds between two thumbnails of a run (default 5)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{3600}));
  app.add_flag("--print-config", print_config, "print the effective configuration (and where each value comes from), then exit");
  app.add_flag("--print-config-example", print_example, "print an example config file with every key and its default");
  app.set_version_flag("--version", "ffleet-agent 0.1.0");
  auto fail = [&](int code, const std::string& m) {
    out.exit_now = true;
    out.exit_code = code;
    out.message = m;
    if (!out.message.empty() && out.message.back() == '\n') out.message.pop_back();
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
  if (print_example) return fail(0, example_config());
  settings::Origins& origins = out.origins;
  if (!o.config_file.empty())
    if (Status s = settings::apply_file(o.config_file, o, table, &origins); !s) return fail(2, s.message());
  if (Status s = apply_env(o, origins); !s) return fail(2, s.message());
  auto given = [&](const char* k, const char* flag) { origins[k] = std::string("flag ") + flag; };
  if (!controller.empty()) o.controller = controller, given("controller", "--controller");
  if (!name.empty()) o.name = name, given("name", "--name");
  if (!work_dir.empty()) o.work_dir = work_dir, given("work_dir", "--work-dir");
  if (max_streams >= 0) o.max_streams = max_streams, given("max_streams", "--max-streams");
  if (!ffmpeg.empty()) o.ffmpeg = ffmpeg, given("ffmpeg", "--ffmpeg");
  if (!log_level.empty()) o.log_level = log_level, given("log_level", "--log-level");
  if (!log_format.empty()) o.log_format = log_format, given("log_format", "--log-format");
  if (!key.empty()) o.key = key, given("key", "--key");
  if (!controller_key.empty()) o.controller_key = controller_key, given("controller_key", "--controller-key");
  if (!metrics.empty()) o.metrics = metrics, given("metrics", "--metrics");
  if (!o.metrics.empty())
    if (auto a = metrics::parse_address(o.metrics); !a) return fail(2, a.error());
  if (o.key.empty() != o.controller_key.empty())
    return fail(2, "--key and --controller-key go together (CURVE needs both: see docs/security.md)");
  if (!media_roots.empty()) o.media_roots = media_roots, given("media_roots", "--media-root");
  if (!output_roots.empty()) o.output_roots = output_roots, given("output_roots", "--output-root");
  if (no_thumbnails) o.thumbnails = false, given("thumbnails", "--no-thumbnails");
  if (thumbnail_interval_s > 0)
    o.thumbnail_interval_s = thumbnail_interval_s, given("thumbnail_interval_s", "--thumbnail-interval-s");
  if (!protocols.empty()) o.protocols = settings::split_list(protocols, ','), given("protocols", "--protocols");
  if (Status s = check_confinement(o); !s) return fail(2, s.message());
  if (o.name.empty()) o.name = hostname();
  // Under systemd, StateDirectory= (the unit's /var/lib/ffleet-agent) says where.
  if (auto state = env::text("STATE_DIRECTORY"); o.work_dir.empty() && state)
    if (const auto dirs = settings::split_list(*state, ':'); !dirs.empty()) o.work_dir = dirs.front();
  if (o.work_dir.empty()) o.work_dir = "/tmp/ffleet-agent-" + o.name;
  if (o.max_streams <= 0) o.max_streams = std::max(1u, std::thread::hardware_concurrency());
  if (print_config)
    return fail(0, settings::render(table(o), origins,
                                    "# ffleet-agent: effective configuration (defaults < " +
                                        (o.config_file.empty() ? std::string("no config file") : o.config_file) +
                                        " < environment < flags)\n"));
  return out;
}

}  // namespace ffleet::agent
