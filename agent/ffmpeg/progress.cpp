#include "ffmpeg/progress.hpp"

#include <cstdlib>

namespace ffleet::agent::ffmpeg {
namespace {

// A line longer than this is not progress output; drop it rather than grow.
constexpr std::size_t kMaxLine = 4096;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

double to_double(std::string_view v) {
  std::string s(v);
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  return end == s.c_str() ? 0 : d;
}

std::int64_t to_int(std::string_view v) {
  std::string s(v);
  char* end = nullptr;
  const long long n = std::strtoll(s.c_str(), &end, 10);
  return end == s.c_str() ? 0 : n;
}

}  // namespace

int ProgressParser::feed(std::string_view bytes) {
  completed_in_feed_ = 0;
  for (char c : bytes) {
    if (c == '\n') {
      line(partial_);
      partial_.clear();
    } else if (partial_.size() < kMaxLine) {
      partial_.push_back(c);
    }
  }
  return completed_in_feed_;
}

void ProgressParser::line(std::string_view l) {
  const auto eq = l.find('=');
  if (eq == std::string_view::npos) return;
  const auto key = trim(l.substr(0, eq));
  const auto val = trim(l.substr(eq + 1));
  if (key == "frame") building_.frame = to_int(val);
  else if (key == "fps") building_.fps = to_double(val);
  else if (key == "bitrate") building_.bitrate_kbps = val == "N/A" ? 0 : to_double(val);  // "1234.5kbits/s"
  else if (key == "total_size") building_.total_size = to_int(val);
  else if (key == "out_time_us") building_.out_time_ms = to_int(val) / 1000;
  else if (key == "dup_frames") building_.dup_frames = to_int(val);
  else if (key == "drop_frames") building_.drop_frames = to_int(val);
  else if (key == "speed") building_.speed = val == "N/A" ? 0 : to_double(val);  // "   1x"
  else if (key == "progress") {
    building_.ended = val == "end";
    latest_ = building_;
    ++blocks_;
    ++completed_in_feed_;
  }
}

}  // namespace ffleet::agent::ffmpeg
