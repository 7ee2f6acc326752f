// The last lines a run's ffmpeg wrote on stderr, numbered from 1 as they
// came, so `stream logs --follow` can ask for "the lines after N" and read
// each line once. Keeps at most `capacity` lines (FFLEET_LOG_LINES).
// Not thread-safe: loop thread only.
#pragma once

#include <limits>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace ffleet::agent::runner {

class LogTail {
 public:
  explicit LogTail(std::size_t capacity = 200) : capacity_(capacity) {}
  void set_capacity(std::size_t c) { capacity_ = c; }

  void push(std::string line) {
    lines_.push_back(std::move(line));
    ++written_;
    while (lines_.size() > capacity_) lines_.pop_front();
  }
  bool empty() const { return lines_.empty(); }
  const std::string& back() const { return lines_.back(); }
  // The number of the latest line: how many were written in all.
  std::int64_t written() const { return written_; }

  // The last `n` lines, oldest first.
  std::vector<std::string> last(std::size_t n) const {
    n = std::min(n, lines_.size());
    return {lines_.end() - static_cast<std::ptrdiff_t>(n), lines_.end()};
  }
  // The kept lines numbered above `after`, at most `max`, oldest first;
  // `first_seq` is the number of the first returned (or the next to come).
  std::vector<std::string> after(std::int64_t after, std::size_t max, std::int64_t& first_seq) const {
    const std::int64_t oldest = written_ - static_cast<std::int64_t>(lines_.size()) + 1;
    // `after` comes from the network: no overflow past the last number.
    first_seq = after >= std::numeric_limits<std::int64_t>::max() - 1 ? std::numeric_limits<std::int64_t>::max()
                                                                      : std::max(after + 1, oldest);
    const auto skip = std::min(static_cast<std::size_t>(first_seq - oldest), lines_.size());
    const auto from = lines_.begin() + static_cast<std::ptrdiff_t>(skip);
    const std::size_t n = std::min(max, lines_.size() - skip);
    return {from, from + static_cast<std::ptrdiff_t>(n)};
  }

 private:
  std::size_t capacity_;
  std::deque<std::string> lines_;
  std::int64_t written_ = 0;
};

}  // namespace ffleet::agent::runner
