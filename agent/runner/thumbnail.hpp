// A run's thumbnail: the JPEG that its ffmpeg rewrites in the agent's work
// dir (ffmpeg/argv.hpp, Thumbnail), read when the controller asks for it and
// removed with the run. The file is small and local, so it is read at once in
// the loop: one open, one fstat and a read of at most the size cap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ffleet::agent::runner {

// Where run (stream, attempt) writes its thumbnail in `work_dir`.
std::string thumbnail_path(const std::string& work_dir, std::int64_t stream_id, std::int64_t attempt);

// Whether a work-dir entry is a thumbnail (or its temporary file, from
// -atomic_writing): an orphan of a crash when the agent starts.
bool is_thumbnail_name(const std::string& name);

struct ThumbFile {
  bool found = false;
  std::string jpeg;
  std::string why;  // !found: one line for people
};

// The JPEG at `path`, if there is one of at most `max_bytes` that starts like
// a JPEG. Never blocks on anything but the local disk; never follows a link.
ThumbFile read_thumbnail(const std::string& path, std::size_t max_bytes);

// Removes the thumbnail and its temporary file, if there are any.
void remove_thumbnail(const std::string& path);

}  // namespace ffleet::agent::runner
