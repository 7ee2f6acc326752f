// The only code that speaks SQL. Opens the database in WAL mode with full
// sync (an acknowledged change survives a crash or power loss), applies the
// numbered migrations of schema/, and reads and writes the domain records.
// Owned by the controller's loop; not thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model.hpp"
#include "store/sqlite.hpp"

namespace ffleet::controller::store {

class Store {
 public:
  static Result<Store> open(const std::string& path);

  int schema_version() const { return version_; }
  Db& db() { return db_; }

  // Streams
  Result<std::int64_t> insert_stream(const StreamRow& s);
  Status update_stream(const StreamRow& s);
  Status delete_stream(std::int64_t id);
  std::optional<StreamRow> stream(std::int64_t id);
  // By id if `ref` is all digits and such a stream exists, else by name.
  std::optional<StreamRow> find_stream(const std::string& ref);
  std::vector<StreamRow> streams();
  std::vector<StreamRow> streams_in_state(const std::string& state);
  std::vector<StreamRow> streams_on_agent(const std::string& agent);
  // Scheduled streams whose next start has come.
  std::vector<StreamRow> streams_due_to_start(std::int64_t now_ms);
  // Running streams whose occurrence has ended.
  std::vector<StreamRow> streams_due_to_stop(std::int64_t now_ms);
  // Pending streams, fair order: higher priority first, then first come first served.
  std::vector<StreamRow> pending_queue();

  Status log_schedule(const ScheduleLogRow& r);
  std::vector<ScheduleLogRow> schedule_log(std::int64_t stream_id);

  // Streams holding a process (starting, running, stopping) per agent.
  std::map<std::string, std::int64_t> active_per_agent();
  // Streams counting against limits (starting, running): total and per owner.
  std::int64_t running_total();
  std::map<std::string, std::int64_t> running_per_owner();

  // Runs
  Status insert_run(const RunRow& r);
  Status update_run(const RunRow& r);
  std::optional<RunRow> run(std::int64_t stream_id, std::int64_t attempt);
  std::vector<RunRow> runs(std::int64_t stream_id);

  // Agents
  Status upsert_agent(const AgentRow& a);
  Status set_agent_draining(const std::string& name, bool draining);
  std::vector<AgentRow> agents();

  // Limits: scope 'global', 'per_user' or 'user:NAME'.
  Status set_limit(const std::string& scope, std::int64_t value);
  std::map<std::string, std::int64_t> limits();

  // Counts of what a read returned that did not decode (never expected).
  Status last_error() const { return last_error_; }

 private:
  explicit Store(Db db) : db_(std::move(db)) {}
  Status migrate();
  std::vector<StreamRow> query_streams(const std::string& where, const std::string& arg, bool has_arg);

  Db db_;
  int version_ = 0;
  Status last_error_;
};

}  // namespace ffleet::controller::store
