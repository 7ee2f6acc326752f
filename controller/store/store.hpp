// The only code that speaks SQL. Opens the database in WAL mode with full
// sync (an acknowledged change survives a crash or power loss), applies the
// numbered migrations of schema/, and reads and writes the domain records.
//
// The database is this controller's alone: open() takes an exclusive lock on
// the file (a second controller is refused) and check_file() finds a file
// deleted or replaced underneath. Writes return a Status; reads throw
// Unavailable (see sqlite.hpp), so a failed read never looks like "not found".
// Owned by the controller's loop; not thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model.hpp"
#include "store/sqlite.hpp"
#include "store/stream_index.hpp"

namespace ffleet::controller::store {

// How verify_index() begins when the table could not be read (not a difference).
inline constexpr const char* kCannotReadStreams = "cannot read the streams table: ";

// An HTTP bearer token as stored (schema/migrations/0006_tokens.sql): never
// the token, only its SHA-256 (hex) and its first characters.
struct TokenRow {
  std::int64_t id = 0;  // given by the store; never reused
  std::string user;
  std::string role;  // admin | operator | user
  std::string sha256;
  std::string prefix;
  std::string label;
  std::string created_by;
  std::int64_t created_at_ms = 0;
  std::int64_t expires_at_ms = 0;  // 0: never
  std::int64_t last_used_ms = 0;   // 0: never used
};

struct StoreOptions {
  // Well under the heartbeat interval: nothing else should hold our locks, and
  // a stalled statement must not stall the loop past an agent's lease.
  int busy_timeout_ms = 200;
  // Runs and schedule notes kept per stream; older ones are pruned.
  std::int64_t run_history = 100;
  std::int64_t schedule_history = 50;
};

class Store {
 public:
  static Result<Store> open(const std::string& path, const StoreOptions& opts = {});
  Store(Store&& o) noexcept;
  Store& operator=(Store&&) = delete;
  ~Store();

  int schema_version() const { return version_; }
  // Random id of this database, sent with every StartRun (see protocol.hpp).
  const std::string& id() const { return id_; }
  Db& db() { return db_; }
  // An error if the file at the path is no longer the one this store opened
  // (deleted, renamed, replaced): writing on would write into nowhere.
  Status check_file() const;

  // Streams (store/streams.cpp): each write goes to the table and to the
  // index in memory (undone with the transaction that made it); reads come
  // from the index, at the cost of what they return.
  Result<std::int64_t> insert_stream(const StreamRow& s);
  Status update_stream(const StreamRow& s);
  Status delete_stream(std::int64_t id);
  std::optional<StreamRow> stream(std::int64_t id);
  // By id if `ref` is all digits and such a stream exists, else by name.
  std::optional<StreamRow> find_stream(const std::string& ref);
  // Every stream and the indexes over them, read-only.
  const StreamIndex& streams() const { return *index_; }
  // What placement needs to refresh since it last asked (StreamIndex::take_active_changes).
  StreamIndex::ActiveChanges take_active_changes() { return index_->take_active_changes(); }
  // Streams with id > after_id in id order, at most `limit`.
  std::vector<StreamRow> streams_page(std::int64_t after_id, std::int64_t limit);
  // Copies, in id order, for callers that change them as they go.
  std::vector<StreamRow> streams_on_agent(const std::string& agent);
  // Scheduled streams whose next start has come.
  std::vector<StreamRow> streams_due_to_start(std::int64_t now_ms);
  // Running streams whose occurrence has ended.
  std::vector<StreamRow> streams_due_to_stop(std::int64_t now_ms);
  // Pending streams, fair order: higher priority first, then first come first served.
  std::vector<StreamRow> pending_queue();
  // Streams per state name, for the metrics and the service status.
  std::map<std::string, std::int64_t> streams_per_state();
  // "" when the index equals the table read afresh; else the first
  // difference (the loop's debug check, FFLEET_DEBUG_CHECK_INDEX).
  std::string verify_index();
  // The index read afresh from the table (at open).
  Status load_index();

  Status log_schedule(const ScheduleLogRow& r);
  std::vector<ScheduleLogRow> schedule_log(std::int64_t stream_id);

  // Runs
  Status insert_run(const RunRow& r);
  Status update_run(const RunRow& r);
  std::optional<RunRow> run(std::int64_t stream_id, std::int64_t attempt);
  std::vector<RunRow> runs(std::int64_t stream_id);
  // The latest `limit` runs, oldest first, and how many are kept in all.
  std::vector<RunRow> latest_runs(std::int64_t stream_id, std::int64_t limit);
  std::int64_t run_count(std::int64_t stream_id);

  // Agents
  Status upsert_agent(const AgentRow& a);
  Status set_agent_draining(const std::string& name, bool draining);
  std::vector<AgentRow> agents();

  // Limits: scope 'global', 'per_user' or 'user:NAME'.
  Status set_limit(const std::string& scope, std::int64_t value);
  std::map<std::string, std::int64_t> limits();

  // Who may connect (store/principals.cpp). Adding a name or a key that is
  // taken is an error naming it; removing returns whether there was one.
  Status add_user(const UserRow& u);
  Result<bool> remove_user(const std::string& name);
  std::vector<UserRow> users();
  // Allowing an agent that is allowed already replaces its key (a rotation).
  Status allow_agent(const AgentKeyRow& a);
  Result<bool> revoke_agent(const std::string& name);
  std::vector<AgentKeyRow> agent_keys();

  // HTTP bearer tokens (store/tokens.cpp). add_token returns the new id (a
  // digest stored already is the error); remove_token whether there was one.
  Result<std::int64_t> add_token(const TokenRow& t);
  Result<bool> remove_token(std::int64_t id);
  std::vector<TokenRow> list_tokens();
  // Sets last_used_ms of each (id, ms); ids no longer stored are skipped.
  Status touch_tokens(const std::vector<std::pair<std::int64_t, std::int64_t>>& last_used);

 private:
  Store(Db db, std::string path, int lock_fd, const StoreOptions& opts)
      : db_(std::move(db)), path_(std::move(path)), lock_fd_(lock_fd), opts_(opts),
        index_(std::make_unique<StreamIndex>()), cached_(std::make_unique<Cached>()) {}
  Status migrate();
  Status read_id();
  Result<StreamIndex> read_index();
  // Puts `s` in the index, with its undo in the transaction's journal.
  void remember(StreamRow s);

  Db db_;
  std::string path_;
  int lock_fd_ = -1;  // open on the database file, holding flock(LOCK_EX)
  StoreOptions opts_;
  std::string id_;
  int version_ = 0;
  // On the heap: the undo journal's entries point at it, and a Store moves.
  std::unique_ptr<StreamIndex> index_;
  // Small tables read on every start, kept until a write changes them.
  struct Cached {
    std::optional<std::map<std::string, std::int64_t>> limits;
  };
  std::unique_ptr<Cached> cached_;
};

}  // namespace ffleet::controller::store
