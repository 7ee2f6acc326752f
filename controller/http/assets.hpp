// The dashboard's files (controller/web/) and schema/openapi.yaml, embedded
// in the binary at build time: the controller serves what it was built with,
// with nothing to install beside it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ffleet::controller::http {

struct Asset {
  const char* data;
  std::size_t size;
  const char* content_type;
};

// A file of controller/web/ by name ("index.html", "app.js"), or nullptr.
const Asset* find_asset(const std::string& name);
std::string_view openapi_yaml();

}  // namespace ffleet::controller::http
