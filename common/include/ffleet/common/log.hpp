// Logging setup: one format for the whole project (UTC timestamp with
// milliseconds, level, component, then "event key=value ..."), on stderr.
// Each component asks for its own named logger. --log-format json writes the
// same lines as one JSON object each (log_json.hpp).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "ffleet/common/status.hpp"

namespace ffleet::log {

// Sets the level for every logger (trace, debug, info, warn, error, off) and
// the format of every line (text, json).
Status setup(std::string_view level, std::string_view format = "text");
// Changes only the level (SIGHUP): the format stays as set up.
Status set_level(std::string_view level);
// Whether `format` is a log format (text, json): an error naming the choices.
Status check_format(std::string_view format);

// The logger of one component ("controller", "agent.runner", ...), made on first use.
std::shared_ptr<spdlog::logger> get(const std::string& component);

}  // namespace ffleet::log
