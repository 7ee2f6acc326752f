// Building the controller's answers to the CLI: one line for people, or an
// error line. Shared by the request handlers.
#pragma once

#include <string>

#include "ffleet/schema/protocol.hpp"

namespace ffleet::controller {

inline proto::Reply fail(std::string error) {
  proto::Reply r;
  r.ok = false;
  r.error = std::move(error);
  return r;
}

inline proto::Reply ok_line(std::string line) {
  proto::Reply r;
  r.lines.push_back(std::move(line));
  return r;
}

}  // namespace ffleet::controller
