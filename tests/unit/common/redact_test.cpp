#include "ffleet/common/redact.hpp"

#include <gtest/gtest.h>

namespace ffleet::redact {
namespace {

TEST(Redact, RtmpStreamKey) {
  EXPECT_EQ(url("rtmp://live.example/app/abc123"), "rtmp://live.example/app/****");
  EXPECT_EQ(url("rtmps://live.example:443/app/sub/key"), "rtmps://live.example:443/app/****");
  EXPECT_EQ(url("rtmp://host/app"), "rtmp://host/app");
}

TEST(Redact, PasswordsAndKeyLikeQueryValues) {
  EXPECT_EQ(url("srt://user:hunter2@h:9000?streamid=abc&latency=200"), "srt://user:****@h:9000?streamid=****&latency=200");
  EXPECT_EQ(url("https://h/x.m3u8?token=t0k&v=1"), "https://h/x.m3u8?token=****&v=1");
}

TEST(Redact, LeavesPlainThingsAlone) {
  EXPECT_EQ(url("/media/a b.mp4"), "/media/a b.mp4");
  EXPECT_EQ(url("http://host/live/x.m3u8"), "http://host/live/x.m3u8");
}

TEST(Redact, ScrubsSecretsFromFreeText) {
  const auto s = secrets_of("rtmp://h/app/sekrit?key=other");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(scrub("[flv] rtmp://h/app/sekrit: Broken pipe (sekrit)", s), "[flv] rtmp://h/app/****: Broken pipe (****)");
  // Too short to mask without hiding everything else.
  EXPECT_EQ(scrub("a b c", {"a"}), "a b c");
}

}  // namespace
}  // namespace ffleet::redact
