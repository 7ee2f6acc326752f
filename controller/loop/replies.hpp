// Building the controller's answers to the CLI: one line for people, or an
// error line. Shared by the request handlers.
#pragma once

#include <string>
#include <string_view>

#include "ffleet/schema/protocol.hpp"

namespace ffleet::controller {

// `code` says what kind of failure it is (proto::code: an HTTP status for
// the web API); `error` is the line people read.
inline proto::Reply fail(std::string_view code, std::string error) {
  proto::Reply r;
  r.ok = false;
  r.code = std::string(code);
  r.error = std::move(error);
  return r;
}

inline proto::Reply ok_line(std::string line) {
  proto::Reply r;
  r.lines.push_back(std::move(line));
  return r;
}

}  // namespace ffleet::controller
