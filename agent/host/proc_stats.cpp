#include "host/proc_stats.hpp"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ffleet::agent::host {
namespace {

bool read_file(const std::string& path, std::string& out) {
  std::ifstream f(path);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  out = ss.str();
  return true;
}

// Fields of /proc/PID/stat after the command name, which may hold spaces and
// parentheses, so we split after the last ')'.
struct Stat {
  int pgrp = 0;
  std::int64_t utime = 0, stime = 0, rss_pages = 0;
};

bool parse_stat(const std::string& text, Stat& st) {
  const auto close = text.rfind(')');
  // A line cut right after the name (a short read, a fixture) has no fields.
  if (close == std::string::npos || close + 2 > text.size()) return false;
  std::istringstream in(text.substr(close + 2));
  std::string field;
  // After ')': state(3) ppid(4) pgrp(5) ... utime(14) stime(15) ... rss(24)
  for (int i = 3; i <= 24 && (in >> field); ++i) {
    if (i == 5) st.pgrp = static_cast<int>(std::clamp<long long>(std::strtoll(field.c_str(), nullptr, 10), INT_MIN, INT_MAX));
    else if (i == 14) st.utime = proc_figure(field);
    else if (i == 15) st.stime = proc_figure(field);
    else if (i == 24) st.rss_pages = proc_figure(field);
  }
  return true;
}

std::int64_t saturated_add(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  return __builtin_add_overflow(a, b, &r) ? INT64_MAX : r;
}

}  // namespace

std::int64_t proc_figure(const std::string& field) {
  errno = 0;
  const long long v = std::strtoll(field.c_str(), nullptr, 10);
  if (errno == ERANGE) return v > 0 ? kMaxProcFigure : 0;
  return std::clamp<std::int64_t>(v, 0, kMaxProcFigure);
}

ProcReader::ProcReader(std::string root) : root_(std::move(root)) {}

long ProcReader::ticks_per_second() {
  static const long t = ::sysconf(_SC_CLK_TCK);
  return t > 0 ? t : 100;
}

long ProcReader::page_size() {
  static const long p = ::sysconf(_SC_PAGESIZE);
  return p > 0 ? p : 4096;
}

std::map<int, GroupSample> ProcReader::groups() const {
  std::map<int, GroupSample> out;
  DIR* d = ::opendir(root_.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    if (!std::isdigit(static_cast<unsigned char>(e->d_name[0]))) continue;
    std::string text;
    Stat st;
    if (!read_file(root_ + "/" + e->d_name + "/stat", text) || !parse_stat(text, st)) continue;
    auto& g = out[st.pgrp];
    g.cpu_ticks = saturated_add(g.cpu_ticks, st.utime + st.stime);
    g.rss_bytes = saturated_add(g.rss_bytes, st.rss_pages * page_size());
    ++g.processes;
  }
  ::closedir(d);
  return out;
}

GroupSample ProcReader::group(int pgid) const {
  auto all = groups();
  auto it = all.find(pgid);
  return it == all.end() ? GroupSample{} : it->second;
}

HostSample ProcReader::host() const {
  HostSample h;
  std::string text;
  if (read_file(root_ + "/stat", text)) {
    // The first line: "cpu" then user nice system idle iowait irq softirq steal.
    std::istringstream in(text.substr(0, text.find('\n')));
    std::string field;
    in >> field;
    std::int64_t v[8] = {};
    for (auto& x : v)
      if (in >> field) x = proc_figure(field);
    for (auto x : v) h.total_ticks += x;
    h.busy_ticks = h.total_ticks - v[3] - v[4];
  }
  if (read_file(root_ + "/meminfo", text)) {
    // "Key:   value kB" a line (some lines have no unit).
    std::istringstream lines(text);
    std::string line, key, value;
    while (std::getline(lines, line)) {
      std::istringstream in(line);
      if (!(in >> key >> value)) continue;
      if (key == "MemTotal:") h.mem_total_bytes = proc_figure(value) * 1024;
      else if (key == "MemAvailable:") h.mem_available_bytes = proc_figure(value) * 1024;
    }
  }
  if (read_file(root_ + "/loadavg", text)) h.load1 = std::atof(text.c_str());
  return h;
}

double cpu_percent(std::int64_t ticks_before, std::int64_t ticks_after, std::int64_t ms) {
  if (ms <= 0 || ticks_after < ticks_before) return 0;
  const double secs = static_cast<double>(ticks_after - ticks_before) / static_cast<double>(ProcReader::ticks_per_second());
  return 100.0 * secs / (static_cast<double>(ms) / 1000.0);
}

}  // namespace ffleet::agent::host
