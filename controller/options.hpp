// The controller's settings: command line over environment over config file
// over defaults.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ffleet/common/parse_outcome.hpp"
#include "ffleet/common/settings.hpp"
#include "ffleet/common/status.hpp"
#include "limits/limits.hpp"
#include "retry/retry.hpp"

namespace ffleet::controller {

struct Options {
  std::string config_file;  // --config: read again on SIGHUP
  std::string listen = "tcp://127.0.0.1:7700";
  std::string db = "./ffleet.db";
  std::string log_level = "info";
  std::string log_format = "text";  // text, or json: one object per line (common/log_json.hpp)
  // Liveness: agents heartbeat every heartbeat_ms and are lost after
  // lost_after_ms of silence (3 missed beats plus one of slack).
  std::int64_t heartbeat_ms = 1000;
  std::int64_t lost_after_ms = 4000;
  // After a controller start, agents get this long to reconnect before any of
  // them may be declared lost: a restart must not fail streams over.
  std::int64_t restart_grace_ms = 15000;
  // --on-host-lost fence: after an agent is lost, its fenced streams move only
  // once this much more has passed: the agent stops them itself when its lease
  // (lost_after_ms of silence) expires, and may need FORCE_KILL_TIMEOUT_MS
  // (5 s) to do it, plus slack.
  std::int64_t fence_margin_ms = 7000;
  // StartRun/StopRun are resent at this pace until the agent answers.
  std::int64_t resend_ms = 2000;
  limits::Limits limits;
  retry::Policy retry;
  // A scheduled start this late (the controller was down) is logged as late.
  std::int64_t late_start_ms = 5000;
  // Runs and schedule notes kept per stream (older ones are pruned).
  std::int64_t run_history = 100;
  std::int64_t schedule_history = 50;
  // Security (docs/security.md). With `key` (the controller's secret key
  // file) every link is CURVE and each peer is known by its public key:
  // admins by these files, users and agents from the database.
  std::string key;
  std::vector<std::string> admin_keys;
  // Listen beyond loopback without keys (everyone who reaches the port is an
  // admin): refused unless said in so many words.
  bool insecure = false;
  // --metrics ADDR:PORT: Prometheus text at GET /metrics (docs/metrics.md);
  // empty: off. No authentication: keep it on loopback or a private network.
  std::string metrics;
  // --http ADDR:PORT: the HTTP API, its events and the dashboard (docs/web.md);
  // beyond loopback only with TLS (tls_cert + tls_key) or http_insecure.
  std::string http;
  std::string tls_cert;
  std::string tls_key;
  bool http_insecure = false;
  std::int64_t http_event_clients = 64;  // event streams (browsers) served at once
  // A test aid: after every loop turn, the streams in memory are compared
  // with the database read afresh, and a difference aborts (slow).
  bool debug_check_index = false;
};

using ParseOutcome = ffleet::ParseOutcome<Options>;
// Command line over environment over config file over defaults. --help,
// --version, --print-config and --print-config-example end in exit_now with
// the text to print (exit 0); a bad setting in exit_now with its line (2).
ParseOutcome parse_options(int argc, char** argv);

// The settings table over `o` (what SIGHUP compares and copies).
settings::Table settings_table(Options& o);
// deploy/config/controller.toml: every key with its help and default.
std::string example_config();

// Applies the TOML text of a config file over `o` (what --config does with the
// file's contents); `origin` names it in the error. An unknown key, a value of
// the wrong type or out of its range is an error naming the file, line and
// key; on any error `o` is left as it was.
Status apply_config_text(std::string_view toml_text, const std::string& origin, Options& o);

}  // namespace ffleet::controller
