// The database holds every stream key in clear, and so do its companions
// (-wal, -shm, -journal): only the controller's user may read any of them.
// New files are made 0600 (open() with 0600, SQLite copies the database's
// mode to its companions, the controller's umask is 077); a file found
// looser (made by hand, restored from a backup, by an older version) is
// changed to 0600 at start with a warning, and a file that cannot be changed
// stops the start. Thread-safe (no state).
#pragma once

#include <string>
#include <vector>

#include "ffleet/common/status.hpp"

namespace ffleet::controller::store {

inline constexpr unsigned kPrivateMode = 0600;

// Takes every group and other bit from `fd` (the open database) and from
// every existing companion of `db_path` (0644 becomes 0600). Returns one line per file it
// changed ("ffleet.db was mode 0644"), or an error naming the file that
// could not be changed.
Result<std::vector<std::string>> make_private(const std::string& db_path, int fd);

}  // namespace ffleet::controller::store
