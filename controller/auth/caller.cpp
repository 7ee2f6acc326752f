#include "auth/caller.hpp"

#include <algorithm>
#include <cctype>

#include "ffleet/common/curve.hpp"
#include "ffleet/common/text.hpp"

namespace ffleet::controller::auth {

Status check_user_name(const std::string& name) {
  const auto ok = [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == '@'; };
  if (name.empty() || name.size() > 64 || !std::all_of(name.begin(), name.end(), ok))
    return Status::error("bad user name " + text::for_people(name) + ": use 1-64 letters, digits, _ - . @");
  return Status::ok();
}

Result<Caller> identify(const std::string& claimed, const std::string& key, const Directory& dir, bool secure) {
  if (!secure) {
    if (Status s = check_user_name(claimed); !s) return s;
    return Caller{claimed, Role::kAdmin};
  }
  const Principal* p = key.empty() ? nullptr : dir.by_key(key);
  if (p == nullptr)
    return Result<Caller>::failure("the key " + curve::fingerprint(key) +
                                   "… is not allowed (any more): ask an admin to `ffleet user add` it");
  if (p->kind == Principal::Kind::kAgent)
    return Result<Caller>::failure("the key " + curve::fingerprint(key) + "… is agent " + p->name +
                                   "'s; commands need a person's key");
  return Caller{p->name, p->role};
}

}  // namespace ffleet::controller::auth
