// What parsing a daemon's command line gives: its options, or a reason to
// exit now (--help, --version, or a bad setting with its one-line message).
#pragma once

#include <string>

#include "ffleet/common/settings.hpp"

namespace ffleet {

template <class Options>
struct ParseOutcome {
  Options options;
  bool exit_now = false;
  int exit_code = 0;
  std::string message;
  // Where each setting came from (--print-config; a reload logs it).
  settings::Origins origins;
};

}  // namespace ffleet
