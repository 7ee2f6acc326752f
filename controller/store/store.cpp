#include "store/store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "ffleet/common/codec.hpp"
#include "ffleet/common/json_describe.hpp"
#include "ffleet/common/log.hpp"
#include "ffleet/common/text.hpp"
#include "ffleet/schema/migrations.hpp"
#include "store/private_files.hpp"

namespace ffleet::controller::store {
namespace {

std::vector<std::string> json_lines(const std::string& text) {
  auto r = jsonv::from_json<std::vector<std::string>>(nlohmann::json::parse(text, nullptr, false));
  return r ? *r : std::vector<std::string>{};
}

// Lines reach the store as valid UTF-8 (made so where they entered); the
// replace handler is a last guard so that no byte can make a write throw.
std::string lines_json(const std::vector<std::string>& v) {
  return jsonv::to_json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Status keep_private(const std::string& path, int fd) {
  auto changed = make_private(path, fd);
  if (!changed) return changed.status();
  for (const auto& line : *changed)
    log::get("controller.store")->warn("database_mode_fixed what=\"{}\" why=\"others could read the stream keys\"",
                                       text::for_people(line));
  return Status::ok();
}

int file_version(std::string_view file) {
  int v = 0;
  for (char c : file) {
    if (!std::isdigit(static_cast<unsigned char>(c))) break;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

Result<Store> Store::open(const std::string& path, const StoreOptions& opts) {
  // The lock comes first: a second controller must not even migrate.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Result<Store>::failure("cannot open database " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int e = errno;
    ::close(fd);
    if (e == EWOULDBLOCK)
      return Result<Store>::failure("database " + path +
                                    " is in use by another ffleet-controller; stop it first or give this one "
                                    "another --db");
    return Result<Store>::failure("cannot lock database " + path + ": " + std::strerror(e));
  }
  // Stream keys are in clear inside: before SQLite reads a file, each is
  // made private (see private_files.hpp), and again once WAL has made its own.
  if (Status st = keep_private(path, fd); !st) {
    ::close(fd);
    return st;
  }
  auto db = Db::open(path, opts.busy_timeout_ms);
  if (!db) {
    ::close(fd);
    return db.status();
  }
  Store s(std::move(*db), path, fd, opts);
  // WAL: readers never block the writer; FULL: a commit is on disk before we
  // acknowledge it, so nothing acknowledged is lost even on power loss.
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"})
    if (Status st = s.db_.exec(pragma); !st) return st;
  if (Status st = keep_private(path, fd); !st) return st;
  if (Status st = s.migrate(); !st) return st;
  if (Status st = s.read_id(); !st) return st;
  if (Status st = s.load_index(); !st) return Status::error("database " + path + ": " + st.message());
  return s;
}

Store::Store(Store&& o) noexcept
    : db_(std::move(o.db_)), path_(std::move(o.path_)), lock_fd_(o.lock_fd_), opts_(o.opts_), id_(std::move(o.id_)),
      version_(o.version_), index_(std::move(o.index_)), cached_(std::move(o.cached_)) {
  o.lock_fd_ = -1;
}

Store::~Store() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Status Store::read_id() {
  Stmt q(db_, "SELECT value FROM meta WHERE key='store_id'");
  if (q.step()) id_ = q.text(0);
  if (!q.status()) return q.status();
  if (id_.empty()) return Status::error("database " + path_ + " has no store_id (damaged?)");
  return Status::ok();
}

Status Store::check_file() const {
  struct stat held {}, now {};
  if (::fstat(lock_fd_, &held) != 0) return Status::error(std::string("cannot stat the open database: ") + std::strerror(errno));
  if (held.st_nlink == 0) return Status::error("database file " + path_ + " was deleted");
  if (::stat(path_.c_str(), &now) != 0) return Status::error("database file " + path_ + " is gone: " + std::strerror(errno));
  if (now.st_ino != held.st_ino || now.st_dev != held.st_dev)
    return Status::error("database file " + path_ + " was replaced by another file");
  return Status::ok();
}

Status Store::migrate() {
  if (Status s = db_.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, file TEXT NOT NULL, "
                          "applied_at_ms INTEGER NOT NULL)");
      !s)
    return s;
  {
    Stmt q(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (q.step()) version_ = static_cast<int>(q.int64(0));
    if (!q.status()) return q.status();
  }
  int newest = 0;
  for (const auto& m : schema::migrations()) {
    const int v = file_version(m.file);
    newest = std::max(newest, v);
    if (v <= version_) continue;
    Transaction tx(db_);
    if (Status s = db_.exec(m.sql); !s) return Status::error("migration " + std::string(m.file) + ": " + s.message());
    Stmt ins(db_, "INSERT INTO schema_migrations (version, file, applied_at_ms) VALUES (?, ?, strftime('%s','now')*1000)");
    ins.bind(1, v).bind(2, std::string(m.file)).step();
    if (!ins.status()) return ins.status();
    if (Status s = tx.commit(); !s) return s;
    version_ = v;
  }
  if (version_ > newest)
    return Status::error("database schema version " + std::to_string(version_) + " is newer than this controller (" +
                         std::to_string(newest) + "); upgrade the controller");
  return Status::ok();
}

Status Store::log_schedule(const ScheduleLogRow& r) {
  Stmt q(db_,
         "INSERT INTO schedule_log (stream_id, occurrence_ms, outcome, detail, recorded_at_ms) VALUES (?,?,?,?,?)");
  q.bind(1, r.stream_id).bind(2, r.occurrence_ms).bind(3, r.outcome).bind(4, r.detail).bind(5, r.recorded_at_ms).step();
  if (!q.status()) return q.status();
  Stmt prune(db_,
             "DELETE FROM schedule_log WHERE stream_id=? AND rowid NOT IN (SELECT rowid FROM schedule_log WHERE "
             "stream_id=? ORDER BY rowid DESC LIMIT ?)");
  prune.bind(1, r.stream_id).bind(2, r.stream_id).bind(3, opts_.schedule_history).step();
  return prune.status();
}

std::vector<ScheduleLogRow> Store::schedule_log(std::int64_t stream_id) {
  Stmt q(db_,
         "SELECT stream_id, occurrence_ms, outcome, detail, recorded_at_ms FROM schedule_log WHERE stream_id=? "
         "ORDER BY rowid");
  q.bind(1, stream_id);
  std::vector<ScheduleLogRow> out;
  while (q.row()) out.push_back({q.int64(0), q.int64(1), q.text(2), q.text(3), q.int64(4)});
  return out;
}

Status Store::insert_run(const RunRow& r) {
  Stmt q(db_,
         "INSERT OR IGNORE INTO runs (stream_id, attempt, agent, encoder, requested_at_ms) VALUES (?,?,?,?,?)");
  q.bind(1, r.stream_id).bind(2, r.attempt).bind(3, r.agent).bind(4, r.encoder).bind(5, r.requested_at_ms).step();
  if (!q.status()) return q.status();
  // Bounded history: attempts only grow, so the latest N are the highest.
  Stmt prune(db_, "DELETE FROM runs WHERE stream_id=? AND attempt <= ?");
  prune.bind(1, r.stream_id).bind(2, r.attempt - opts_.run_history).step();
  return prune.status();
}

Status Store::update_run(const RunRow& r) {
  Stmt q(db_,
         "UPDATE runs SET agent=?, pid=?, encoder=?, started_at_ms=?, ended_at_ms=?, exit_code=?, signal=?, reason=?, "
         "error=?, stderr_tail=? WHERE stream_id=? AND attempt=?");
  q.bind(1, r.agent);
  r.pid > 0 ? q.bind(2, r.pid) : q.bind_null(2);
  q.bind(3, r.encoder);
  r.started_at_ms > 0 ? q.bind(4, r.started_at_ms) : q.bind_null(4);
  r.ended_at_ms > 0 ? q.bind(5, r.ended_at_ms) : q.bind_null(5);
  r.exit_code >= 0 ? q.bind(6, r.exit_code) : q.bind_null(6);
  r.signal > 0 ? q.bind(7, r.signal) : q.bind_null(7);
  q.bind(8, r.reason).bind(9, r.error).bind(10, lines_json(r.stderr_tail)).bind(11, r.stream_id).bind(12, r.attempt);
  q.step();
  return q.status();
}

namespace {
const char* kRunCols =
    "stream_id, attempt, agent, pid, encoder, requested_at_ms, started_at_ms, ended_at_ms, exit_code, signal, reason, "
    "error, stderr_tail";
RunRow read_run(const Stmt& q) {
  RunRow r;
  r.stream_id = q.int64(0);
  r.attempt = q.int64(1);
  r.agent = q.text(2);
  r.pid = q.int64(3);
  r.encoder = q.text(4);
  r.requested_at_ms = q.int64(5);
  r.started_at_ms = q.int64(6);
  r.ended_at_ms = q.int64(7);
  r.exit_code = q.is_null(8) ? -1 : q.int64(8);
  r.signal = q.int64(9);
  r.reason = q.text(10);
  r.error = q.text(11);
  r.stderr_tail = json_lines(q.text(12));
  return r;
}
}  // namespace

std::optional<RunRow> Store::run(std::int64_t stream_id, std::int64_t attempt) {
  Stmt q(db_, std::string("SELECT ") + kRunCols + " FROM runs WHERE stream_id=? AND attempt=?");
  q.bind(1, stream_id).bind(2, attempt);
  if (!q.row()) return std::nullopt;
  return read_run(q);
}

std::vector<RunRow> Store::runs(std::int64_t stream_id) {
  Stmt q(db_, std::string("SELECT ") + kRunCols + " FROM runs WHERE stream_id=? ORDER BY attempt");
  q.bind(1, stream_id);
  std::vector<RunRow> out;
  while (q.row()) out.push_back(read_run(q));
  return out;
}

std::vector<RunRow> Store::latest_runs(std::int64_t stream_id, std::int64_t limit) {
  Stmt q(db_, std::string("SELECT ") + kRunCols + " FROM runs WHERE stream_id=? ORDER BY attempt DESC LIMIT ?");
  q.bind(1, stream_id).bind(2, limit);
  std::vector<RunRow> out;
  while (q.row()) out.push_back(read_run(q));
  std::reverse(out.begin(), out.end());
  return out;
}

std::int64_t Store::run_count(std::int64_t stream_id) {
  Stmt q(db_, "SELECT COUNT(*) FROM runs WHERE stream_id=?");
  q.bind(1, stream_id);
  return q.row() ? q.int64(0) : 0;
}

Status Store::upsert_agent(const AgentRow& a) {
  Stmt q(db_,
         "INSERT INTO agents (name, hostname, cpus, mem_bytes, ffmpeg_version, max_streams, encoders, draining, "
         "first_seen_ms, last_seen_ms) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET "
         "hostname=excluded.hostname, cpus=excluded.cpus, mem_bytes=excluded.mem_bytes, "
         "ffmpeg_version=excluded.ffmpeg_version, max_streams=excluded.max_streams, encoders=excluded.encoders, "
         "last_seen_ms=excluded.last_seen_ms");
  q.bind(1, a.name).bind(2, a.hostname).bind(3, a.cpus).bind(4, a.mem_bytes).bind(5, a.ffmpeg_version);
  q.bind(6, a.max_streams).bind(7, lines_json(a.encoders)).bind(8, std::int64_t{a.draining ? 1 : 0});
  q.bind(9, a.first_seen_ms).bind(10, a.last_seen_ms).step();
  return q.status();
}

Status Store::set_agent_draining(const std::string& name, bool draining) {
  Stmt q(db_, "UPDATE agents SET draining=? WHERE name=?");
  q.bind(1, std::int64_t{draining ? 1 : 0}).bind(2, name).step();
  return q.status();
}

std::vector<AgentRow> Store::agents() {
  Stmt q(db_,
         "SELECT name, hostname, cpus, mem_bytes, ffmpeg_version, max_streams, encoders, draining, first_seen_ms, "
         "last_seen_ms FROM agents ORDER BY name");
  std::vector<AgentRow> out;
  while (q.row()) {
    AgentRow a;
    a.name = q.text(0);
    a.hostname = q.text(1);
    a.cpus = q.int64(2);
    a.mem_bytes = q.int64(3);
    a.ffmpeg_version = q.text(4);
    a.max_streams = q.int64(5);
    a.encoders = json_lines(q.text(6));
    a.draining = q.int64(7) != 0;
    a.first_seen_ms = q.int64(8);
    a.last_seen_ms = q.int64(9);
    out.push_back(std::move(a));
  }
  return out;
}

Status Store::set_limit(const std::string& scope, std::int64_t value) {
  Stmt q(db_, "INSERT INTO limits (scope, value) VALUES (?, ?) ON CONFLICT(scope) DO UPDATE SET value=excluded.value");
  q.bind(1, scope).bind(2, value).step();
  // Read again on the next limits(); so too if this is rolled back.
  cached_->limits.reset();
  db_.on_undo([c = cached_.get()] { c->limits.reset(); });
  return q.status();
}

std::map<std::string, std::int64_t> Store::limits() {
  if (cached_->limits) return *cached_->limits;
  Stmt q(db_, "SELECT scope, value FROM limits");
  std::map<std::string, std::int64_t> out;
  while (q.row()) out[q.text(0)] = q.int64(1);
  cached_->limits = out;
  return out;
}

}  // namespace ffleet::controller::store
