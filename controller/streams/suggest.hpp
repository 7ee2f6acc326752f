// "Did you mean …?" for a stream name that matches none: the closest known
// name by edit distance, if it is close enough to be a typo. Pure.
#pragma once

#include <string>
#include <vector>

namespace ffleet::controller::streams {

// Levenshtein distance (bytes).
std::size_t edit_distance(const std::string& a, const std::string& b);

// The closest of `names` to `typed` within about a third of its length (at least
// 1, at most 3 edits), or a name that differs only in case; "" if none.
// Ties go to the first in `names`.
std::string closest_name(const std::string& typed, const std::vector<std::string>& names);

}  // namespace ffleet::controller::streams
