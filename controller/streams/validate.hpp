// Checks a stream definition from the CLI before anything is stored: one
// line naming the first problem, or ok.
#pragma once

#include <string>

#include "ffleet/common/status.hpp"
#include "ffleet/schema/protocol.hpp"

namespace ffleet::controller::streams {

Status validate_name(const std::string& name);
Status validate_spec(const proto::StreamSpec& spec);

}  // namespace ffleet::controller::streams
