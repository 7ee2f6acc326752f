#include "ffmpeg/batch_progress.hpp"

#include <gtest/gtest.h>

namespace ffleet::agent::ffmpeg {
namespace {

proto::StreamSpec batch(std::vector<std::string> inputs) {
  proto::StreamSpec s;
  s.batch = true;
  s.inputs = std::move(inputs);
  s.outputs = {"/out/x.mp4"};
  return s;
}

TEST(BatchProgress, FfmpegDurations) {
  EXPECT_EQ(parse_ffmpeg_duration_ms("20"), 20000);
  EXPECT_EQ(parse_ffmpeg_duration_ms("20.5"), 20500);
  EXPECT_EQ(parse_ffmpeg_duration_ms("20s"), 20000);
  EXPECT_EQ(parse_ffmpeg_duration_ms("1500ms"), 1500);
  EXPECT_EQ(parse_ffmpeg_duration_ms("01:30"), 90000);
  EXPECT_EQ(parse_ffmpeg_duration_ms("01:00:30.5"), 3630500);
  EXPECT_FALSE(parse_ffmpeg_duration_ms(""));
  EXPECT_FALSE(parse_ffmpeg_duration_ms("-5"));
  EXPECT_FALSE(parse_ffmpeg_duration_ms("abc"));
  EXPECT_FALSE(parse_ffmpeg_duration_ms("1:2:3:4"));
}

TEST(BatchProgress, LavfiDurationFromTheGraph) {
  EXPECT_EQ(lavfi_duration_ms("testsrc2=size=640x360:rate=30:duration=20"), 20000);
  EXPECT_EQ(lavfi_duration_ms("testsrc2=d=5:size=640x360"), 5000);
  EXPECT_EQ(lavfi_duration_ms("sine=frequency=440:duration=3.5"), 3500);
  EXPECT_FALSE(lavfi_duration_ms("testsrc2=size=640x360:rate=30"));  // endless source
  EXPECT_FALSE(lavfi_duration_ms("testsrc2"));
  EXPECT_FALSE(lavfi_duration_ms("nullsrc=sized=3"));  // not the option `d`
}

TEST(BatchProgress, ProbedDuration) {
  EXPECT_EQ(parse_probed_duration_ms("30.000000\n"), 30000);
  EXPECT_FALSE(parse_probed_duration_ms("N/A\n"));
  EXPECT_FALSE(parse_probed_duration_ms(""));
  EXPECT_FALSE(parse_probed_duration_ms("Invalid data found when processing input\n"));
}

TEST(BatchProgress, TotalIsTheSumOfAPlaylistCappedByDuration) {
  auto s = batch({"/m/a.mp4", "/m/b.mp4"});
  EXPECT_EQ(total_duration_ms(s, {10000, 20000}), 30000);
  EXPECT_EQ(total_duration_ms(s, {10000, std::nullopt}), -1);  // one unknown: unknown
  s.duration_ms = 15000;
  EXPECT_EQ(total_duration_ms(s, {10000, 20000}), 15000);
  EXPECT_EQ(total_duration_ms(s, {10000, std::nullopt}), 15000);  // --duration alone is enough
  s.loop = true;
  EXPECT_EQ(total_duration_ms(s, {10000, 20000}), 15000);
  s.duration_ms = 0;
  EXPECT_EQ(total_duration_ms(s, {10000, 20000}), -1);  // looping forever
  auto live = batch({"/m/a.mp4"});
  live.batch = false;
  EXPECT_EQ(total_duration_ms(live, {10000}), -1);  // a live stream has no progress
}

TEST(BatchProgress, WhatIsProbed) {
  EXPECT_EQ(inputs_to_probe(batch({"/m/a.mp4", "/m/b.mp4"})).size(), 2u);
  EXPECT_TRUE(inputs_to_probe(batch({"/m/a.mp4", "srt://h:9000"})).empty());  // a URL: unknown anyway
  auto lavfi = batch({"testsrc2=duration=5"});
  lavfi.input_format = "lavfi";
  EXPECT_TRUE(inputs_to_probe(lavfi).empty());
  auto live = batch({"/m/a.mp4"});
  live.batch = false;
  EXPECT_TRUE(inputs_to_probe(live).empty());
  const auto args = duration_probe_args("-odd name.mp4");
  EXPECT_EQ(args[args.size() - 2], "-i");  // the path after -i, never an option
  EXPECT_EQ(args.back(), "-odd name.mp4");
}

TEST(BatchProgress, EstimateDurationUnknown) {
  const auto e = estimate(-1, 5000, 2.0, false);
  EXPECT_EQ(e.percent, -1);
  EXPECT_EQ(e.eta_s, -1);
  EXPECT_EQ(estimate(-1, 5000, 2.0, true).percent, -1);  // even at the end: nothing to measure against
}

TEST(BatchProgress, EstimateSpeedNotYetKnown) {
  const auto e = estimate(20000, 5000, 0, false);  // ffmpeg says speed=N/A early on
  EXPECT_DOUBLE_EQ(e.percent, 25);
  EXPECT_EQ(e.eta_s, -1);
}

TEST(BatchProgress, EstimateFromOutTimeAndSpeed) {
  const auto e = estimate(20000, 5000, 2.5, false);
  EXPECT_DOUBLE_EQ(e.percent, 25);
  EXPECT_DOUBLE_EQ(e.eta_s, 6.0);  // 15 s of media at 2.5x
  EXPECT_DOUBLE_EQ(estimate(20000, 0, 1.0, false).percent, 0);
  EXPECT_DOUBLE_EQ(estimate(20000, -40, 1.0, false).percent, 0);  // out_time can start negative
}

TEST(BatchProgress, EstimateOutTimePastDuration) {
  const auto e = estimate(20000, 20040, 3.0, false);  // a last frame past the rounded duration
  EXPECT_DOUBLE_EQ(e.percent, 100);
  EXPECT_DOUBLE_EQ(e.eta_s, 0);
  const auto n = estimate(20000, 25000, 0, false);
  EXPECT_DOUBLE_EQ(n.percent, 100);
  EXPECT_DOUBLE_EQ(n.eta_s, 0);
}

TEST(BatchProgress, EstimateAtTheEnd) {
  const auto e = estimate(20000, 19960, 3.0, true);  // progress=end
  EXPECT_DOUBLE_EQ(e.percent, 100);
  EXPECT_DOUBLE_EQ(e.eta_s, 0);
}

}  // namespace
}  // namespace ffleet::agent::ffmpeg
