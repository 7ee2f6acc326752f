#include "host/proc_mounts.hpp"

#include <fstream>
#include <sstream>
#include <vector>

namespace ffleet::agent::host {
namespace {

std::vector<std::string_view> words(std::string_view line, char sep) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i <= line.size()) {
    auto j = line.find(sep, i);
    if (j == std::string_view::npos) j = line.size();
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool hides(std::string_view options) {
  for (auto opt : words(options, ',')) {
    if (opt.rfind("hidepid=", 0) != 0) continue;
    const auto v = opt.substr(8);
    return v != "0" && v != "off";
  }
  return false;
}

std::optional<std::string> read_all(const std::string& path) {
  std::ifstream f(path);
  if (!f) return std::nullopt;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

constexpr const char* kWhat =
    "; see docs/security.md: mount /proc with hidepid=invisible (mount -o remount,hidepid=invisible /proc, and "
    "the same option on the proc line of /etc/fstab) and run the agent as a user of its own";

}  // namespace

std::optional<bool> proc_hides_pids(std::string_view mountinfo) {
  std::optional<bool> found;
  for (auto line : words(mountinfo, '\n')) {
    // ID PARENT MAJ:MIN ROOT MOUNT_POINT MOUNT_OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS
    const auto f = words(line, ' ');
    if (f.size() < 6 || f[4] != "/proc") continue;
    std::size_t dash = 6;
    while (dash < f.size() && f[dash] != "-") ++dash;
    if (dash + 1 >= f.size() || f[dash + 1] != "proc") continue;
    const bool h = hides(f[5]) || (dash + 3 < f.size() && hides(f[dash + 3]));
    found = h;  // the last mount at /proc is the one seen
  }
  return found;
}

std::string hidepid_warning(const std::string& proc_root) {
  const auto self = read_all(proc_root + "/self/mountinfo");
  const auto here = self ? proc_hides_pids(*self) : std::nullopt;
  if (!here)
    return "cannot tell whether /proc hides processes (no proc mount at /proc in " + proc_root +
           "/self/mountinfo): other local users may read ffmpeg's command line, stream keys included" + kWhat;
  if (!*here)
    return "/proc is mounted without hidepid: every local user can read ffmpeg's command line, stream keys "
           "included" + std::string(kWhat);
  if (const auto init = read_all(proc_root + "/1/mountinfo")) {
    if (proc_hides_pids(*init) == false)
      return "this agent's /proc hides processes but the host's does not (ProtectProc= hides others from the "
             "agent, not the agent from others): every local user can read ffmpeg's command line, stream keys "
             "included" + std::string(kWhat);
  }
  return "";
}

}  // namespace ffleet::agent::host
