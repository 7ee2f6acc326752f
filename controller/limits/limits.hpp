// Concurrency limits: global, per user (with per-user overrides). Pure: the
// caller counts and this decides, with a message that names the limit and
// the counts.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "ffleet/common/status.hpp"

namespace ffleet::controller::limits {

struct Limits {
  std::int64_t global = 20;   // MAX_CONCURRENT_STREAMS_GLOBAL
  std::int64_t per_user = 5;  // MAX_CONCURRENT_STREAMS_PER_USER
  std::map<std::string, std::int64_t> user_overrides;
  std::int64_t for_user(const std::string& user) const;
};

struct Usage {
  std::int64_t global = 0;
  std::map<std::string, std::int64_t> per_user;
};

// Ok if one more stream of `user` fits.
Status admit(const Limits& l, const Usage& u, const std::string& user);

// Defaults from the environment, then what `ffleet limits set` stored
// (scopes 'global', 'per_user', 'user:NAME'), which wins.
Limits merge(Limits defaults, const std::map<std::string, std::int64_t>& stored);

}  // namespace ffleet::controller::limits
