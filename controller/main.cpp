// ffleet-controller: see loop/controller.hpp. Exit codes: 0 after SIGTERM or
// SIGINT, 2 usage, 3 start-up failure (database, listen address), 5 the
// database file was deleted or replaced while running.
#include <sys/stat.h>

#include <cstdio>

#include "ffleet/common/log.hpp"
#include "loop/controller.hpp"

int main(int argc, char** argv) {
  using namespace ffleet::controller;
  auto parsed = parse_options(argc, argv);
  if (parsed.exit_now) {
    std::fprintf(parsed.exit_code == 0 ? stdout : stderr, "%s%s\n", parsed.exit_code == 0 ? "" : "ffleet-controller: ",
                 parsed.message.c_str());
    return parsed.exit_code;
  }
  const Options& o = parsed.options;
  if (auto s = ffleet::log::setup(o.log_level, o.log_format); !s) {
    std::fprintf(stderr, "ffleet-controller: %s\n", s.message().c_str());
    return kExitUsage;
  }
  auto log = ffleet::log::get("controller");
  // Nothing the controller creates is for others: the database, its WAL and
  // SHM, SQLite's journals and temp files hold stream keys in clear.
  ::umask(077);
  store::StoreOptions so;
  so.run_history = o.run_history;
  so.schedule_history = o.schedule_history;
  auto store = store::Store::open(o.db, so);
  if (!store) {
    log->error("startup_failed error=\"{}\"", store.error());
    std::fprintf(stderr, "ffleet-controller: %s\n", store.error().c_str());
    return kExitStartup;
  }
  const int version = store->schema_version();
  Controller c(o, std::move(*store));
  c.set_reparse([argc, argv] { return parse_options(argc, argv); });
  auto endpoint = c.bind();
  if (!endpoint) {
    log->error("startup_failed error=\"{}\"", endpoint.error());
    std::fprintf(stderr, "ffleet-controller: %s\n", endpoint.error().c_str());
    return kExitStartup;
  }
  log->info("controller_started listen={} db={} schema_version={} heartbeat_ms={} lost_after_ms={} grace_ms={}",
            *endpoint, o.db, version, o.heartbeat_ms, o.lost_after_ms, o.restart_grace_ms);
  return c.run();
}
