#include "ffmpeg/probe.hpp"

#include <gtest/gtest.h>

namespace ffleet::agent::ffmpeg {
namespace {

TEST(Probe, ParsesFfprobeCsv) {
  auto m = parse_probe("h264,video\naac,audio\nmov_text,subtitle\nmp3,audio\n");
  EXPECT_EQ(m.video_codec, "h264");
  EXPECT_EQ(m.audio_codec, "aac");
  EXPECT_EQ(parse_probe("").video_codec, "");
}

TEST(Probe, CopyOnlyWhatFitsEveryOutput) {
  const MediaInfo h264_aac{"h264", "aac"};
  EXPECT_TRUE(choose_mode(h264_aac, {"rtmp://h/live/k"}).copy);
  EXPECT_TRUE(choose_mode(h264_aac, {"rtmp://h/live/k", "srt://h:9000", "o.ts", "x.flv", "o.mp4"}).copy);
  EXPECT_TRUE(choose_mode({"h264", ""}, {"rtmp://h/live/k"}).copy);  // no audio is fine
  const auto hevc = choose_mode({"hevc", "aac"}, {"rtmp://h/live/k"});
  EXPECT_FALSE(hevc.copy);
  EXPECT_NE(hevc.why.find("FLV needs H.264/AAC"), std::string::npos);
  EXPECT_TRUE(choose_mode({"hevc", "aac"}, {"srt://h:9000"}).copy);
  EXPECT_FALSE(choose_mode({"h264", "opus"}, {"rtmp://h/a/k"}).copy);
  EXPECT_FALSE(choose_mode({"vp9", "opus"}, {"o.mp4"}).copy);
  EXPECT_FALSE(choose_mode({"", "aac"}, {"o.ts"}).copy);
  EXPECT_FALSE(choose_mode(h264_aac, {"o.avi"}).copy);  // no rule: transcode to be safe
}

TEST(Probe, LocalFiles) {
  EXPECT_TRUE(is_local_file("/media/a.mp4"));
  EXPECT_TRUE(is_local_file("file:/media/a.mp4"));
  EXPECT_FALSE(is_local_file("rtmp://h/a/k"));
  EXPECT_FALSE(is_local_file("https://h/x.m3u8"));
}

TEST(Probe, ArgumentsPassThePathByteForByte) {
  const std::string path = "/media/-caf\xe9.mp4";  // Latin-1, and a leading dash in the name
  EXPECT_EQ(probe_args(path),
            (std::vector<std::string>{"-v", "error", "-show_entries", "stream=codec_name,codec_type", "-of", "csv=p=0",
                                      "-protocol_whitelist", "file", "-i", path}));
}

}  // namespace
}  // namespace ffleet::agent::ffmpeg
