// Logging setup: one format for the whole project (UTC timestamp with
// milliseconds, level, component, then "event key=value ..."), on stderr.
// Each component asks for its own named logger.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "ffleet/common/status.hpp"

namespace ffleet::log {

// Sets the level for every logger (trace, debug, info, warn, error, off).
Status setup(std::string_view level);

// The logger of one component ("controller", "agent.runner", ...), made on first use.
std::shared_ptr<spdlog::logger> get(const std::string& component);

}  // namespace ffleet::log
