// --mode auto: copy when the input's codecs fit every output's container,
// else transcode. Copying costs a few percent of a core where a transcode
// costs one or more, so it is worth a probe. Everything here is pure; the
// runner runs ffprobe on a local file (runner/mode_probe.hpp) without
// waiting for it. A URL input is transcoded: probing a live source takes
// seconds and proves little.
#pragma once

#include <string>
#include <vector>

namespace ffleet::agent::ffmpeg {

struct MediaInfo {
  std::string video_codec;  // "" if none
  std::string audio_codec;  // "" if none
};

// Parses `ffprobe -v error -show_entries stream=codec_name,codec_type -of csv=p=0`
// (lines like "h264,video"); the first stream of each type counts.
MediaInfo parse_probe(const std::string& csv);

struct ModeChoice {
  bool copy = false;
  std::string why;
};

// Whether `in` can be copied into every output (by URL, as output_format() sees it).
ModeChoice choose_mode(const MediaInfo& in, const std::vector<std::string>& outputs);

// True for a plain local path (no scheme, or file:).
bool is_local_file(const std::string& input);

// ffprobe's arguments for one input; the path goes through byte for byte
// (after -i, so a name that starts with '-' is not read as an option).
std::vector<std::string> probe_args(const std::string& input);

}  // namespace ffleet::agent::ffmpeg
