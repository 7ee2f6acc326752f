#include "encoders/detect.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace ffleet::agent::encoders {
namespace {

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

TEST(Detect, ParsesDebiansEncoderList) {
  std::ifstream in(std::string(FFLEET_FIXTURES_DIR) + "/ffmpeg-encoders-5.1.txt");
  std::stringstream ss;
  ss << in.rdbuf();
  const auto list = parse_encoder_list(ss.str());
  EXPECT_TRUE(has(list, "libx264"));
  EXPECT_TRUE(has(list, "h264_nvenc"));
  EXPECT_TRUE(has(list, "h264_vaapi"));
  EXPECT_FALSE(has(list, "aac"));  // audio
  EXPECT_FALSE(has(list, "="));    // the legend
}

TEST(Detect, Version) {
  EXPECT_EQ(parse_version("ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers"),
            "5.1.9-0+deb12u1");
  EXPECT_EQ(parse_version("something else"), "");
}

TEST(Detect, TestEncodesUseTheDeviceARealStreamNeeds) {
  const auto vaapi = test_encode_args("h264_vaapi");
  EXPECT_TRUE(has(vaapi, "-vaapi_device"));
  EXPECT_TRUE(has(vaapi, "format=nv12,hwupload"));
  const auto qsv = test_encode_args("h264_qsv");
  EXPECT_TRUE(has(qsv, "-init_hw_device"));
  const auto x = test_encode_args("libx264");
  EXPECT_FALSE(has(x, "-vaapi_device"));
  EXPECT_EQ(x.back(), "-");
  EXPECT_TRUE(has(x, "-frames:v"));
}

Candidate candidate(const std::string& name, bool works, bool timed_out = false) {
  Candidate c;
  c.name = name;
  c.listed = true;
  c.works = works;
  c.timed_out = timed_out;
  return c;
}

// A re-detection whose test encodes hang (a wedged GPU driver, a loaded host)
// keeps what was known: it neither takes an encoder away nor adds one.
TEST(Detect, TimedOutTestsKeepThePreviousVerdict) {
  Detection before;
  before.candidates = {candidate("libx264", true), candidate("h264_nvenc", true), candidate("h264_vaapi", false)};
  Detection fresh;
  fresh.candidates = {candidate("libx264", false, true), candidate("h264_nvenc", false), candidate("h264_vaapi", false, true),
                      candidate("h264_qsv", false, true)};
  const auto merged = keep_previous_when_timed_out(fresh, before);
  EXPECT_EQ(merged.usable(), (std::vector<std::string>{"libx264"}));  // kept; nvenc failed for real
  EXPECT_NE(merged.candidates[0].why.find("kept usable"), std::string::npos);
  EXPECT_FALSE(merged.candidates[2].works);  // timed out, not usable before
  EXPECT_FALSE(merged.candidates[3].works);  // timed out, unknown before
  // A first detection (nothing before): a timed-out test is not usable.
  EXPECT_TRUE(keep_previous_when_timed_out(fresh, {}).usable().empty());
}

}  // namespace
}  // namespace ffleet::agent::encoders
