// HTTP bearer tokens: only their SHA-256 is stored (schema/migrations/0006_tokens.sql).
#include "store/store.hpp"

namespace ffleet::controller::store {

Result<std::int64_t> Store::add_token(const TokenRow& t) {
  Stmt q(db_,
         "INSERT INTO tokens (user, role, sha256, prefix, label, created_by, created_at_ms, expires_at_ms) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, t.user).bind(2, t.role).bind(3, t.sha256).bind(4, t.prefix).bind(5, t.label).bind(6, t.created_by);
  q.bind(7, t.created_at_ms).bind(8, t.expires_at_ms).step();
  if (!q.status()) {
    if (q.status().message().find("UNIQUE") != std::string::npos)
      return Result<std::int64_t>::failure("that token is stored already: make a new one");
    return q.status();
  }
  return db_.last_insert_id();
}

Result<bool> Store::remove_token(std::int64_t id) {
  Stmt q(db_, "DELETE FROM tokens WHERE id=?");
  q.bind(1, id).step();
  if (!q.status()) return q.status();
  return db_.changes() > 0;
}

std::vector<TokenRow> Store::list_tokens() {
  Stmt q(db_,
         "SELECT id, user, role, sha256, prefix, label, created_by, created_at_ms, expires_at_ms, last_used_ms "
         "FROM tokens ORDER BY id");
  std::vector<TokenRow> out;
  while (q.row())
    out.push_back({q.int64(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.text(6), q.int64(7),
                   q.int64(8), q.int64(9)});
  return out;
}

Status Store::touch_tokens(const std::vector<std::pair<std::int64_t, std::int64_t>>& last_used) {
  for (const auto& [id, ms] : last_used) {
    // Never backwards: a stored use later than this one stays.
    Stmt q(db_, "UPDATE tokens SET last_used_ms=? WHERE id=? AND last_used_ms<?");
    q.bind(1, ms).bind(2, id).bind(3, ms).step();
    if (!q.status()) return q.status();
  }
  return Status::ok();
}

}  // namespace ffleet::controller::store
