// Who is asking: the one place where the controller decides which user a CLI
// request acts for. Today that is the user the CLI names (--user, FFLEET_USER
// or the login name); with CurveZMQ it will be the ZAP User-Id of the
// connection, and every handler already goes through here.
#pragma once

#include <string>

#include "ffleet/common/status.hpp"

namespace ffleet::controller::auth {

struct Caller {
  std::string user;
};

// `claimed` is the user field of the request; `zap_user_id` the connection's
// authenticated id (empty until CurveZMQ lands).
Result<Caller> identify(const std::string& claimed, const std::string& zap_user_id);

}  // namespace ffleet::controller::auth
