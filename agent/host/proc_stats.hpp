// pidusage-style figures read from /proc: CPU percent of one core and RSS of a
// process group (ffmpeg and anything it spawned), and the host's CPU and
// memory. The /proc root is a parameter so tests can read fixtures.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace ffleet::agent::host {

// The largest figure taken from a /proc field (ticks, pages, kB): far above
// anything a kernel reports, low enough that no product or sum overflows.
// A negative or unreadable field is 0, a larger one is this.
inline constexpr std::int64_t kMaxProcFigure = std::int64_t{1} << 40;

// One /proc field as a figure, by the rule above.
std::int64_t proc_figure(const std::string& field);

struct GroupSample {
  std::int64_t cpu_ticks = 0;  // utime + stime of every member, clock ticks
  std::int64_t rss_bytes = 0;
  int processes = 0;
};

struct HostSample {
  std::int64_t busy_ticks = 0;
  std::int64_t total_ticks = 0;
  std::int64_t mem_total_bytes = 0;
  std::int64_t mem_available_bytes = 0;
  double load1 = 0;
};

class ProcReader {
 public:
  explicit ProcReader(std::string root = "/proc");

  // Every process whose process group is `pgid`, by one scan of the root.
  std::map<int, GroupSample> groups() const;
  GroupSample group(int pgid) const;
  HostSample host() const;

  static long ticks_per_second();
  static long page_size();

 private:
  std::string root_;
};

// CPU percent of one core between two samples `ms` apart (100 = one core busy).
double cpu_percent(std::int64_t ticks_before, std::int64_t ticks_after, std::int64_t ms);

}  // namespace ffleet::agent::host
