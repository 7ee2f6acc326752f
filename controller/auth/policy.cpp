#include "auth/policy.hpp"

namespace ffleet::controller::auth {

std::string_view act_name(Act a) {
  switch (a) {
    case Act::kStreamAdd: return "add streams";
    case Act::kStreamChange: return "change this stream";
    case Act::kStreamShow: return "see this stream";
    case Act::kStreamLogs: return "read this stream's logs";
    case Act::kStreamReveal: return "reveal this stream's keys";
    case Act::kList: return "list";
    case Act::kAgentManage: return "manage agents";
    case Act::kLimitsSet: return "set limits";
    case Act::kUsersManage: return "manage users";
  }
  return "do that";
}

namespace {
bool allowed(const Caller& c, Act a, const std::string& owner) {
  if (c.role == Role::kAdmin) return true;
  const bool own = !owner.empty() && owner == c.user;
  switch (a) {
    case Act::kStreamAdd:
    case Act::kStreamShow:
    case Act::kList: return true;
    case Act::kStreamChange:
    case Act::kStreamLogs: return own || c.role == Role::kOperator;
    case Act::kStreamReveal: return own;
    case Act::kAgentManage:
    case Act::kLimitsSet:
    case Act::kUsersManage: return false;
  }
  return false;
}
}  // namespace

Status may(const Caller& c, Act a, const std::string& owner) {
  if (allowed(c, a, owner)) return Status::ok();
  std::string why = "user " + c.user + " (role " + std::string(role_name(c.role)) + ") may not " +
                    std::string(act_name(a));
  if (!owner.empty()) why += ": it is " + owner + "'s";
  else why += ": that needs the admin role";
  return Status::error(why);
}

bool sees_details(const Caller& c, const std::string& owner) {
  return c.role != Role::kUser || owner == c.user;
}

}  // namespace ffleet::controller::auth
