// What each role may do, asked in one place by every handler:
//   admin     everything: agents, limits, users, every stream
//   operator  every stream (but --reveal only of their own); reads agents and limits
//   user      their own streams; sees others' streams without inputs and outputs
// A refusal is one line naming who, what and why; the caller logs it.
#pragma once

#include <string>

#include "auth/caller.hpp"

namespace ffleet::controller::auth {

enum class Act {
  kStreamAdd,     // a new stream, owned by the caller
  kStreamChange,  // start, stop, rm, schedule
  kStreamShow,    // show (details hidden from others: see sees_details)
  kStreamLogs,
  kStreamReveal,  // show with stream keys unmasked
  kList,          // stream ls, agent ls, limits show
  kAgentManage,   // drain, resume, detect, stop-unknown, allow, revoke
  kLimitsSet,
  kUsersManage,
};

std::string_view act_name(Act a);

// `owner`: the stream's owner for stream acts, else empty.
Status may(const Caller& c, Act a, const std::string& owner = {});

// Whether `c` sees the inputs and outputs of a stream owned by `owner`.
bool sees_details(const Caller& c, const std::string& owner);

}  // namespace ffleet::controller::auth
