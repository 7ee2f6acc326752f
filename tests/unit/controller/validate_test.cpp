// Careless stream definitions: one row per input a person or a script may
// send, each refused with one line that names the field and what it allows.
#include "streams/validate.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "ffleet/common/text.hpp"

namespace ffleet::controller::streams {
namespace {

proto::StreamSpec good() {
  proto::StreamSpec s;
  s.inputs = {"/media/clip.mp4"};
  s.outputs = {"rtmp://ingest.example/live/KEY"};
  return s;
}

struct Row {
  const char* what;
  std::function<void(proto::StreamSpec&)> change;
  std::vector<std::string> mentions;  // the field, and what is allowed
};

std::string many(char c, std::size_t n) { return std::string(n, c); }

const std::vector<Row>& careless_specs() {
  static const std::vector<Row> rows = {
      // --resolution
      {"resolution 0x0", [](auto& s) { s.resolution = "0x0"; }, {"--resolution", "'0x0'", "16 to 8192"}},
      {"resolution 1x1", [](auto& s) { s.resolution = "1x1"; }, {"--resolution", "16 to 8192"}},
      {"resolution 99999x99999", [](auto& s) { s.resolution = "99999x99999"; }, {"--resolution", "16 to 8192"}},
      {"resolution 9999999x720 (too many digits)", [](auto& s) { s.resolution = "9999999x720"; },
       {"--resolution", "WxH"}},
      {"resolution 8194x720", [](auto& s) { s.resolution = "8194x720"; }, {"--resolution", "16 to 8192"}},
      {"resolution abc", [](auto& s) { s.resolution = "abc"; }, {"--resolution", "'abc'", "WxH"}},
      {"resolution 1280x", [](auto& s) { s.resolution = "1280x"; }, {"--resolution", "WxH"}},
      {"resolution x720", [](auto& s) { s.resolution = "x720"; }, {"--resolution", "WxH"}},
      {"resolution 1280X720", [](auto& s) { s.resolution = "1280X720"; }, {"--resolution", "WxH"}},
      {"resolution -640x360", [](auto& s) { s.resolution = "-640x360"; }, {"--resolution", "WxH"}},
      {"resolution 1280x720x3", [](auto& s) { s.resolution = "1280x720x3"; }, {"--resolution", "WxH"}},
      {"resolution odd 1281x720", [](auto& s) { s.resolution = "1281x720"; }, {"--resolution", "even"}},
      {"resolution odd 640x361", [](auto& s) { s.resolution = "640x361"; }, {"--resolution", "even"}},
      // --fps
      {"fps -1", [](auto& s) { s.fps = -1; }, {"--fps", "1 to 240", "0 for the input"}},
      {"fps 241", [](auto& s) { s.fps = 241; }, {"--fps", "1 to 240"}},
      {"fps 100000", [](auto& s) { s.fps = 100000; }, {"--fps", "1 to 240"}},
      // --video-bitrate
      {"bitrate -1", [](auto& s) { s.video_bitrate_kbps = -1; }, {"--video-bitrate", "100 to 200000 kbit/s"}},
      {"bitrate 6 (Mbit/s typed as kbit/s)", [](auto& s) { s.video_bitrate_kbps = 6; },
       {"--video-bitrate", "100 to 200000", "6000"}},
      {"bitrate 200001", [](auto& s) { s.video_bitrate_kbps = 200'001; }, {"--video-bitrate", "200000"}},
      // --input
      {"no input", [](auto& s) { s.inputs.clear(); }, {"--input"}},
      {"empty input", [](auto& s) { s.inputs = {""}; }, {"--input #1", "empty"}},
      {"10001 inputs", [](auto& s) { s.inputs.assign(10'001, "a.mp4"); }, {"--input", "10000"}},
      {"input of 4097 bytes", [](auto& s) { s.inputs = {"/" + many('a', 4096)}; }, {"--input #1", "4096"}},
      {"input with a NUL", [](auto& s) { s.inputs = {"a.mp4", std::string("b\0c.mp4", 7)}; },
       {"--input #2", "NUL", "b\\x00c.mp4"}},
      {"input with CRLF from a file", [](auto& s) { s.inputs = {"/media/a.mp4\r"}; },
       {"--input #1", "line break", "a.mp4\\r'"}},
      {"input with a newline", [](auto& s) { s.inputs = {"a\nb"}; }, {"--input #1", "line break", "a\\nb"}},
      // --output
      {"no output", [](auto& s) { s.outputs.clear(); }, {"--output"}},
      {"17 outputs",
       [](auto& s) {
         s.outputs.clear();
         for (int i = 0; i < 17; ++i) s.outputs.push_back("/tmp/o" + std::to_string(i) + ".ts");
       },
       {"--output", "at most 16"}},
      {"output with NUL", [](auto& s) { s.outputs = {std::string("o\0.ts", 5)}; }, {"--output #1", "NUL"}},
      {"output with a pasted newline", [](auto& s) { s.outputs = {"rtmp://h/live/SECRETKEY\n"}; },
       {"--output #1", "line break", "rtmp://h/live/****"}},
      {"output too long", [](auto& s) { s.outputs = {"rtmp://h/live/" + many('k', 5000)}; },
       {"--output #1", "at most 4096"}},
      {"the same output twice", [](auto& s) { s.outputs = {"rtmp://h/live/K", "/tmp/a.ts", "rtmp://h/live/K"}; },
       {"--output #3", "--output #1", "rtmp://h/live/****"}},
      // the whole definition
      {"a playlist over the size limit", [](auto& s) { s.inputs.assign(200, "/" + many('p', 4000)); },
       {"too large", "524288", "--input"}},
      // the other fields
      {"input format with a space", [](auto& s) { s.input_format = "la vfi"; }, {"--input-format", "'la vfi'"}},
      {"mode fast", [](auto& s) { s.mode = "fast"; }, {"--mode", "auto, copy or transcode"}},
      {"encoder with a slash", [](auto& s) { s.encoder = "../x264"; }, {"--encoder", "ffmpeg encoder name"}},
      {"empty encoder", [](auto& s) { s.encoder = ""; }, {"--encoder"}},
      {"priority 1001", [](auto& s) { s.priority = 1001; }, {"--priority", "-1000 to 1000"}},
      {"on-host-lost panic", [](auto& s) { s.on_host_lost = "panic"; }, {"--on-host-lost", "failover, wait or fence"}},
  };
  return rows;
}

TEST(ValidateSpec, CarelessInputIsRefusedWithOneLineNamingTheField) {
  ASSERT_TRUE(validate_spec(good()).is_ok());
  for (const auto& row : careless_specs()) {
    SCOPED_TRACE(row.what);
    auto s = good();
    row.change(s);
    const Status st = validate_spec(s);
    ASSERT_FALSE(st.is_ok());
    const std::string& m = st.message();
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    EXPECT_TRUE(text::valid_utf8(m)) << m;
    EXPECT_LE(m.size(), 400u) << m;  // never echoes a whole path or list
    for (const auto& needle : row.mentions) EXPECT_NE(m.find(needle), std::string::npos) << needle << " in: " << m;
  }
}

TEST(ValidateSpec, WhatABroadcastEngineerMeansIsAccepted) {
  const std::vector<Row> rows = {
      {"16x16", [](auto& s) { s.resolution = "16x16"; }, {}},
      {"8192x8192", [](auto& s) { s.resolution = "8192x8192"; }, {}},
      {"7680x4320", [](auto& s) { s.resolution = "7680x4320"; }, {}},
      {"fps 0 keeps the input's", [](auto& s) { s.fps = 0; }, {}},
      {"fps 1 and 240", [](auto& s) { s.fps = 240; }, {}},
      {"bitrate 0 is the default", [](auto& s) { s.video_bitrate_kbps = 0; }, {}},
      {"bitrate 100 and 200000", [](auto& s) { s.video_bitrate_kbps = 200'000; }, {}},
      {"a file name that is not UTF-8", [](auto& s) { s.inputs = {"/media/caf\xe9.mp4"}; }, {}},
      {"a tab in a file name", [](auto& s) { s.inputs = {"/media/a\tb.mp4"}; }, {}},
      {"a 10000-clip playlist", [](auto& s) { s.inputs.assign(10'000, "/media/library/show-s01e01.mp4"); }, {}},
      {"a path of 4096 bytes", [](auto& s) { s.inputs = {many('a', 4096)}; }, {}},
      {"16 outputs",
       [](auto& s) {
         s.outputs.clear();
         for (int i = 0; i < 16; ++i) s.outputs.push_back("rtmp://h/live/k" + std::to_string(i));
       },
       {}},
      {"lavfi", [](auto& s) {
         s.input_format = "lavfi";
         s.inputs = {"testsrc2=size=640x360:rate=30"};
       }, {}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.what);
    auto s = good();
    row.change(s);
    const Status st = validate_spec(s);
    EXPECT_TRUE(st.is_ok()) << st.message();
  }
}

TEST(ValidateSpec, QuotesAreMaskedEscapedAndShort) {
  auto s = good();
  s.inputs = {"rtmp://src.example/live/SECRET\x1b[2J\xff\n"};
  const std::string m = validate_spec(s).message();
  EXPECT_EQ(m.find("SECRET"), std::string::npos) << m;
  EXPECT_EQ(m.find('\x1b'), std::string::npos) << m;
  EXPECT_TRUE(text::valid_utf8(m)) << m;
  s.inputs = {"/" + std::string(3000, 'x') + "\n"};
  EXPECT_LT(validate_spec(s).message().size(), 300u);
}

TEST(ValidateName, CarelessNamesAreRefused) {
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"", "1 to 64"},
      {std::string(65, 'a'), "65 bytes"},
      {std::string(100000, 'a'), "1 to 64"},
      {"-dash", "starting with a letter or digit"},
      {"has space", "'has space'"},
      {"caf\xc3\xa9", "letters, digits"},
      {"bad\xff", "bad\\xff"},
      {"nl\nname", "nl\\nname"},
      {"123", "all digits"},
  };
  for (const auto& [name, needle] : rows) {
    SCOPED_TRACE(text::for_people(name.substr(0, 80)));
    const Status st = validate_name(name);
    ASSERT_FALSE(st.is_ok());
    EXPECT_NE(st.message().find("stream name"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find(needle), std::string::npos) << st.message();
    EXPECT_EQ(st.message().find('\n'), std::string::npos);
    EXPECT_LE(st.message().size(), 300u);
  }
  EXPECT_TRUE(validate_name("news-1.hd_a").is_ok());
  EXPECT_TRUE(validate_name(std::string(64, 'a')).is_ok());
}

TEST(ValidateConfinement, AStreamNoAgentMayRunIsRefusedNamingTheRuleAndTheAgent) {
  proto::StreamSpec s;
  s.inputs = {"/root/secret"};
  s.outputs = {"null"};
  const AgentPolicy a{"a1", {{"/srv/media"}, {"/srv/out"}, confine::default_protocols()}};
  const AgentPolicy b{"b1", {{"/root"}, {}, confine::default_protocols()}};
  const AgentPolicy old{"old", {}};
  EXPECT_EQ(validate_confinement(s, {a}).message(),
            "rule media-roots: --input #1 '/root/secret' is outside the media roots (/srv/media) on agent a1");
  EXPECT_TRUE(validate_confinement(s, {a, b}).is_ok());  // b may run it
  EXPECT_TRUE(validate_confinement(s, {}).is_ok());      // no agent: only the rules that need none
  EXPECT_TRUE(validate_confinement(s, {old}).is_ok());   // an agent older than confinement is not judged
  s.outputs = {"/etc/cron.d/x"};
  EXPECT_NE(validate_confinement(s, {a, b}).message().find("none of the 2 agents allows it"), std::string::npos);
  s.outputs = {"-report"};
  EXPECT_NE(validate_confinement(s, {}).message().find("rule option-injection"), std::string::npos);
}

}  // namespace
}  // namespace ffleet::controller::streams
