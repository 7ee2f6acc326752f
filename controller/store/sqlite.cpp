#include "store/sqlite.hpp"

#include <unordered_map>
#include <vector>

namespace ffleet::controller::store {
namespace {
// Idle prepared statements by connection and SQL text. Several of the same
// text may be in use at once (a query inside a loop over the same query):
// each Stmt takes one off the list, or prepares another.
using Cache = std::unordered_map<sqlite3*, std::unordered_map<std::string, std::vector<sqlite3_stmt*>>>;
Cache& cache() {
  static Cache c;
  return c;
}
// Enough for every statement the store runs, nested a few deep; beyond it a
// statement given back is finalized.
constexpr std::size_t kIdlePerText = 4;
}  // namespace

void drop_cached_statements(sqlite3* db) {
  auto it = cache().find(db);
  if (it == cache().end()) return;
  for (auto& [sql, idle] : it->second)
    for (auto* s : idle) sqlite3_finalize(s);
  cache().erase(it);
}

Stmt::Stmt(Db& owner, std::string_view sql) : db_(owner.raw()), sql_(sql) {
  if (Status opened = owner.issue_pending(); !opened) {
    status_ = opened;
    return;
  }
  take();
}

Stmt::Stmt(sqlite3* db, std::string_view sql) : db_(db), sql_(sql) { take(); }

void Stmt::take() {
  auto& idle = cache()[db_][sql_];
  if (!idle.empty()) {
    stmt_ = idle.back();
    idle.pop_back();
    return;
  }
  if (sqlite3_prepare_v3(db_, sql_.data(), static_cast<int>(sql_.size()), SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) !=
      SQLITE_OK) {
    status_ = Status::error(std::string("sqlite prepare: ") + sqlite3_errmsg(db_));
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }
}

Stmt::~Stmt() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  auto& idle = cache()[db_][sql_];
  if (idle.size() < kIdlePerText) idle.push_back(stmt_);
  else sqlite3_finalize(stmt_);
}

Stmt& Stmt::bind(int i, std::int64_t v) {
  if (stmt_) sqlite3_bind_int64(stmt_, i, v);
  return *this;
}

Stmt& Stmt::bind(int i, const std::string& v) {
  if (stmt_) sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::bind_blob(int i, const std::string& bytes) {
  if (stmt_) sqlite3_bind_blob(stmt_, i, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::bind_null(int i) {
  if (stmt_) sqlite3_bind_null(stmt_, i);
  return *this;
}

bool Stmt::step() {
  if (!stmt_ || !status_.is_ok()) return false;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) status_ = Status::error(std::string("sqlite: ") + sqlite3_errmsg(db_));
  return false;
}

bool Stmt::row() {
  if (step()) return true;
  if (!status_) throw Unavailable("cannot read the database: " + status_.message());
  return false;
}

std::int64_t Stmt::int64(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Stmt::text(int col) const {
  const void* p = sqlite3_column_type(stmt_, col) == SQLITE_BLOB ? sqlite3_column_blob(stmt_, col)
                                                                  : static_cast<const void*>(sqlite3_column_text(stmt_, col));
  return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::string();
}

bool Stmt::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
bool Stmt::is_blob(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_BLOB; }

Result<Db> Db::open(const std::string& path, int busy_timeout_ms) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = "cannot open database " + path + ": " + (raw ? sqlite3_errmsg(raw) : "out of memory");
    sqlite3_close(raw);
    return Result<Db>::failure(msg);
  }
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  return Db(raw);
}

Db::~Db() {
  if (!db_) return;
  drop_cached_statements(db_);
  sqlite3_close(db_);
}

Status Db::exec(std::string_view sql) {
  if (Status opened = issue_pending(); !opened) return opened;
  return exec_now(sql);
}

Status Db::issue_pending() {
  // SQLite rolls the whole transaction back by itself after some errors (a
  // full disk, an I/O error): the open Transactions are lost, and nothing
  // more may run as if inside them (it would be committed on its own while
  // the index undoes it) until the outermost one ends.
  if (!levels_.empty() && levels_.front().issued && sqlite3_get_autocommit(db_) != 0)
    return Status::error("sqlite: the transaction was rolled back after an earlier error");
  for (auto& level : levels_) {
    if (level.issued) continue;
    if (Status s = control(level.savepoint.empty() ? std::string("BEGIN IMMEDIATE") : "SAVEPOINT " + level.savepoint); !s)
      return s;
    level.issued = true;
  }
  return Status::ok();
}

Status Db::control(const std::string& sql) {
  Stmt q(db_, sql);
  q.step();
  return q.status();
}

Status Db::exec_now(std::string_view sql) {
  char* err = nullptr;
  const std::string s(sql);
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = std::string("sqlite: ") + (err ? err : "error");
    sqlite3_free(err);
    return Status::error(msg);
  }
  return Status::ok();
}

void Db::undo_to(std::size_t mark) {
  while (undo_.size() > mark) {
    auto undo = std::move(undo_.back());
    undo_.pop_back();
    undo();
  }
}

Transaction::Transaction(Db& db) : db_(db), depth_(db.levels_.size()), undo_mark_(db.undo_mark()) {
  db_.levels_.push_back({depth_ == 0 ? std::string() : "sp" + std::to_string(depth_), false});
}

Transaction::~Transaction() {
  if (!done_) rollback();
}

bool Transaction::issued() const { return !done_ && depth_ < db_.levels_.size() && db_.levels_[depth_].issued; }

void Transaction::rollback() {
  if (done_) return;
  done_ = true;
  // Transactions nest strictly; one whose outer transaction ended first has
  // been ended with it (never thrown from a destructor).
  if (depth_ >= db_.levels_.size()) return;
  // Memory first: SQLite may have rolled the whole transaction back on its
  // own (a full disk), and the journal must be undone all the same.
  db_.undo_to(undo_mark_);
  const Db::Level level = db_.levels_[depth_];
  db_.levels_.resize(depth_);
  if (!level.issued) return;
  if (!level.savepoint.empty()) {
    (void)db_.control("ROLLBACK TO " + level.savepoint);
    (void)db_.control("RELEASE " + level.savepoint);
  } else if (sqlite3_get_autocommit(db_.raw()) == 0) {
    (void)db_.control("ROLLBACK");
  }
}

Status Transaction::commit() {
  if (done_ || depth_ >= db_.levels_.size()) return Status::error("transaction already ended");
  const Db::Level level = db_.levels_[depth_];
  if (level.issued) {
    Status s = db_.control(level.savepoint.empty() ? std::string("COMMIT") : "RELEASE " + level.savepoint);
    if (!s) {
      rollback();
      return s;
    }
  }
  done_ = true;
  db_.levels_.resize(depth_);
  if (depth_ == 0) db_.forget_undo();
  return Status::ok();
}

}  // namespace ffleet::controller::store
