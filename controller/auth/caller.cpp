#include "auth/caller.hpp"

#include <algorithm>
#include <cctype>

namespace ffleet::controller::auth {

Result<Caller> identify(const std::string& claimed, const std::string& zap_user_id) {
  if (!zap_user_id.empty()) return Caller{zap_user_id};
  const auto ok = [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == '@'; };
  if (claimed.empty() || claimed.size() > 64 || !std::all_of(claimed.begin(), claimed.end(), ok))
    return Result<Caller>::failure("bad user name '" + claimed + "': use 1-64 letters, digits, _ - . @");
  return Caller{claimed};
}

}  // namespace ffleet::controller::auth
