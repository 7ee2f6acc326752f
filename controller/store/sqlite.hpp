// A minimal RAII layer over the SQLite C API: a connection and prepared
// statements with bind-by-position and typed column reads. Errors are values.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ffleet/common/status.hpp"

namespace ffleet::controller::store {

// A read that failed (I/O error, a locked or vanished database). Thrown by
// the Store's reads so that no caller can take a failed read for "not
// found" and act on it (stop a live run, say). The controller's loop catches
// it per message and per tick step: that unit of work is rolled back and a
// request is answered with the error.
class Unavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A prepared statement, taken from a cache per connection and given back
// (reset, bindings cleared) when it goes out of scope: the hot paths run the
// same few statements, and parsing SQL each time cost more than running it.
class Db;

class Stmt {
 public:
  // Issues what open transactions have not issued yet (Db::issue_pending).
  Stmt(Db& db, std::string_view sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool prepared() const { return stmt_ != nullptr; }
  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, const std::string& v);
  Stmt& bind_blob(int i, const std::string& bytes);
  Stmt& bind_null(int i);
  // SQLITE_ROW: true; SQLITE_DONE: false; an error sets status().
  bool step();
  // step() for reads: an error throws Unavailable.
  bool row();
  Status status() const { return status_; }

  std::int64_t int64(int col) const;
  std::string text(int col) const;  // bytes of a TEXT or BLOB column
  bool is_null(int col) const;
  bool is_blob(int col) const;

 private:
  friend class Db;
  Stmt(sqlite3* db, std::string_view sql);  // without issuing (Db's own statements)
  void take();  // from the cache, or prepared
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
  Status status_;
};

// Finalizes the statements cached for `db` (before it is closed).
void drop_cached_statements(sqlite3* db);

class Db {
 public:
  // `busy_timeout_ms`: how long a statement waits for a lock held by another
  // connection before failing (the controller holds its database alone; this
  // bounds a stall if something else, a backup tool say, takes a lock).
  static Result<Db> open(const std::string& path, int busy_timeout_ms);
  Db(Db&& o) noexcept : db_(o.db_), undo_(std::move(o.undo_)), levels_(std::move(o.levels_)) { o.db_ = nullptr; }
  Db& operator=(Db&&) = delete;
  ~Db();

  sqlite3* raw() const { return db_; }
  Status exec(std::string_view sql);
  std::int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }
  // Inside a Transaction, issued to SQLite yet or not.
  bool in_transaction() const { return !levels_.empty(); }
  // Transactions are issued lazily: BEGIN IMMEDIATE and the SAVEPOINTs of
  // the open Transactions run just before the first statement inside them,
  // so a loop turn that touches no table costs no SQL and no file lock (with
  // 1,000 agents heartbeating, most turns). Every statement calls this first.
  Status issue_pending();

  // The undo journal of what is kept in memory beside the tables (the
  // store's stream index): inside a transaction each change to it records
  // how to undo it; a savepoint rolled back, or a transaction rolled back or
  // failing to commit, undoes its part, newest first; the outermost commit
  // forgets them. Outside a transaction (autocommit) nothing is recorded.
  void on_undo(std::function<void()> undo) {
    if (in_transaction()) undo_.push_back(std::move(undo));
  }
  std::size_t undo_mark() const { return undo_.size(); }
  void undo_to(std::size_t mark);
  void forget_undo() { undo_.clear(); }

 private:
  friend class Transaction;
  explicit Db(sqlite3* db) : db_(db) {}
  Status exec_now(std::string_view sql);
  // One statement from the statement cache, without issuing (BEGIN, SAVEPOINT...).
  Status control(const std::string& sql);
  // The open Transactions, outermost first; a savepoint's name ("" for the
  // outermost, a BEGIN; then sp1, sp2... by depth, so the few statements
  // that open and close them are prepared once). The issued ones are a prefix.
  struct Level {
    std::string savepoint;
    bool issued = false;
  };
  sqlite3* db_;
  std::vector<std::function<void()>> undo_;
  std::vector<Level> levels_;
};

// A transaction, or a SAVEPOINT inside an open one (the loop's turn), issued
// when its first statement runs (Db::issue_pending); rolled back unless
// commit() succeeded. A nested commit only releases the savepoint: the change
// is durable when the outermost transaction commits. Transactions nest
// strictly (each one ends before the one it is inside).
class Transaction {
 public:
  explicit Transaction(Db& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Status commit();
  void rollback();
  // Whether a statement ran inside it (so committing costs SQLite a write).
  bool issued() const;

 private:
  Db& db_;
  std::size_t depth_;
  std::size_t undo_mark_ = 0;
  bool done_ = false;
};

}  // namespace ffleet::controller::store
