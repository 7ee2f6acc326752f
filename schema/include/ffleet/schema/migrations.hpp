// The SQLite schema as numbered migrations (schema/migrations/NNNN_*.sql),
// applied in order by the controller's store at start-up.
#pragma once

#include <string_view>
#include <vector>

namespace ffleet::schema {

struct Migration {
  std::string_view file;  // e.g. "0001_init.sql"; its number is the version
  std::string_view sql;
};

const std::vector<Migration>& migrations();

}  // namespace ffleet::schema
