// Whether other local users can read ffmpeg's command line, which holds the
// stream's URLs (keys included): they can unless /proc is mounted with
// hidepid (docs/security.md, "Secrets"). Read from mountinfo text, with the
// /proc root a parameter so tests read fixtures. Thread-safe (no state).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ffleet::agent::host {

// From /proc/<pid>/mountinfo text: whether the last proc mount at /proc
// hides other users' processes (hidepid=1, 2, 4, noaccess, invisible or
// ptraceable, in its mount or superblock options); nullopt if no proc file
// system is mounted at /proc in it.
std::optional<bool> proc_hides_pids(std::string_view mountinfo);

// What to tell the operator at start, or "" when ffmpeg's command line is
// hidden. Reads ROOT/self/mountinfo and, when it hides processes, also
// ROOT/1/mountinfo where readable (the host's mount namespace, for an agent
// whose own /proc is private to it, as systemd's ProtectProc= makes it: that
// hides others from the agent, not the agent from others).
std::string hidepid_warning(const std::string& proc_root = "/proc");

}  // namespace ffleet::agent::host
