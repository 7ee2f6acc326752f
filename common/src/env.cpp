#include "ffleet/common/env.hpp"

#include <cstdlib>
#include <string_view>

namespace ffleet::env {

std::optional<std::string> text(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

Result<std::optional<std::int64_t>> integer(const char* name, std::int64_t min, std::int64_t max) {
  auto v = text(name);
  if (!v) return std::optional<std::int64_t>{};
  char* end = nullptr;
  errno = 0;
  const long long n = std::strtoll(v->c_str(), &end, 10);
  if (errno != 0 || end == v->c_str() || *end != '\0' || n < min || n > max)
    return Status::error(std::string(name) + "='" + *v + "' is not a whole number from " + std::to_string(min) +
                         " to " + std::to_string(max));
  return std::optional<std::int64_t>(n);
}

Result<std::optional<bool>> boolean(const char* name) {
  auto v = text(name);
  if (!v) return std::optional<bool>{};
  const std::string_view s = *v;
  if (s == "1" || s == "true" || s == "yes" || s == "on") return std::optional<bool>(true);
  if (s == "0" || s == "false" || s == "no" || s == "off") return std::optional<bool>(false);
  return Status::error(std::string(name) + "='" + *v + "' is not true or false");
}

Status apply(std::initializer_list<IntSetting> settings) {
  for (const auto& v : settings) {
    auto r = integer(v.name, v.min, v.max);
    if (!r) return r.status();
    if (*r) *v.target = **r;
  }
  return Status::ok();
}

}  // namespace ffleet::env
