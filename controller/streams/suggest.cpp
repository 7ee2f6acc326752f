#include "streams/suggest.hpp"

#include <algorithm>
#include <cctype>

namespace ffleet::controller::streams {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string closest_name(const std::string& typed, const std::vector<std::string>& names) {
  // Names are at most a few dozen bytes; a longer `typed` is no typo of one.
  if (typed.empty() || typed.size() > 256) return "";
  auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  const std::string t = lower(typed);
  const std::size_t limit = std::clamp<std::size_t>((typed.size() + 1) / 3, 1, 3);
  std::string best;
  std::size_t best_d = limit + 1;
  for (const auto& n : names) {
    if (n == typed || n.size() > typed.size() + limit + 1) continue;
    const std::size_t d = lower(n) == t ? 0 : edit_distance(t, lower(n));
    if (d < best_d) {
      best = n;
      best_d = d;
    }
  }
  return best_d <= limit ? best : "";
}

}  // namespace ffleet::controller::streams
