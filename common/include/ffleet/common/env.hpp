// Reading settings from the environment (the names kept from the original
// service, e.g. FORCE_KILL_TIMEOUT_MS). A variable that is set but does not
// parse is an error, never silently the default.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include "ffleet/common/status.hpp"

namespace ffleet::env {

std::optional<std::string> text(const char* name);
Result<std::optional<std::int64_t>> integer(const char* name, std::int64_t min, std::int64_t max);
Result<std::optional<bool>> boolean(const char* name);

// A whole-number setting: the variable, where it goes, and its range.
struct IntSetting {
  const char* name;
  std::int64_t* target;
  std::int64_t min, max;
};
// Applies every variable that is set; the first bad one is the error.
Status apply(std::initializer_list<IntSetting> settings);

}  // namespace ffleet::env
