#include "ffleet/schema/migrations.hpp"

namespace ffleet::schema {

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
#include "ffleet/schema/migrations.inc"
  };
  return all;
}

}  // namespace ffleet::schema
