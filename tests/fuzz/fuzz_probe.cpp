// Fuzzes the reading of ffprobe's answer (agent/ffmpeg/probe.hpp parse_probe)
// and the copy-or-transcode decision taken on it (choose_mode).
//
// Input: ffprobe's csv output ("h264,video\naac,audio\n"), then optionally
// NUL-separated output URLs; without any, a fixed list of real ones.
//
// Properties:
//  - parse_probe() takes the first video and the first audio stream of the
//    csv, as a plain reading of the format says (codec before the first
//    comma, type after it, trailing CR and blanks dropped);
//  - a codec name never holds a comma or a newline;
//  - choose_mode() copies only with a video codec, always says why, and
//    copies into a list of outputs exactly when it would copy into each one;
//  - is_local_file() is true for every "file:" input.
#include <cstdint>
#include <string>
#include <vector>

#include "ffmpeg/probe.hpp"
#include "fuzz_util.hpp"

namespace ffleet::fuzz {
namespace {

using agent::ffmpeg::MediaInfo;

MediaInfo reference(std::string_view csv) {
  MediaInfo m;
  for (std::string_view line : split(csv, '\n', csv.size() + 1)) {
    const auto comma = line.find(',');
    if (comma == std::string_view::npos) continue;
    std::string_view type = line.substr(comma + 1);
    while (!type.empty() && (type.back() == '\r' || type.back() == ' ')) type.remove_suffix(1);
    if (type == "video" && m.video_codec.empty()) m.video_codec = line.substr(0, comma);
    if (type == "audio" && m.audio_codec.empty()) m.audio_codec = line.substr(0, comma);
  }
  return m;
}

const std::vector<std::string> kOutputs = {"rtmp://live.example.com/app/key", "rtmps://live.example.com:443/rtmp/k",
                                           "srt://10.0.0.5:9000?mode=caller", "udp://239.0.0.1:1234?pkt_size=1316",
                                           "/srv/out/index.m3u8", "/srv/out/a.ts", "/srv/out/a.mp4", "a.MKV", "x.flv",
                                           "null", "-", "a.avi"};

}  // namespace
}  // namespace ffleet::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ffleet::fuzz;         // NOLINT
  using namespace ffleet::agent::ffmpeg;  // NOLINT
  auto parts = split(as_view(data, size), '\0', 9);
  const std::string csv = parts[0];
  std::vector<std::string> outputs(parts.begin() + 1, parts.end());
  if (outputs.empty()) outputs = kOutputs;

  const MediaInfo m = parse_probe(csv);
  const MediaInfo want = reference(csv);
  FUZZ_CHECK(m.video_codec == want.video_codec && m.audio_codec == want.audio_codec,
             "parse_probe gave " + show(m.video_codec) + "/" + show(m.audio_codec) + ", want " +
                 show(want.video_codec) + "/" + show(want.audio_codec) + " for " + show(csv));
  for (const auto* c : {&m.video_codec, &m.audio_codec})
    FUZZ_CHECK(c->find_first_of(",\n") == std::string::npos, "codec " + show(*c));

  const ModeChoice all = choose_mode(m, outputs);
  FUZZ_CHECK(!all.why.empty(), "no reason given");
  FUZZ_CHECK(!all.copy || !m.video_codec.empty(), "copy without a video stream");
  bool each = !m.video_codec.empty();
  for (const auto& o : outputs) {
    const ModeChoice one = choose_mode(m, {o});
    FUZZ_CHECK(!one.why.empty(), "no reason given for " + show(o));
    each = each && one.copy;
  }
  FUZZ_CHECK(all.copy == each, "copy into all outputs is " + std::to_string(all.copy) + " but into each one " +
                                   std::to_string(each));
  FUZZ_CHECK(choose_mode(m, {}).copy == !m.video_codec.empty(), "no outputs");

  for (const auto& o : outputs)
    if (o.rfind("file:", 0) == 0) FUZZ_CHECK(is_local_file(o), show(o) + " is not local");
  (void)is_local_file(csv);
  return 0;
}
