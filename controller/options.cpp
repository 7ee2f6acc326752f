#include "options.hpp"

#include <CLI/CLI.hpp>

#include "ffleet/common/metrics_server.hpp"

namespace ffleet::controller {
namespace {

using settings::boolean;
using settings::int_map;
using settings::integer;
using settings::list;
using settings::text;

// The controller's settings, one row each (see common/settings.hpp); the
// rows point into `o`. docs/configuration.md and deploy/config/controller.toml
// list them (tests/integration/test_config.py checks both against this).
settings::Table table(Options& o) {
  settings::Table t;
  t.program = "ffleet-controller";
  t.rows = {
      text("listen", &o.listen).flag("--listen").help("Where agents and the CLI connect (tcp://0.0.0.0:7700: all interfaces; needs key or insecure)"),
      text("db", &o.db).flag("--db").help("The SQLite database (WAL mode; -wal and -shm files beside it)"),
      text("log_level", &o.log_level).flag("--log-level").live().help("trace, debug, info, warn, error"),
      text("log_format", &o.log_format).env("FFLEET_LOG_FORMAT").flag("--log-format").one_of({"text", "json"})
          .help("text: the one line format; json: one JSON object per line, for log shippers"),
      text("metrics", &o.metrics).env("FFLEET_METRICS").flag("--metrics")
          .help("Serve Prometheus metrics at http://ADDR:PORT/metrics (a bare PORT: loopback; no auth, keep it private)"),
      text("http", &o.http).env("FFLEET_HTTP").flag("--http")
          .help("Serve the HTTP API and the dashboard at ADDR:PORT (a bare PORT: loopback); beyond loopback needs TLS or http_insecure"),
      text("tls_cert", &o.tls_cert).env("FFLEET_TLS_CERT").flag("--tls-cert").help("PEM certificate (chain) for --http: HTTPS"),
      text("tls_key", &o.tls_key).env("FFLEET_TLS_KEY").flag("--tls-key").help("PEM private key of tls_cert"),
      boolean("http_insecure", &o.http_insecure).flag("--http-insecure")
          .help("Serve plain HTTP beyond loopback (tokens cross the network in clear: only behind a TLS proxy)"),
      integer("http_event_clients", &o.http_event_clients, 1, 4096).env("FFLEET_HTTP_EVENT_CLIENTS")
          .help("Event streams (open dashboards) served at once; each holds an HTTP thread"),
      text("key", &o.key).flag("--key").help("This controller's secret key file (ffleet keygen): with it every link is CURVE"),
      list("admin_keys", &o.admin_keys, ':').flag("--admin-key").live().help("Admins' public key files, each named by its stem"),
      boolean("insecure", &o.insecure).flag("--insecure").help("Listen beyond loopback without keys (anyone reaching the port is an admin)"),
      integer("max_concurrent_streams_global", &o.limits.global, 0, 1000000).env("MAX_CONCURRENT_STREAMS_GLOBAL").live()
          .help("Streams starting or running at once in the fleet (ffleet limits set wins)"),
      integer("max_concurrent_streams_per_user", &o.limits.per_user, 0, 1000000).env("MAX_CONCURRENT_STREAMS_PER_USER").live()
          .help("Streams starting or running at once per user (ffleet limits set wins)"),
      int_map("user_limits", [&o] { return settings::IntMap(o.limits.user_overrides.begin(), o.limits.user_overrides.end()); },
              [&o](const settings::IntMap& m) { o.limits.user_overrides = {m.begin(), m.end()}; }, 0, 1000000).live()
          .help("Per-user overrides of the per-user limit, e.g. { render = 30 }"),
      integer("heartbeat_ms", &o.heartbeat_ms, 50, 60000).env("FFLEET_HEARTBEAT_MS").help("Heartbeat interval, both ways"),
      integer("lost_after_ms", &o.lost_after_ms, 200, 600000).env("FFLEET_LOST_AFTER_MS")
          .help("Silence after which an agent is lost (longer than heartbeat_ms)"),
      integer("restart_grace_ms", &o.restart_grace_ms, 0, 600000).env("FFLEET_RESTART_GRACE_MS")
          .help("After a start, how long known agents have to reconnect before any is lost"),
      integer("fence_margin_ms", &o.fence_margin_ms, 0, 600000).env("FFLEET_FENCE_MARGIN_MS").live()
          .help("--on-host-lost fence: extra wait after the lease before such a stream moves"),
      integer("retry_base_ms", &o.retry.base_ms, 1, 3600000).env("FFLEET_RETRY_BASE_MS").live()
          .help("First retry delay; doubles each time"),
      integer("retry_cap_ms", &o.retry.cap_ms, 1, 86400000).env("FFLEET_RETRY_CAP_MS").live().help("Longest retry delay"),
      integer("retry_max", &o.retry.max_retries, 0, 1000).env("FFLEET_RETRY_MAX").live()
          .help("Retries in a row before a stream is failed"),
      integer("retry_stable_ms", &o.retry.stable_ms, 0, 86400000).env("FFLEET_RETRY_STABLE_MS").live()
          .help("A run up this long was healthy: its failure starts the retry count again"),
      integer("run_history", &o.run_history, 1, 100000).env("FFLEET_RUN_HISTORY").help("Runs kept per stream"),
      integer("schedule_history", &o.schedule_history, 1, 100000).env("FFLEET_SCHEDULE_HISTORY")
          .help("Schedule notes (missed, late starts) kept per stream"),
      boolean("debug_check_index", &o.debug_check_index).env("FFLEET_DEBUG_CHECK_INDEX")
          .help("Test aid: after loop turns (5 times a second at most), compare the streams in memory with the database; abort on a difference (slow)"),
  };
  return t;
}

const char* kHeader =
    "# ffleet-controller configuration (TOML). Precedence: defaults < this file <\n"
    "# environment < flags. Every key is shown with its default, commented out;\n"
    "# [SIGHUP] marks what `systemctl reload` (SIGHUP) changes without a restart.\n"
    "# See docs/configuration.md.\n";

// Plain HTTP carries tokens in clear: beyond loopback only when told.
Status check_http(const Options& o) {
  if (o.tls_cert.empty() != o.tls_key.empty()) return Status::error("--tls-cert and --tls-key go together");
  if (o.http.empty()) {
    if (!o.tls_cert.empty()) return Status::error("--tls-cert needs --http");
    return Status::ok();
  }
  auto a = metrics::parse_address(o.http);
  if (!a) return Status::error("--http: " + a.error());
  if (o.tls_cert.empty() && !o.http_insecure && !metrics::is_loopback(a->host))
    return Status::error("--http " + o.http +
                         " would serve plain HTTP beyond this host (tokens in clear): give --tls-cert and --tls-key, "
                         "or --http-insecure behind a TLS proxy");
  return Status::ok();
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
  CLI::App app{"ffleet-controller: schedules ffmpeg streams across ffleet agents"};
  std::string listen, db, log_level, log_format, key, metrics, http, tls_cert, tls_key;
  std::vector<std::string> admin_keys;
  bool insecure = false, http_insecure = false, print_config = false, print_example = false;
  app.add_option("--config", o.config_file, "TOML config file (see --print-config-example)");
  app.add_option("--key", key, "this controller's secret key file (ffleet keygen): every link is CURVE");
  app.add_option("--admin-key", admin_keys, "an admin's public key file, named by its stem (repeatable)");
  app.add_flag("--insecure", insecure, "listen beyond loopback without keys (anyone reaching the port is an admin)");
  app.add_option("--listen", listen, "endpoint for agents and the CLI (default tcp://127.0.0.1:7700)");
  app.add_option("--db", db, "SQLite database (default ./ffleet.db)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  app.add_option("--log-format", log_format, "text (default) or json: one JSON object per line")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--metrics", metrics, "serve Prometheus metrics at http://ADDR:PORT/metrics (no auth: keep it private)");
  app.add_option("--http", http, "serve the HTTP API and dashboard at ADDR:PORT (docs/web.md)");
  app.add_option("--tls-cert", tls_cert, "PEM certificate for --http (HTTPS)");
  app.add_option("--tls-key", tls_key, "PEM private key of --tls-cert");
  app.add_flag("--http-insecure", http_insecure, "serve plain HTTP beyond loopback (only behind a TLS proxy)");
  app.add_flag("--print-config", print_config, "print the effective configuration (and where each value comes from), then exit");
  app.add_flag("--print-config-example", print_example, "print an example config file with every key and its default");
  app.set_version_flag("--version", "ffleet-controller 0.1.0");
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
  if (Status s = settings::apply_env(table(o), &origins); !s) return fail(2, s.message());
  auto given = [&](const char* k, const char* flag) { origins[k] = std::string("flag ") + flag; };
  if (!listen.empty()) o.listen = listen, given("listen", "--listen");
  if (!db.empty()) o.db = db, given("db", "--db");
  if (!log_level.empty()) o.log_level = log_level, given("log_level", "--log-level");
  if (!log_format.empty()) o.log_format = log_format, given("log_format", "--log-format");
  if (!key.empty()) o.key = key, given("key", "--key");
  if (!admin_keys.empty()) o.admin_keys = admin_keys, given("admin_keys", "--admin-key");
  if (insecure) o.insecure = true, given("insecure", "--insecure");
  if (!metrics.empty()) o.metrics = metrics, given("metrics", "--metrics");
  if (!o.metrics.empty())
    if (auto a = metrics::parse_address(o.metrics); !a) return fail(2, a.error());
  if (!http.empty()) o.http = http, given("http", "--http");
  if (!tls_cert.empty()) o.tls_cert = tls_cert, given("tls_cert", "--tls-cert");
  if (!tls_key.empty()) o.tls_key = tls_key, given("tls_key", "--tls-key");
  if (http_insecure) o.http_insecure = true, given("http_insecure", "--http-insecure");
  if (Status s = check_http(o); !s) return fail(2, s.message());
  if (o.key.empty() && !o.admin_keys.empty()) return fail(2, "--admin-key needs --key (the controller's own key)");
  if (o.lost_after_ms <= o.heartbeat_ms) return fail(2, "lost_after_ms must be longer than heartbeat_ms");
  if (o.retry.cap_ms < o.retry.base_ms) return fail(2, "retry_cap_ms must be at least retry_base_ms");
  if (print_config)
    return fail(0, settings::render(table(o), origins,
                                    "# ffleet-controller: effective configuration (defaults < " +
                                        (o.config_file.empty() ? std::string("no config file") : o.config_file) +
                                        " < environment < flags)\n"));
  return out;
}

}  // namespace ffleet::controller
