#include "limits/limits.hpp"

namespace ffleet::controller::limits {

std::int64_t Limits::for_user(const std::string& user) const {
  auto it = user_overrides.find(user);
  return it == user_overrides.end() ? per_user : it->second;
}

Status admit(const Limits& l, const Usage& u, const std::string& user) {
  if (u.global >= l.global)
    return Status::error("global limit reached: " + std::to_string(u.global) + " of " + std::to_string(l.global) +
                         " running");
  auto it = u.per_user.find(user);
  const std::int64_t mine = it == u.per_user.end() ? 0 : it->second;
  const std::int64_t cap = l.for_user(user);
  if (mine >= cap)
    return Status::error("per-user limit reached for " + user + ": " + std::to_string(mine) + " of " +
                         std::to_string(cap) + " running");
  return Status::ok();
}

Limits merge(Limits l, const std::map<std::string, std::int64_t>& stored) {
  for (const auto& [scope, v] : stored) {
    if (scope == "global") l.global = v;
    else if (scope == "per_user") l.per_user = v;
    else if (scope.rfind("user:", 0) == 0) l.user_overrides[scope.substr(5)] = v;
  }
  return l;
}

}  // namespace ffleet::controller::limits
