#include "store/private_files.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace ffleet::controller::store {
namespace {

std::string octal(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

// One file: nothing if private or absent, a line if changed, an error if it
// stays readable by others.
Status fix(const std::string& path, int fd, std::vector<std::string>& changed) {
  struct stat st {};
  if ((fd >= 0 ? ::fstat(fd, &st) : ::stat(path.c_str(), &st)) != 0) {
    if (errno == ENOENT) return Status::ok();
    return Status::error("cannot check the mode of " + path + ": " + std::strerror(errno));
  }
  if ((st.st_mode & 077) == 0) return Status::ok();
  const mode_t want = st.st_mode & 0700;  // the owner keeps what it had, the rest lose everything
  if ((fd >= 0 ? ::fchmod(fd, want) : ::chmod(path.c_str(), want)) != 0)
    return Status::error(path + " is mode " + octal(st.st_mode) + " (others may read the stream keys in it) and " +
                         "cannot be made " + octal(want) + ": " + std::strerror(errno) +
                         "; run the controller as its owner or fix the mode by hand");
  changed.push_back(path + " was mode " + octal(st.st_mode) + ", now " + octal(want));
  return Status::ok();
}

}  // namespace

Result<std::vector<std::string>> make_private(const std::string& db_path, int fd) {
  std::vector<std::string> changed;
  if (Status s = fix(db_path, fd, changed); !s) return s;
  for (const char* suffix : {"-wal", "-shm", "-journal"})
    if (Status s = fix(db_path + suffix, -1, changed); !s) return s;
  return changed;
}

}  // namespace ffleet::controller::store
