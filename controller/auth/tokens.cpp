#include "auth/tokens.hpp"

#include <algorithm>

namespace ffleet::controller::auth {

void TokenTable::load(const std::vector<store::TokenRow>& rows) {
  rows_ = rows;
  by_sha_.clear();
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    by_sha_.emplace(rows_[i].sha256, i);
    auto& known = last_known_[rows_[i].id];
    known = std::max(known, rows_[i].last_used_ms);
  }
  // Uses of tokens that are gone are forgotten.
  std::map<std::int64_t, std::int64_t> kept;
  for (const auto& r : rows_)
    if (auto it = last_known_.find(r.id); it != last_known_.end()) kept.insert(*it);
  last_known_ = std::move(kept);
  for (auto it = used_.begin(); it != used_.end();)
    it = last_known_.count(it->first) ? std::next(it) : used_.erase(it);
}

Result<Caller> TokenTable::identify(const std::string& sha256_hex, const Directory& dir, bool secure,
                                    std::int64_t now_wall_ms) {
  auto it = by_sha_.find(sha256_hex);
  if (it == by_sha_.end())
    return Result<Caller>::failure("unknown token (revoked, or never made): `ffleet token create` makes one");
  const store::TokenRow& t = rows_[it->second];
  const std::string which = "token " + t.prefix + "… (id " + std::to_string(t.id) + ")";
  if (t.expires_at_ms > 0 && now_wall_ms >= t.expires_at_ms)
    return Result<Caller>::failure(which + " has expired: `ffleet token create` makes a new one");
  const auto role = parse_role(t.role);
  if (!role) return Result<Caller>::failure(which + " has no valid role");
  Caller c{t.user, *role};
  if (secure) {
    const Principal* p = dir.person(t.user);
    // A user removed, or removed and added again since the token was made:
    // the token was for someone who is no longer there.
    if (p == nullptr || t.created_at_ms < p->created_at_ms)
      return Result<Caller>::failure(which + " is for user " + t.user + ", who is no longer allowed");
    c.role = std::min(c.role, p->role);
  }
  used_[t.id] = now_wall_ms;
  auto& known = last_known_[t.id];
  known = std::max(known, now_wall_ms);
  return c;
}

std::vector<std::pair<std::int64_t, std::int64_t>> TokenTable::take_last_used(std::int64_t now_wall_ms) {
  if (used_.empty() || now_wall_ms < next_write_ms_) return {};
  next_write_ms_ = now_wall_ms + kTokenUseWriteMs;
  std::vector<std::pair<std::int64_t, std::int64_t>> out(used_.begin(), used_.end());
  used_.clear();
  return out;
}

std::int64_t TokenTable::last_used(std::int64_t id) const {
  auto it = last_known_.find(id);
  return it == last_known_.end() ? 0 : it->second;
}

}  // namespace ffleet::controller::auth
