#include "runner/thumbnail.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ffleet::agent::runner {

std::string thumbnail_path(const std::string& work_dir, std::int64_t stream_id, std::int64_t attempt) {
  return work_dir + "/thumb_" + std::to_string(stream_id) + "_" + std::to_string(attempt) + ".jpg";
}

bool is_thumbnail_name(const std::string& name) {
  auto ends = [&](const char* s) {
    const std::size_t n = std::strlen(s);
    return name.size() >= n && name.compare(name.size() - n, n, s) == 0;
  };
  return name.rfind("thumb_", 0) == 0 && (ends(".jpg") || ends(".jpg.tmp"));
}

ThumbFile read_thumbnail(const std::string& path, std::size_t max_bytes) {
  ThumbFile out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    out.why = errno == ENOENT ? "the run has not written its first one yet" : std::string("cannot read the thumbnail: ") + std::strerror(errno);
    return out;
  }
  struct stat st{};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    out.why = "the thumbnail is not a regular file";
    return out;
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    out.why = "the thumbnail is " + std::to_string(st.st_size) + " bytes, over the limit of " + std::to_string(max_bytes);
    return out;
  }
  // The file is replaced by a rename, never rewritten in place: this open
  // file is one whole picture, however long the read takes. One byte more
  // than the cap is asked for, to see a file that grew after fstat.
  std::string data(max_bytes + 1, '\0');
  std::size_t got = 0;
  while (got < data.size()) {
    const ssize_t n = ::read(fd, data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (got > max_bytes) {
    out.why = "the thumbnail is over the limit of " + std::to_string(max_bytes) + " bytes";
    return out;
  }
  data.resize(got);
  if (got < 4 || static_cast<unsigned char>(data[0]) != 0xFF || static_cast<unsigned char>(data[1]) != 0xD8) {
    out.why = "the thumbnail is not a JPEG";
    return out;
  }
  out.found = true;
  out.jpeg = std::move(data);
  return out;
}

void remove_thumbnail(const std::string& path) {
  if (path.empty()) return;
  ::unlink(path.c_str());
  ::unlink((path + ".tmp").c_str());
}

}  // namespace ffleet::agent::runner
