// Who is asking: the one place where the controller decides which user a
// request acts for, and with which role.
//
// With CURVE links (the controller has --key), the user is the one the
// connection's key belongs to (the ZAP handler put the key in the
// connection's User-Id); the user a request claims is ignored. Without keys
// (loopback only: a first try on one host), the claimed user is taken as it
// is, with the admin role: anyone who can reach the port can do anything, as
// the controller's start-up warning says.
#pragma once

#include <string>

#include "auth/directory.hpp"
#include "ffleet/common/status.hpp"

namespace ffleet::controller::auth {

struct Caller {
  std::string user;
  Role role = Role::kUser;
};

// `claimed` is the user field of the request; `key` the connection's
// authenticated public key ("" without CURVE).
Result<Caller> identify(const std::string& claimed, const std::string& key, const Directory& dir, bool secure);

// A user name as stored and shown: 1-64 letters, digits, _ - . @
Status check_user_name(const std::string& name);

}  // namespace ffleet::controller::auth
