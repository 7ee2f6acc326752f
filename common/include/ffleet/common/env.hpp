// Reading settings from the environment (the names kept from the original
// service, e.g. FORCE_KILL_TIMEOUT_MS). A variable that is set but does not
// parse is an error, never silently the default.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ffleet/common/status.hpp"

namespace ffleet::env {

std::optional<std::string> text(const char* name);
Result<std::optional<std::int64_t>> integer(const char* name, std::int64_t min, std::int64_t max);
Result<std::optional<bool>> boolean(const char* name);

}  // namespace ffleet::env
