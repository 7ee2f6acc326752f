#include "ffleet/common/redact.hpp"

#include <gtest/gtest.h>

namespace ffleet::redact {
namespace {

TEST(Redact, RtmpStreamKey) {
  EXPECT_EQ(url("rtmp://live.example/app/abc123"), "rtmp://live.example/app/****");
  EXPECT_EQ(url("rtmps://live.example:443/app/sub/key"), "rtmps://live.example:443/app/****");
  EXPECT_EQ(url("rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl-mnop-qrst"), "rtmp://a.rtmp.youtube.com/live2/****");
  EXPECT_EQ(url("rtmp://live.twitch.tv/app/live_123456789_AbCdEfGhIj"), "rtmp://live.twitch.tv/app/****");
  EXPECT_EQ(url("rtmp://host/app"), "rtmp://host/app");
  EXPECT_EQ(url("rtmp://host/app/"), "rtmp://host/app/");
}

TEST(Redact, AnRtmpKeyWithAQueryIsMaskedWhole) {
  // Facebook: the key holds a query, and "a" is its secret.
  EXPECT_EQ(url("rtmps://live-api-s.facebook.com:443/rtmp/FB-123-0-AbC?s_bl=1&s_sc=123&a=SECRET"),
            "rtmps://live-api-s.facebook.com:443/rtmp/****");
  EXPECT_EQ(url("rtmp://h/app/key?token=x&v=1"), "rtmp://h/app/****");
  // A query on the application alone: only key-like values go.
  EXPECT_EQ(url("rtmp://h/app?token=x&v=1"), "rtmp://h/app?token=****&v=1");
}

TEST(Redact, KeysInThePathOfEveryNetworkScheme) {
  EXPECT_EQ(url("https://a.upload.youtube.com/live2/KEY"), "https://a.upload.youtube.com/live2/****");
  EXPECT_EQ(url("https://live-api-s.facebook.com/rtmp/FB-1-0-AbC?s_bl=1&a=SECRET"),
            "https://live-api-s.facebook.com/rtmp/****");
  EXPECT_EQ(url("http://host/live/x.m3u8"), "http://host/live/****");
  EXPECT_EQ(url("https://ingest.example/hls/KEY/index.m3u8?v=1"), "https://ingest.example/hls/****");
  EXPECT_EQ(url("srt://h:9000/live/KEY"), "srt://h:9000/live/****");
  // One segment is a file name, and an empty second segment no key.
  EXPECT_EQ(url("https://cdn.example/video.mp4"), "https://cdn.example/video.mp4");
  EXPECT_EQ(url("https://h/app/?token=t"), "https://h/app/?token=****");
  // file: URLs name local files, with no key in them.
  EXPECT_EQ(url("file:///media/a/b.mp4"), "file:///media/a/b.mp4");
}

TEST(Redact, PasswordsAndKeyLikeQueryValues) {
  EXPECT_EQ(url("srt://user:hunter2@h:9000?streamid=abc&latency=200"), "srt://user:****@h:9000?streamid=****&latency=200");
  EXPECT_EQ(url("srt://h:9000?streamid=#!::r=live/k,m=publish&passphrase=longenough10&pbkeylen=16"),
            "srt://h:9000?streamid=****&passphrase=****&pbkeylen=16");
  EXPECT_EQ(url("https://h/x.m3u8?token=t0k&v=1"), "https://h/x.m3u8?token=****&v=1");
  EXPECT_EQ(url("https://a.upload.youtube.com/http_upload_hls?cid=KEY&copy=0&file=out.m3u8"),
            "https://a.upload.youtube.com/http_upload_hls?cid=****&copy=0&file=out.m3u8");
  EXPECT_EQ(url("https://h/x?s=1&sig=2&X-Amz-Signature=3&access_token=4&Key-Pair-Id=5&e=6"),
            "https://h/x?s=****&sig=****&X-Amz-Signature=****&access_token=****&Key-Pair-Id=****&e=6");
  // A password may hold '@' and ':'; a user name alone is kept.
  EXPECT_EQ(url("rtsp://cam:p@ss:w@10.0.0.2/stream1"), "rtsp://cam:****@10.0.0.2/stream1");
  EXPECT_EQ(url("rtmp://bob@h/app"), "rtmp://bob@h/app");
}

TEST(Redact, LeavesPlainThingsAlone) {
  EXPECT_EQ(url("/media/a b.mp4"), "/media/a b.mp4");
  EXPECT_EQ(url("testsrc2=size=640x360:rate=30"), "testsrc2=size=640x360:rate=30");
  EXPECT_EQ(url("udp://239.0.0.1:1234?pkt_size=1316"), "udp://239.0.0.1:1234?pkt_size=1316");
}

TEST(Redact, MaskingTwiceIsMaskingOnce) {
  for (const char* u : {"rtmps://h:443/rtmp/FB-1?a=b", "rtmp://h?x/app/key", "rtmp://h/app?token=a/b&c=d",
                        "rtmp://h/app?token=a&b/KEY", "srt://u:p@ss@h?streamid=x", "https://h/a/b?c=d"}) {
    const std::string once = url(u);
    EXPECT_EQ(url(once), once) << u;
    EXPECT_EQ(for_error(once), once) << u;
  }
}

TEST(Redact, ScrubsSecretsFromFreeText) {
  const auto s = secrets_of("rtmp://h/app/sekrit?key=other");
  // The whole key, the key before its query, and the key= value.
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(scrub("[flv] rtmp://h/app/sekrit: Broken pipe (sekrit)", s), "[flv] rtmp://h/app/****: Broken pipe (****)");
  // Too short to mask without hiding everything else.
  EXPECT_EQ(scrub("a b c", {"a"}), "a b c");
  // The longest first: a prefix does not leave the rest of the key showing.
  EXPECT_EQ(scrub("k=FB-1-0-AbC?a=SECRET.", {"FB-1-0-AbC", "FB-1-0-AbC?a=SECRET"}), "k=****.");
}

TEST(Redact, ForErrorMasksEveryUrlInText) {
  EXPECT_EQ(for_error("Output #0, flv, to 'rtmp://h:1935/live/KEY':"), "Output #0, flv, to 'rtmp://h:1935/live/****':");
  EXPECT_EQ(for_error("rtmp://h/live/KEY: I/O error"), "rtmp://h/live/****: I/O error");
  EXPECT_EQ(for_error("bad --output #2 \"https://h/live2/KEY\" and srt://h:1?passphrase=abcdefghij."),
            "bad --output #2 \"https://h/live2/****\" and srt://h:1?passphrase=****.");
  EXPECT_EQ(for_error("[hls @ 0x55] Opening 'https://h/hls/KEY/seg0.ts' for writing"),
            "[hls @ 0x55] Opening 'https://h/hls/****' for writing");
  // The tee muxer's slave list: masked from the first URL on.
  EXPECT_EQ(for_error("[f=flv:onfail=ignore]rtmp://a/live/K1|[f=flv]rtmp://b/live/K2"),
            "[f=flv:onfail=ignore]rtmp://a/live/****");
  EXPECT_EQ(for_error("no URL here: a://"), "no URL here: a://");
  EXPECT_EQ(for_error("The following argument was not expected: rtmp://h/app/KEY"),
            "The following argument was not expected: rtmp://h/app/****");
}

TEST(Redact, BearerTokensAreMaskedInFreeText) {
  const std::string t = "ffl_" + std::string(40, 'A') + "b-_";  // 43 characters after ffl_
  EXPECT_EQ(tokens("Authorization: Bearer " + t), "Authorization: Bearer ffl_****");
  EXPECT_EQ(for_error("bad token '" + t + "'."), "bad token 'ffl_****'.");
  EXPECT_EQ(tokens(t + "," + t), "ffl_****,ffl_****");
  // Not a token: one character short or long, or inside a longer word.
  EXPECT_EQ(tokens(t.substr(0, t.size() - 1)), t.substr(0, t.size() - 1));
  EXPECT_EQ(tokens(t + "x"), t + "x");
  EXPECT_EQ(tokens("x" + t), "x" + t);
  EXPECT_EQ(tokens("prefix ffl_Ab3x only"), "prefix ffl_Ab3x only");
  // Masking twice is masking once.
  EXPECT_EQ(for_error(for_error("a " + t)), for_error("a " + t));
}

}  // namespace
}  // namespace ffleet::redact
