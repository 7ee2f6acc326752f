#include "ffmpeg/argv.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace ffleet::agent::ffmpeg {
namespace {

using Args = std::vector<std::string>;

// -n: an existing output is never replaced unless the spec says overwrite.
const Args kHead = {"-hide_banner", "-nostdin", "-n", "-nostats", "-loglevel", "info", "-progress", "pipe:1",
                    "-stats_period", "0.5"};

Args cat(std::initializer_list<Args> parts) {
  Args out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

proto::StreamSpec lavfi(const std::string& out) {
  proto::StreamSpec s;
  s.inputs = {"testsrc2=size=320x240:rate=25"};
  s.input_format = "lavfi";
  s.outputs = {out};
  return s;
}

HostOffer offer(std::vector<std::string> encoders, bool prefer_hardware = true) {
  HostOffer o;
  o.encoders = std::move(encoders);
  o.prefer_hardware = prefer_hardware;
  return o;
}

HostOffer x264() { return offer({"libx264"}); }

const Args kX264Live = {"-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-sc_threshold", "0"};
const Args kGopAudio = {"-force_key_frames", "expr:gte(t,n_forced*2)",  // a keyframe every 2 s
                        "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-ar", "44100"};

TEST(Argv, LiveLavfiTranscodeToFile) {
  auto p = build(lavfi("out.ts"), x264(), "pipe:1");
  ASSERT_TRUE(p.is_ok()) << p.error();
  EXPECT_EQ(p->encoder, "libx264");
  EXPECT_EQ(p->args, cat({kHead,
                          {"-re"},  // live: native rate
                          {"-protocol_whitelist", "none", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25"},
                          {"-map", "0:v:0", "-map", "0:a:0?"},
                          kX264Live, kGopAudio,
                          {"out.ts"}}));  // format from the extension
}

TEST(Argv, BatchRunsFlatOutWithASlowerPreset) {
  auto s = lavfi("out.mp4");
  s.batch = true;
  auto p = build(s, x264(), "pipe:1");
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(p->args, cat({kHead,
                          {"-protocol_whitelist", "none", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25"},  // no -re
                          {"-map", "0:v:0", "-map", "0:a:0?"},
                          {"-c:v", "libx264", "-preset", "veryfast", "-sc_threshold", "0"},
                          kGopAudio,
                          {"out.mp4"}}));
}

TEST(Argv, CopyToRtmpIsFlv) {
  proto::StreamSpec s;
  s.inputs = {"/media/a.mp4"};
  s.loop = true;
  s.mode = "copy";
  s.outputs = {"rtmp://h/live/key"};
  auto p = build(s, {}, "pipe:1");
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(p->encoder, "copy");
  EXPECT_EQ(p->args, cat({kHead,
                          {"-re", "-stream_loop", "-1"},  // a looped file, forever
                          {"-protocol_whitelist", "file", "-i", "/media/a.mp4"},  // its own protocol only
                          {"-map", "0:v:0", "-map", "0:a:0?"},
                          {"-c", "copy"},
                          {"-f", "flv", "rtmp://h/live/key"}}));
}

TEST(Argv, BitrateResolutionFps) {
  auto s = lavfi("null");
  s.video_bitrate_kbps = 2500;
  s.resolution = "1280x720";
  s.fps = 30;
  auto p = build(s, x264(), "pipe:1");
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(p->args, cat({kHead, {"-re", "-protocol_whitelist", "none", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25"},
                          {"-map", "0:v:0", "-map", "0:a:0?"}, kX264Live,
                          {"-b:v", "2500k", "-maxrate", "2500k", "-bufsize", "5000k"},  // bufsize twice the rate
                          {"-s", "1280x720", "-r", "30"}, kGopAudio,
                          {"-f", "null", "-"}}));
}

TEST(Argv, VaapiOpensItsDeviceAndUploadsFrames) {
  auto s = lavfi("rtmp://h/live/k");
  s.resolution = "1280x720";
  auto p = build(s, offer({"libx264", "h264_vaapi"}), "pipe:1");
  ASSERT_TRUE(p.is_ok()) << p.error();
  EXPECT_EQ(p->encoder, "h264_vaapi");
  EXPECT_EQ(p->args, cat({kHead,
                          {"-vaapi_device", "/dev/dri/renderD128"},  // before the input
                          {"-re", "-protocol_whitelist", "none", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25"},
                          {"-map", "0:v:0", "-map", "0:a:0?", "-c:v", "h264_vaapi"},
                          {"-vf", "scale=1280:720,format=nv12,hwupload"},  // scale, then upload
                          {"-force_key_frames", "expr:gte(t,n_forced*2)"},  // no -pix_fmt: frames are on the GPU
                          {"-c:a", "aac", "-b:a", "128k", "-ar", "44100", "-f", "flv", "rtmp://h/live/k"}}));
}

TEST(Argv, QsvTakesNv12AndNvencItsPreset) {
  // The value that follows an option in an argument vector.
  auto after = [](const Args& a, const std::string& opt) {
    auto it = std::find(a.begin(), a.end(), opt);
    return it == a.end() || it + 1 == a.end() ? std::string() : *(it + 1);
  };
  auto q = build(lavfi("o.ts"), offer({"h264_qsv"}), "pipe:1");
  ASSERT_TRUE(q.is_ok());
  EXPECT_EQ(after(q->args, "-pix_fmt"), "nv12");
  EXPECT_EQ(after(q->args, "-preset"), "veryfast");
  auto n = build(lavfi("o.ts"), offer({"h264_nvenc"}), "pipe:1");
  ASSERT_TRUE(n.is_ok());
  EXPECT_EQ(after(n->args, "-preset"), "p1");
  EXPECT_EQ(after(n->args, "-no-scenecut"), "1");
  EXPECT_EQ(after(n->args, "-pix_fmt"), "yuv420p");
}

TEST(Argv, SeveralOutputsGoThroughTee) {
  auto s = lavfi("rtmp://a/live/k");
  s.outputs.push_back("/tmp/x|y.ts");
  auto p = build(s, x264(), "pipe:1");
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(p->args.back(), "[f=flv:onfail=ignore]rtmp://a/live/k|[onfail=ignore]/tmp/x\\|y.ts");
  EXPECT_EQ(p->args[p->args.size() - 2], "tee");
}

TEST(Argv, SeveralInputsUseTheConcatPlaylist) {
  proto::StreamSpec s;
  s.inputs = {"a.mp4", "b.mp4"};
  s.mode = "copy";
  s.outputs = {"o.ts"};
  EXPECT_FALSE(build(s, {}, "pipe:1").is_ok());  // no playlist path given
  auto p = build(s, {}, "pipe:1", "/w/playlist_1_1.txt");
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(cat({kHead, {"-re", "-f", "concat", "-safe", "1", "-protocol_whitelist", "file", "-i", "/w/playlist_1_1.txt"},
                 {"-map", "0:v:0", "-map", "0:a:0?", "-c", "copy", "o.ts"}}),
            p->args);
}

TEST(Argv, LavfiIsNeverLooped) {
  auto s = lavfi("o.ts");
  s.loop = true;
  auto p = build(s, x264(), "pipe:1");
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(std::count(p->args.begin(), p->args.end(), "-stream_loop"), 0);
}

TEST(Argv, EncoderChoice) {
  auto s = lavfi("o.ts");
  EXPECT_EQ(*choose_encoder(s, offer({"libx264", "h264_nvenc"})), "h264_nvenc");
  EXPECT_EQ(*choose_encoder(s, offer({"libx264", "h264_nvenc"}, false)), "libx264");
  s.encoder = "h264_qsv";
  EXPECT_EQ(choose_encoder(s, offer({"libx264"})).error(), "encoder h264_qsv is not usable on this host");
  s.encoder = "libx264";
  EXPECT_EQ(*choose_encoder(s, offer({"libx264", "h264_nvenc"})), "libx264");
  s.encoder = "auto";
  EXPECT_FALSE(choose_encoder(s, offer({})).is_ok());
}

TEST(Argv, SessionsAndRestingEncoders) {
  auto s = lavfi("o.ts");
  auto o = offer({"libx264", "h264_nvenc"});
  o.free_sessions["nvenc"] = 0;  // all NVENC sessions in use: software
  EXPECT_EQ(*choose_encoder(s, o), "libx264");
  s.encoder = "h264_nvenc";
  EXPECT_EQ(choose_encoder(s, o).error(), "no free nvenc session on this host");
  o.free_sessions["nvenc"] = 1;
  EXPECT_EQ(*choose_encoder(s, o), "h264_nvenc");
  o.unhealthy.insert("h264_nvenc");
  EXPECT_NE(choose_encoder(s, o).error().find("resting"), std::string::npos);
  s.encoder = "auto";
  EXPECT_EQ(*choose_encoder(s, o), "libx264");
  EXPECT_EQ(vendor_of("hevc_vaapi"), "vaapi");
  EXPECT_EQ(vendor_of("libx264"), "");
}

TEST(Argv, OutputFormats) {
  EXPECT_EQ(output_format("rtmp://h/a/k"), "flv");
  EXPECT_EQ(output_format("rtmps://h/a/k"), "flv");
  EXPECT_EQ(output_format("srt://h:9000"), "mpegts");
  EXPECT_EQ(output_format("udp://239.0.0.1:1234"), "mpegts");
  EXPECT_EQ(output_format("/var/www/live.m3u8"), "hls");
  EXPECT_EQ(output_format("out.mkv"), "");
  EXPECT_EQ(output_format("null"), "null");
}

TEST(Argv, ConcatListQuotesPaths) {
  EXPECT_EQ(concat_list({"/m/a b.mp4", "/m/it's.mp4"}),
            "ffconcat version 1.0\nfile '/m/a b.mp4'\nfile '/m/it'\\''s.mp4'\n");
}

// Linux file names are bytes: one that is not UTF-8 (Latin-1 "café", a
// stray 0xff) reaches ffmpeg exactly as it was given, never "repaired".
TEST(Argv, NonUtf8PathsGoThroughByteForByte) {
  const std::string latin1 = "/media/caf\xe9 \xff.mp4";
  proto::StreamSpec s;
  s.inputs = {latin1};
  s.mode = "copy";
  s.outputs = {"/out/r\xe9sum\xe9.ts"};
  auto p = build(s, {}, "pipe:1");
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(cat({kHead, {"-re", "-protocol_whitelist", "file", "-i", latin1},  // the input, untouched
                 {"-map", "0:v:0", "-map", "0:a:0?", "-c", "copy", "/out/r\xe9sum\xe9.ts"}}),
            p->args);
  // Several inputs: the concat playlist holds the same bytes.
  EXPECT_EQ(concat_list({latin1, "/m/\xc3\x28.mp4"}),
            "ffconcat version 1.0\nfile '/media/caf\xe9 \xff.mp4'\nfile '/m/\xc3\x28.mp4'\n");
}

TEST(Argv, OverwriteOnlyWhenTheSpecSaysSo) {
  auto s = lavfi("/out/o.ts");
  s.overwrite = true;
  auto p = build(s, x264(), "pipe:1");
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(p->args[2], "-y");
}

TEST(Argv, EveryInputGetsTheWhitelistOfItsProtocol) {
  proto::StreamSpec s;
  s.mode = "copy";
  s.outputs = {"null"};
  auto whitelist = [&](const std::string& in) {
    s.inputs = {in};
    auto p = build(s, {}, "pipe:1");
    EXPECT_TRUE(p.is_ok()) << in;
    auto it = std::find(p->args.begin(), p->args.end(), "-protocol_whitelist");
    return it == p->args.end() ? std::string() : *(it + 1);
  };
  EXPECT_EQ(whitelist("rtmp://h/live/k"), "rtmp,tcp");
  EXPECT_EQ(whitelist("https://h/live.m3u8"), "https,tls,tcp,crypto");
  EXPECT_EQ(whitelist("srt://h:9000"), "srt");
}

// The thumbnail: a second output in the same ffmpeg, only when it transcodes.
const Args kThumb = {"-map", "0:v:0", "-vf", "fps=1/5,scale=320:-2", "-c:v", "mjpeg", "-q:v", "8", "-f", "image2",
                     "-update", "1", "-atomic_writing", "1", "/w/thumb_3_1.jpg"};

TEST(Argv, ThumbnailIsASecondOutputWhenTranscoding) {
  auto p = build(lavfi("out.ts"), x264(), "pipe:1", {}, Thumbnail{"/w/thumb_3_1.jpg", 5});
  ASSERT_TRUE(p.is_ok()) << p.error();
  EXPECT_EQ(p->thumbnail, "/w/thumb_3_1.jpg");
  EXPECT_EQ(p->args, cat({kHead, {"-re"}, {"-protocol_whitelist", "none", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25"},
                          {"-map", "0:v:0", "-map", "0:a:0?"}, kX264Live, kGopAudio,
                          {"out.ts"},  // the stream's output first: its options stay its own
                          kThumb}));
  // Without a path, none; the interval is kept in range.
  auto none = build(lavfi("out.ts"), x264(), "pipe:1");
  ASSERT_TRUE(none.is_ok());
  EXPECT_EQ(none->thumbnail, "");
  EXPECT_EQ(std::count(none->args.begin(), none->args.end(), "mjpeg"), 0);
  auto slow = build(lavfi("out.ts"), x264(), "pipe:1", {}, Thumbnail{"/w/t.jpg", 0});
  ASSERT_TRUE(slow.is_ok());
  EXPECT_NE(std::find(slow->args.begin(), slow->args.end(), "fps=1/1,scale=320:-2"), slow->args.end());
}

TEST(Argv, CopyModeHasNoThumbnail) {
  // Nothing is decoded in copy mode: a thumbnail would cost a decode.
  auto s = lavfi("out.ts");
  s.mode = "copy";
  auto p = build(s, x264(), "pipe:1", {}, Thumbnail{"/w/thumb_3_1.jpg", 5});
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(p->thumbnail, "");
  EXPECT_EQ(p->args.back(), "out.ts");
  EXPECT_EQ(std::count(p->args.begin(), p->args.end(), "-map"), 2);
}

TEST(Argv, BatchWorkHasNoThumbnail) {
  // A finite transcode shows its progress; its command stays the plain one.
  auto s = lavfi("out.mp4");
  s.batch = true;
  auto p = build(s, x264(), "pipe:1", {}, Thumbnail{"/w/thumb_3_1.jpg", 5});
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(p->thumbnail, "");
  EXPECT_EQ(p->args.back(), "out.mp4");
}

TEST(Argv, ThumbnailOfAHardwareRunIsScaledInSoftware) {
  // VAAPI's upload is in the stream's own -vf; the thumbnail's chain takes
  // the decoded frames from system memory.
  auto s = lavfi("rtmp://h/live/k");
  s.outputs.push_back("b.ts");
  auto p = build(s, offer({"libx264", "h264_vaapi"}), "pipe:1", {}, Thumbnail{"/w/thumb_3_1.jpg", 5});
  ASSERT_TRUE(p.is_ok()) << p.error();
  EXPECT_EQ(p->encoder, "h264_vaapi");
  const Args tail(p->args.end() - static_cast<std::ptrdiff_t>(kThumb.size()), p->args.end());
  EXPECT_EQ(tail, kThumb);
  const Args head(p->args.begin(), p->args.end() - static_cast<std::ptrdiff_t>(kThumb.size()));
  EXPECT_EQ(head[head.size() - 2], "tee");  // after the tee output
  EXPECT_NE(std::find(head.begin(), head.end(), "format=nv12,hwupload"), head.end());
}

// What a user wrote never becomes an option, even if the controller let it by.
TEST(Argv, NoUserStringBecomesAnOption) {
  auto s = lavfi("-report");
  EXPECT_NE(build(s, x264(), "pipe:1").error().find("rule option-injection"), std::string::npos);
  s = lavfi("null");
  s.inputs = {"-i"};
  s.input_format.clear();
  EXPECT_NE(build(s, x264(), "pipe:1").error().find("rule option-injection"), std::string::npos);
  s = lavfi("null");
  s.input_format = "tty";
  EXPECT_NE(build(s, x264(), "pipe:1").error().find("rule input-format"), std::string::npos);
  s = lavfi("null");
  s.inputs = {"testsrc2,metadata=mode=print:file=/root/.ssh/authorized_keys"};
  EXPECT_NE(build(s, x264(), "pipe:1").error().find("rule lavfi"), std::string::npos);
}

}  // namespace
}  // namespace ffleet::agent::ffmpeg
