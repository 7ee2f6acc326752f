// ffmpeg's stderr crosses the text boundary once, where it enters the agent.
#include <gtest/gtest.h>

#include "ffleet/common/text.hpp"
#include "runner/run.hpp"

namespace ffleet::agent::runner {
namespace {

TEST(RunText, Latin1AndTerminalEscapesComeOutValidAndEscaped) {
  // Metadata as ffmpeg prints it from a Latin-1 tagged file, with an ANSI colour.
  const std::string raw = "    title           : caf\xe9 \x1b[31mred\x1b[0m\tend";
  const std::string line = stderr_line_for_people(raw, {});
  EXPECT_TRUE(text::valid_utf8(line));
  EXPECT_EQ(line, "    title           : caf\\xe9 \\x1b[31mred\\x1b[0m\\tend");
  EXPECT_EQ(line.find('\x1b'), std::string::npos);
}

TEST(RunText, SecretsAreMaskedAndLinesCapped) {
  const std::string line = stderr_line_for_people("rtmp://h/live/sup3rsecret: I/O error", {"sup3rsecret"});
  EXPECT_EQ(line.find("sup3rsecret"), std::string::npos);
  EXPECT_TRUE(text::valid_utf8(stderr_line_for_people(std::string(5000, '\xe9'), {})));
  EXPECT_LE(stderr_line_for_people(std::string(5000, 'x'), {}).size(), 1000u);
}

TEST(RunText, EveryUrlFfmpegPrintsIsMasked) {
  proto::StreamSpec spec;
  spec.inputs = {"testsrc2"};
  spec.outputs = {"rtmps://live-api-s.facebook.com:443/rtmp/FB-1-0-AbC?s_bl=1&a=SECRET1",
                  "https://ingest.example/hls/K3Y[x]/index.m3u8"};
  const auto secrets = secrets_of_spec(spec);
  // The tee muxer's slave list escapes '[' and ']': the escaped key is a secret too.
  const std::string tee = "[f=hls:onfail=ignore]https://ingest.example/hls/K3Y\\[x\\]/index.m3u8";
  for (const std::string& raw : std::vector<std::string>{
           "Output #0, tee, to '[f=flv]rtmps://live-api-s.facebook.com:443/rtmp/FB-1-0-AbC?s_bl=1&a=SECRET1':",
           "[tls @ 0x55] error: FB-1-0-AbC?s_bl=1&a=SECRET1 refused", "[tee @ 0x55] Slave '" + tee + "': failed",
           "[hls @ 0x55] Opening 'https://ingest.example/hls/K3Y[x]/index0.ts' for writing"}) {
    const std::string line = stderr_line_for_people(raw, secrets);
    EXPECT_EQ(line.find("SECRET1"), std::string::npos) << line;
    EXPECT_EQ(line.find("FB-1-0-AbC"), std::string::npos) << line;
    EXPECT_EQ(line.find("K3Y"), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace ffleet::agent::runner
