// Fuzzes the /proc readers (agent/host/proc_stats.hpp). ProcReader reads
// files under a root directory, so each input is written into a fixture root
// (in /dev/shm when there is one) and read back through the real code path.
//
// Input: NUL-separated file contents, in this order: stat, meminfo, loadavg,
// then 100/stat, 101/stat, 200/stat, 300/stat. A missing part means that
// file is absent (a process that exited between readdir and open).
//
// Properties:
//  - groups() counts each process whose stat line has a command name in
//    parentheses and fields after it once, in the group its 5th field names,
//    with utime + stime and rss pages as the fields after the last ')' say,
//    each clamped to [0, kMaxProcFigure] (so no sum overflows);
//  - group(pgid) is groups()[pgid], and empty for a group with no process;
//  - host() sums the 8 cpu figures of the first line of stat, and busy is
//    that minus idle and iowait; memory is in bytes;
//  - cpu_percent() is never negative and is 0 for no elapsed time.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_util.hpp"
#include "host/proc_stats.hpp"

namespace ffleet::fuzz {
namespace {

using agent::host::GroupSample;
using agent::host::HostSample;
using agent::host::ProcReader;

const char* const kPids[] = {"100", "101", "200", "300"};
std::string g_root;

void put(const std::string& path, const std::string* content) {
  if (content == nullptr) {
    ::unlink(path.c_str());
    return;
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) std::abort();
  for (std::size_t off = 0; off < content->size();) {
    const ssize_t n = ::write(fd, content->data() + off, content->size() - off);
    if (n <= 0) std::abort();
    off += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

// What the code is meant to take from one /proc/PID/stat.
struct Proc {
  int pgrp = 0;
  std::int64_t ticks = 0;
  std::int64_t rss_bytes = 0;
};

// A field's figure: a decimal integer (leading blanks and a sign allowed,
// trailing junk ignored), clamped to [0, kMaxProcFigure]; 0 for no digits.
std::int64_t reference_figure(const std::string& f) {
  std::size_t i = 0;
  bool negative = false;
  if (i < f.size() && (f[i] == '+' || f[i] == '-')) negative = f[i++] == '-';
  std::int64_t v = 0;
  for (; i < f.size() && f[i] >= '0' && f[i] <= '9'; ++i) {
    v = v * 10 + (f[i] - '0');
    if (v > agent::host::kMaxProcFigure) v = agent::host::kMaxProcFigure + 1;  // stays "too big"
  }
  if (negative) return 0;
  return std::min(v, agent::host::kMaxProcFigure);
}

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// False for a line that is not a process: no ')', or nothing after ") ".
bool reference_stat(const std::string& text, Proc& p) {
  const auto close = text.rfind(')');
  if (close == std::string::npos || close + 2 > text.size()) return false;
  const auto w = words(text.substr(close + 2));  // w[0] is field 3 (state)
  auto field = [&](std::size_t n) { return n - 3 < w.size() ? w[n - 3] : std::string(); };
  const long long pgrp = std::strtoll(field(5).c_str(), nullptr, 10);
  p.pgrp = static_cast<int>(std::clamp<long long>(pgrp, INT_MIN, INT_MAX));
  p.ticks = reference_figure(field(14)) + reference_figure(field(15));
  p.rss_bytes = reference_figure(field(24)) * ProcReader::page_size();
  return true;
}

HostSample reference_host(const std::string* stat, const std::string* meminfo) {
  HostSample h;
  if (stat != nullptr) {
    const auto w = words(stat->substr(0, stat->find('\n')));
    std::int64_t v[8] = {};
    for (std::size_t i = 0; i < 8; ++i) v[i] = i + 1 < w.size() ? reference_figure(w[i + 1]) : 0;
    for (auto x : v) h.total_ticks += x;
    h.busy_ticks = h.total_ticks - v[3] - v[4];
  }
  if (meminfo != nullptr) {
    std::istringstream in(*meminfo);
    for (std::string line; std::getline(in, line);) {
      const auto w = words(line);
      if (w.size() < 2) continue;
      if (w[0] == "MemTotal:") h.mem_total_bytes = reference_figure(w[1]) * 1024;
      else if (w[0] == "MemAvailable:") h.mem_available_bytes = reference_figure(w[1]) * 1024;
    }
  }
  return h;
}

}  // namespace
}  // namespace ffleet::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  namespace fs = std::filesystem;
  const fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  // A run that crashed left its root behind: remove those whose process is gone.
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(base, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("ffleet-fuzz-proc-", 0) != 0) continue;
    const int pid = std::atoi(name.c_str() + 17);
    if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH) fs::remove_all(e.path(), ec);
  }
  std::string tmpl = (base / ("ffleet-fuzz-proc-" + std::to_string(::getpid()) + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
  ffleet::fuzz::g_root = tmpl;
  for (const char* pid : ffleet::fuzz::kPids) fs::create_directory(fs::path(tmpl) / pid);
  // Best effort: the fixture root goes when the fuzzer ends normally.
  std::atexit([] { std::filesystem::remove_all(ffleet::fuzz::g_root); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ffleet::fuzz;  // NOLINT
  using ffleet::agent::host::cpu_percent;
  const auto parts = split(as_view(data, size), '\0', 7);
  auto part = [&](std::size_t i) { return i < parts.size() ? &parts[i] : nullptr; };

  // Decide first what the code should see.
  std::map<int, GroupSample> want;
  for (std::size_t i = 0; i < 4; ++i) {
    Proc p;
    if (part(3 + i) == nullptr || !reference_stat(*part(3 + i), p)) continue;
    auto& g = want[p.pgrp];
    g.cpu_ticks += p.ticks;  // four processes of at most 2^53 each: no overflow
    g.rss_bytes += p.rss_bytes;
    ++g.processes;
  }
  const HostSample hw = reference_host(part(0), part(1));

  put(g_root + "/stat", part(0));
  put(g_root + "/meminfo", part(1));
  put(g_root + "/loadavg", part(2));
  for (std::size_t i = 0; i < 4; ++i) put(g_root + "/" + kPids[i] + "/stat", part(3 + i));

  const ProcReader reader(g_root);
  const auto groups = reader.groups();
  FUZZ_CHECK(groups.size() == want.size(), std::to_string(groups.size()) + " groups, want " +
                                               std::to_string(want.size()) + " for " + show(as_view(data, size)));
  for (const auto& [pgid, w] : want) {
    const auto it = groups.find(pgid);
    FUZZ_CHECK(it != groups.end(), "group " + std::to_string(pgid) + " missing");
    const GroupSample& g = it->second;
    FUZZ_CHECK(g.processes == w.processes && g.cpu_ticks == w.cpu_ticks && g.rss_bytes == w.rss_bytes,
               "group " + std::to_string(pgid) + ": " + std::to_string(g.processes) + " processes, " +
                   std::to_string(g.cpu_ticks) + " ticks, " + std::to_string(g.rss_bytes) + " bytes; want " +
                   std::to_string(w.processes) + ", " + std::to_string(w.cpu_ticks) + ", " +
                   std::to_string(w.rss_bytes));
    const GroupSample one = reader.group(pgid);
    FUZZ_CHECK(one.processes == g.processes && one.cpu_ticks == g.cpu_ticks && one.rss_bytes == g.rss_bytes,
               "group() differs from groups()");
  }
  int unused = 424242;
  while (want.count(unused)) ++unused;
  FUZZ_CHECK(reader.group(unused).processes == 0, "a group with no process");

  const HostSample h = reader.host();
  FUZZ_CHECK(h.total_ticks == hw.total_ticks && h.busy_ticks == hw.busy_ticks,
             "host ticks " + std::to_string(h.busy_ticks) + "/" + std::to_string(h.total_ticks) + ", want " +
                 std::to_string(hw.busy_ticks) + "/" + std::to_string(hw.total_ticks));
  FUZZ_CHECK(h.mem_total_bytes == hw.mem_total_bytes && h.mem_available_bytes == hw.mem_available_bytes,
             "host memory " + std::to_string(h.mem_total_bytes) + "/" + std::to_string(h.mem_available_bytes));

  // Ticks only grow, so the agent compares two non-negative samples.
  for (const auto& [pgid, g] : groups) {
    if (g.cpu_ticks < 0) continue;
    FUZZ_CHECK(cpu_percent(0, g.cpu_ticks, 0) == 0, "cpu with no time elapsed");
    FUZZ_CHECK(cpu_percent(0, g.cpu_ticks, 1000) >= 0, "negative cpu");
    FUZZ_CHECK(cpu_percent(g.cpu_ticks, 0, 1000) == 0, "cpu of a reused pid");
  }
  return 0;
}
