// Users and agent keys: who may connect when links are CURVE.
#include "store/store.hpp"

namespace ffleet::controller::store {
namespace {
// The message of a UNIQUE or PRIMARY KEY failure, in words.
Status taken(const Status& st, const std::string& what) {
  if (st.message().find("UNIQUE") != std::string::npos) return Status::error(what);
  return st;
}
}  // namespace

Status Store::add_user(const UserRow& u) {
  {
    Stmt q(db_, "SELECT 1 FROM users WHERE name=?");
    q.bind(1, u.name);
    if (q.row()) return Status::error("user " + u.name + " exists already (remove it first to change it)");
  }
  Stmt q(db_, "INSERT INTO users (name, role, public_key, created_at_ms) VALUES (?, ?, ?, ?)");
  q.bind(1, u.name).bind(2, u.role).bind(3, u.public_key).bind(4, u.created_at_ms).step();
  return taken(q.status(), "that key belongs to another user already");
}

Result<bool> Store::remove_user(const std::string& name) {
  Stmt q(db_, "DELETE FROM users WHERE name=?");
  q.bind(1, name).step();
  if (!q.status()) return q.status();
  return sqlite3_changes(db_.raw()) > 0;
}

std::vector<UserRow> Store::users() {
  Stmt q(db_, "SELECT name, role, public_key, created_at_ms FROM users ORDER BY name");
  std::vector<UserRow> out;
  while (q.row()) out.push_back({q.text(0), q.text(1), q.text(2), q.int64(3)});
  return out;
}

Status Store::allow_agent(const AgentKeyRow& a) {
  Stmt q(db_,
         "INSERT INTO agent_keys (name, public_key, created_at_ms) VALUES (?, ?, ?) "
         "ON CONFLICT(name) DO UPDATE SET public_key=excluded.public_key, created_at_ms=excluded.created_at_ms");
  q.bind(1, a.name).bind(2, a.public_key).bind(3, a.created_at_ms).step();
  return taken(q.status(), "that key belongs to another agent already");
}

Result<bool> Store::revoke_agent(const std::string& name) {
  Stmt q(db_, "DELETE FROM agent_keys WHERE name=?");
  q.bind(1, name).step();
  if (!q.status()) return q.status();
  return sqlite3_changes(db_.raw()) > 0;
}

std::vector<AgentKeyRow> Store::agent_keys() {
  Stmt q(db_, "SELECT name, public_key, created_at_ms FROM agent_keys ORDER BY name");
  std::vector<AgentKeyRow> out;
  while (q.row()) out.push_back({q.text(0), q.text(1), q.int64(2)});
  return out;
}

}  // namespace ffleet::controller::store
