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
class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql);
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
  Db(Db&& o) noexcept : db_(o.db_), undo_(std::move(o.undo_)) { o.db_ = nullptr; }
  Db& operator=(Db&&) = delete;
  ~Db();

  sqlite3* raw() const { return db_; }
  Status exec(std::string_view sql);
  std::int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

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
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::vector<std::function<void()>> undo_;
};

// BEGIN IMMEDIATE on construction, or a SAVEPOINT inside an open transaction
// (the loop's turn); rolled back unless commit() succeeded. A nested commit
// only releases the savepoint: the change is durable when the outermost
// transaction commits.
class Transaction {
 public:
  explicit Transaction(Db& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Status begin_status() const { return begin_; }
  Status commit();
  void rollback();

 private:
  Db& db_;
  bool nested_ = false;
  std::size_t undo_mark_ = 0;
  std::string name_;
  Status begin_;
  bool done_ = false;
};

}  // namespace ffleet::controller::store
