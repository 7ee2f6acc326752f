#include "host/paths.hpp"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ffleet/common/log.hpp"
#include "runner/confine_host.hpp"
#include "runner/thumbnail.hpp"

namespace ffleet::agent::host {
namespace {
auto paths_log() {
  static auto l = log::get("agent");
  return l;
}
}  // namespace

Status prepare_work_dir(const std::string& given) {
  if (::mkdir(given.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::error("cannot create work dir " + given + ": " + std::strerror(errno));
  // The default (/tmp/ffleet-agent-NAME) is a name anyone on the host can
  // take first: a directory or link made by someone else would let them read
  // the playlists and plant files the runs read, or point us at a directory
  // of ours to chmod and clean. A link is followed only if root or our own
  // user made it (systemd's StateDirectory with DynamicUser is one); the
  // directory must be ours, and one others may read or write is made private.
  const uid_t me = ::geteuid();
  struct stat st{};
  if (::lstat(given.c_str(), &st) != 0)
    return Status::error("cannot read work dir " + given + ": " + std::strerror(errno));
  if (S_ISLNK(st.st_mode) && st.st_uid != 0 && st.st_uid != me)
    return Status::error("work dir " + given + " is a symbolic link made by uid " + std::to_string(st.st_uid) +
                         ": remove it or give --work-dir");
  char real[PATH_MAX];
  if (::realpath(given.c_str(), real) == nullptr)
    return Status::error("cannot resolve work dir " + given + ": " + std::strerror(errno));
  const std::string dir = real;
  if (::lstat(dir.c_str(), &st) != 0) return Status::error("cannot read work dir " + dir + ": " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return Status::error("work dir " + given + " is not a directory: remove it or give --work-dir");
  if (st.st_uid != me)
    return Status::error("work dir " + given + " belongs to uid " + std::to_string(st.st_uid) + ", not to this agent's (" +
                         std::to_string(me) + "): remove it or give --work-dir");
  if ((st.st_mode & 077) != 0) {
    if (::chmod(dir.c_str(), 0700) != 0)
      return Status::error("cannot make work dir " + dir + " private: " + std::strerror(errno));
    paths_log()->warn("work_dir_mode_fixed dir={} was={:o} now=700 why=\"others could read or plant files\"", dir,
                      st.st_mode & 0777);
  }
  // No run outlives the agent (they die with it), so every playlist,
  // thumbnail or scratch file left here is an orphan of a crash.
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return Status::error("cannot open work dir " + dir + ": " + std::strerror(errno));
  int removed = 0;
  while (dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n.rfind("links_", 0) == 0) {
      runner::remove_links(dir + "/" + n);
      ++removed;
      continue;
    }
    if ((n.rfind("playlist_", 0) == 0 && n.size() > 4 && n.substr(n.size() - 4) == ".txt") ||
        n.rfind(".detect-", 0) == 0 || n.rfind(".probe-", 0) == 0 || runner::is_thumbnail_name(n)) {
      if (::unlink((dir + "/" + n).c_str()) == 0) ++removed;
    }
  }
  ::closedir(d);
  if (removed > 0) paths_log()->info("orphans_removed dir={} files={}", dir, removed);
  return Status::ok();
}

Result<std::vector<std::string>> resolve_roots(const std::vector<std::string>& roots, const char* flag) {
  std::vector<std::string> out;
  for (const auto& r : roots) {
    char buf[PATH_MAX];
    struct stat st{};
    if (::realpath(r.c_str(), buf) == nullptr || ::stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
      return Status::error(std::string(flag) + " " + r + ": not an existing directory");
    out.emplace_back(buf);
  }
  return out;
}

}  // namespace ffleet::agent::host
