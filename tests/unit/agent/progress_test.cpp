#include "ffmpeg/progress.hpp"

#include <gtest/gtest.h>

namespace ffleet::agent::ffmpeg {
namespace {

const char* kBlocks =
    "frame=0\nfps=0.00\nbitrate=N/A\ntotal_size=0\nout_time_us=0\nout_time_ms=0\nout_time=00:00:00.000000\n"
    "dup_frames=0\ndrop_frames=0\nspeed=N/A\nprogress=continue\n"
    "frame=50\nfps=25.10\nbitrate=1234.5kbits/s\ntotal_size=308224\nout_time_us=2000000\nout_time_ms=2000000\n"
    "out_time=00:00:02.000000\ndup_frames=1\ndrop_frames=2\nspeed=   1x\nprogress=continue\n";

TEST(Progress, ParsesBlocksSplitAnywhere) {
  const std::string all = kBlocks;
  for (std::size_t cut = 0; cut < all.size(); cut += 7) {
    ProgressParser p;
    int blocks = p.feed(std::string_view(all).substr(0, cut));
    blocks += p.feed(std::string_view(all).substr(cut));
    EXPECT_EQ(blocks, 2);
    EXPECT_EQ(p.blocks(), 2);
    const auto& l = p.latest();
    EXPECT_EQ(l.frame, 50);
    EXPECT_DOUBLE_EQ(l.fps, 25.1);
    EXPECT_DOUBLE_EQ(l.bitrate_kbps, 1234.5);
    EXPECT_EQ(l.out_time_ms, 2000);
    EXPECT_EQ(l.dup_frames, 1);
    EXPECT_EQ(l.drop_frames, 2);
    EXPECT_DOUBLE_EQ(l.speed, 1.0);
    EXPECT_FALSE(l.ended);
  }
}

TEST(Progress, EndAndNotAvailableSpeed) {
  ProgressParser p;
  p.feed("frame=1\nspeed=N/A\nprogress=end\n");
  EXPECT_TRUE(p.latest().ended);
  EXPECT_EQ(p.latest().speed, 0);
}

TEST(Progress, LatestChangesOnlyAtABlockEnd) {
  ProgressParser p;
  p.feed("frame=10\nprogress=continue\nframe=20\n");
  EXPECT_EQ(p.latest().frame, 10);
}

TEST(Progress, AHugeLineDoesNotGrowWithoutBound) {
  ProgressParser p;
  p.feed(std::string(1 << 20, 'x'));
  p.feed("\nframe=3\nprogress=continue\n");
  EXPECT_EQ(p.latest().frame, 3);
}

}  // namespace
}  // namespace ffleet::agent::ffmpeg
