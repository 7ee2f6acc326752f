#include "ffmpeg/probe.hpp"

#include <algorithm>
#include <sstream>

#include "ffmpeg/argv.hpp"

namespace ffleet::agent::ffmpeg {
namespace {

bool in(const std::string& x, std::initializer_list<const char*> set) {
  return std::any_of(set.begin(), set.end(), [&](const char* s) { return x == s; });
}

std::string extension(const std::string& path) {
  const auto dot = path.rfind('.');
  if (dot == std::string::npos || path.find('/', dot) != std::string::npos) return "";
  std::string e = path.substr(dot + 1);
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::tolower(c); });
  return e;
}

// Which codecs a container takes as they are.
bool fits(const MediaInfo& m, const std::string& url, std::string& why) {
  const std::string fmt = output_format(url);
  const std::string ext = extension(url);
  const bool audio_ok_aac = m.audio_codec.empty() || m.audio_codec == "aac";
  if (fmt == "null") return true;
  if (fmt == "flv" || ext == "flv") {
    if (m.video_codec != "h264" || !audio_ok_aac) {
      why = "FLV needs H.264/AAC, input is " + m.video_codec + "/" + (m.audio_codec.empty() ? "none" : m.audio_codec);
      return false;
    }
    return true;
  }
  if (fmt == "mpegts" || fmt == "hls" || ext == "ts") {
    if (!in(m.video_codec, {"h264", "hevc", "mpeg2video"}) ||
        !(m.audio_codec.empty() || in(m.audio_codec, {"aac", "mp3", "ac3", "mp2"}))) {
      why = "MPEG-TS needs H.264/HEVC with AAC/MP3/AC-3, input is " + m.video_codec + "/" + m.audio_codec;
      return false;
    }
    return true;
  }
  if (in(ext, {"mp4", "mov", "mkv"})) {
    if (!in(m.video_codec, {"h264", "hevc", "av1"})) {
      why = ext + " copy needs H.264/HEVC/AV1 video, input is " + m.video_codec;
      return false;
    }
    return true;
  }
  why = "no copy rule for output " + (ext.empty() ? fmt : ext);
  return false;
}

}  // namespace

MediaInfo parse_probe(const std::string& csv) {
  MediaInfo m;
  std::istringstream lines(csv);
  std::string line;
  while (std::getline(lines, line)) {
    const auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    const std::string codec = line.substr(0, comma);
    std::string type = line.substr(comma + 1);
    while (!type.empty() && (type.back() == '\r' || type.back() == ' ')) type.pop_back();
    if (type == "video" && m.video_codec.empty()) m.video_codec = codec;
    if (type == "audio" && m.audio_codec.empty()) m.audio_codec = codec;
  }
  return m;
}

ModeChoice choose_mode(const MediaInfo& m, const std::vector<std::string>& outputs) {
  if (m.video_codec.empty()) return {false, "no video stream found by ffprobe"};
  for (const auto& o : outputs) {
    std::string why;
    if (!fits(m, o, why)) return {false, why};
  }
  return {true, "input " + m.video_codec + "/" + (m.audio_codec.empty() ? "none" : m.audio_codec) +
                    " fits every output"};
}

bool is_local_file(const std::string& input) {
  return input.rfind("file:", 0) == 0 || input.find("://") == std::string::npos;
}

std::vector<std::string> probe_args(const std::string& input) {
  // Only local files are probed: a manifest there reaches nothing else.
  return {"-v",   "error", "-show_entries", "stream=codec_name,codec_type", "-of", "csv=p=0", "-protocol_whitelist",
          "file", "-i",    input};
}

}  // namespace ffleet::agent::ffmpeg
