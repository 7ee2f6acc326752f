// The CLI's long-running commands: `stream ls --watch` and `stream logs
// --follow`. Both run until SIGINT or SIGTERM (then exit 0), keep trying when
// the controller cannot be reached, and leave the terminal as they found it.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "app.hpp"

namespace ffleet::cli {

// SIGINT and SIGTERM set a flag instead of killing the process, for as long
// as a StopSignals lives. Not thread-safe; one at a time.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  static bool raised();
  // Sleeps up to `ms`; false if a signal came first.
  static bool sleep_ms(std::int64_t ms);
};

// The lines of `final_tail` (a finished run's stored tail) not already at the
// end of `printed`: the longest suffix of `printed` that is a prefix of
// `final_tail` is skipped. Used once, when a followed run ends.
std::vector<std::string> unseen_lines(const std::deque<std::string>& printed, const std::vector<std::string>& final_tail);

// Page through `stream ls`; an error is returned as is.
std::variant<std::vector<proto::StreamView>, CallError> list_streams(const Globals& g);

int watch_streams(const Globals& g, std::int64_t interval_ms);
int follow_logs(const Globals& g, const std::string& ref, std::int64_t tail, std::int64_t interval_ms);

}  // namespace ffleet::cli
