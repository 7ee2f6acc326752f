// What the agent prepares on its host at start: its work dir (its own,
// private, with a crash's leftovers removed) and the roots it confines ffmpeg
// to, as the kernel resolves them.
#pragma once

#include <string>
#include <vector>

#include "ffleet/common/status.hpp"

namespace ffleet::agent::host {

// Creates `dir` (0700) or checks the one there: a real directory of this
// process's user, made private if others could read or write it; removes the
// playlists and scratch files a crash left. One-line error otherwise.
Status prepare_work_dir(const std::string& dir);

// The roots as the kernel sees them (symlinks, ".."), each an existing
// directory: a path is judged against these. `flag` names them in errors.
Result<std::vector<std::string>> resolve_roots(const std::vector<std::string>& roots, const char* flag);

}  // namespace ffleet::agent::host
