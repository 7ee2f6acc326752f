// The agent's settings: command line over environment over config file over
// defaults. Parsing is separate from the daemon so it can be tested.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ffleet/common/confine.hpp"
#include "ffleet/common/encoders.hpp"
#include "ffleet/common/parse_outcome.hpp"
#include "ffleet/common/status.hpp"

namespace ffleet::agent {

struct Options {
  std::string config_file;  // --config: read again on SIGHUP
  std::string controller = "tcp://127.0.0.1:7700";
  std::string name;      // default: hostname
  std::string work_dir;  // default: /tmp/ffleet-agent-NAME
  std::int64_t max_streams = 0;  // default: CPU count
  std::string ffmpeg = "ffmpeg";
  std::string log_level = "info";
  std::string log_format = "text";  // text, or json: one object per line (common/log_json.hpp)
  std::int64_t force_kill_timeout_ms = 5000;
  std::int64_t resource_monitor_interval_ms = 30000;
  std::int64_t resource_warning_cpu_percent = 80;
  std::int64_t resource_warning_memory_mb = 500;
  bool prefer_hardware_encoding = true;
  bool hardware_encoder_fallback = true;
  std::int64_t log_lines = 200;
  std::int64_t stall_timeout_ms = 30000;
  // A small JPEG of each run that transcodes, rewritten every interval, for
  // `ffleet stream thumbnail` (docs/agent.md, "Thumbnails").
  bool thumbnails = true;
  std::int64_t thumbnail_interval_s = 5;
  // Hardware encoder sessions by vendor; defaults from the encoder table
  // (ffleet/common/encoders.hpp: NVENC 3, QSV 8, VAAPI 8, ...).
  std::map<std::string, int> encoder_sessions = ffleet::encoders::default_sessions();
  std::int64_t detect_timeout_ms = 10000;
  // CURVE (docs/security.md): this agent's secret key file and the
  // controller's public key file; both or neither.
  std::string key;
  std::string controller_key;
  // --metrics ADDR:PORT: Prometheus text at GET /metrics (docs/metrics.md);
  // empty: off. No authentication: keep it on loopback or a private network.
  std::string metrics;
  // What ffmpeg may touch (docs/security.md, "What ffmpeg may touch"):
  // local files are read only under a media root and written only under an
  // output root; none by default. Only these protocols are opened.
  std::vector<std::string> media_roots;
  std::vector<std::string> output_roots;
  std::vector<std::string> protocols = confine::default_protocols();
};

using ParseOutcome = ffleet::ParseOutcome<Options>;
// Command line over environment over config file over defaults. --help,
// --version, --print-config and --print-config-example end in exit_now with
// the text to print (exit 0); a bad setting in exit_now with its line (2).
ParseOutcome parse_options(int argc, char** argv);

// The settings table over `o` (what SIGHUP compares and copies).
settings::Table settings_table(Options& o);
// deploy/config/agent.toml: every key with its help and default.
std::string example_config();

// Applies the TOML text of a config file over `o` (what --config does with the
// file's contents); `origin` names it in the error. An unknown key, a value of
// the wrong type or out of its range is an error naming the file, line and
// key; on any error `o` is left as it was.
Status apply_config_text(std::string_view toml_text, const std::string& origin, Options& o);

}  // namespace ffleet::agent
