// The encoder table's own rules: what every user of it (detection, the
// argument builder, the runner, placement, the agent's session limits) relies on.
#include "ffleet/common/encoders.hpp"

#include <gtest/gtest.h>

#include <set>

namespace ffleet::encoders {
namespace {

TEST(EncoderTable, NamesAreUniqueAndFindFindsEach) {
  std::set<std::string> names;
  for (const auto& e : all()) {
    EXPECT_TRUE(names.insert(e.name).second) << e.name << " twice";
    EXPECT_EQ(find(e.name), &e);
    ASSERT_NE(e.vendor, nullptr) << e.name;
  }
  EXPECT_EQ(find("aac"), nullptr);
  EXPECT_EQ(find(""), nullptr);
}

TEST(EncoderTable, EveryHardwareEncoderHasAVendorASessionDefaultAndFailureSigns) {
  const auto sessions = default_sessions();
  for (const auto& e : all()) {
    if (!e.hardware()) continue;
    EXPECT_FALSE(e.vendor->name.empty()) << e.name;
    EXPECT_GT(e.vendor->default_sessions, 0) << e.name;
    EXPECT_EQ(sessions.count(e.vendor->name), 1u) << e.name;
    EXPECT_FALSE(e.vendor->failure_signs.empty()) << e.name;
    for (const auto& s : e.vendor->failure_signs) EXPECT_FALSE(s.empty()) << e.name;
  }
}

TEST(EncoderTable, SoftwareEncodersNeedNoDeviceAndHaveNoLimit) {
  for (const auto& e : all()) {
    if (e.hardware()) continue;
    EXPECT_EQ(e.vendor, &software()) << e.name;
    EXPECT_TRUE(e.vendor->failure_signs.empty()) << e.name;
    EXPECT_TRUE(e.vendor->test_device_args.empty()) << e.name;
    EXPECT_TRUE(e.vendor->stream_device_args.empty()) << e.name;
  }
  EXPECT_EQ(default_sessions().count(""), 0u);
}

TEST(EncoderTable, VendorOfAgreesWithTheTable) {
  for (const auto& e : all()) EXPECT_EQ(vendor_of(e.name), e.vendor->name) << e.name;
  // ffmpeg's naming: CODEC_VENDOR for hardware encoders.
  for (const auto& e : all()) {
    if (e.hardware()) {
      EXPECT_EQ(e.name.substr(5), e.vendor->name) << e.name;
    }
  }
  EXPECT_EQ(vendor_of("h264_nvenc"), "nvenc");
  EXPECT_EQ(vendor_of("hevc_vaapi"), "vaapi");
  EXPECT_EQ(vendor_of("libx264"), "");
  EXPECT_EQ(vendor_of("no_such_encoder"), "");
}

TEST(EncoderTable, VendorsAreUniqueAndEachHasAnEncoder) {
  std::set<std::string> names;
  for (const auto& v : vendors()) {
    EXPECT_TRUE(names.insert(v.name).second) << v.name << " twice";
    bool used = false;
    for (const auto& e : all()) used = used || e.vendor == &v;
    EXPECT_TRUE(used) << "vendor " << v.name << " has no encoder";
  }
  EXPECT_EQ(vendors().front().name, "");
}

TEST(EncoderTable, DeviceFramesOrAPixelFormat) {
  // An encoder either takes frames from system memory in a pixel format or
  // has them uploaded to its device; a test that uploads uses a device.
  for (const auto& v : vendors()) {
    EXPECT_NE(v.pix_fmt.empty(), v.stream_upload_filter.empty()) << v.name;
    if (!v.test_filter.empty()) {
      EXPECT_FALSE(v.test_device_args.empty()) << v.name;
    }
  }
}

TEST(EncoderTable, OrderIsSoftwareFirstAndEveryHardwareVendorHasH264) {
  // Detection and --encoder auto read the table in order: libx264 leads, no
  // software encoder follows a hardware one.
  ASSERT_FALSE(all().empty());
  EXPECT_EQ(all().front().name, "libx264");
  bool seen_hardware = false;
  for (const auto& e : all()) {
    if (e.hardware()) {
      seen_hardware = true;
    } else {
      EXPECT_FALSE(seen_hardware) << e.name << " after a hardware encoder";
    }
  }
  for (const auto& [vendor, n] : default_sessions()) {
    bool h264 = false;
    for (const auto& e : all()) h264 = h264 || (e.vendor->name == vendor && e.codec == Codec::kH264);
    EXPECT_TRUE(h264) << vendor;
  }
  EXPECT_TRUE(is_h264("libx264"));
  EXPECT_TRUE(is_h264("h264_qsv"));
  EXPECT_FALSE(is_h264("hevc_nvenc"));
  EXPECT_FALSE(is_h264("libx265"));
  EXPECT_FALSE(is_h264("h264_unknown"));
}

TEST(EncoderTable, DefaultSessions) {
  const std::map<std::string, int> want = {{"nvenc", 3},        {"qsv", 8}, {"vaapi", 8},
                                           {"videotoolbox", 4}, {"amf", 4}, {"v4l2m2m", 2}};
  EXPECT_EQ(default_sessions(), want);
}

TEST(EncoderTable, FailureLineUsesTheVendorsSignsInOrder) {
  const std::vector<std::string> nvenc_err = {
      "Stream mapping:", "Error while opening encoder for output stream #0:0 - maybe incorrect parameters",
      "[h264_nvenc @ 0x55d0] OpenEncodeSessionEx failed: out of memory (10): (no details)"};
  // The most specific sign wins, wherever its line is.
  EXPECT_EQ(failure_line("h264_nvenc", nvenc_err), nvenc_err[2]);
  EXPECT_EQ(failure_line("hevc_nvenc", nvenc_err), nvenc_err[2]);
  // Software encoders never fail for want of a device; unknown names neither.
  EXPECT_EQ(failure_line("libx264", nvenc_err), "");
  EXPECT_EQ(failure_line("h264_nosuch", nvenc_err), "");
  // The generic hardware signs count for every vendor.
  EXPECT_EQ(failure_line("h264_amf", nvenc_err), nvenc_err[1]);
  const std::vector<std::string> vaapi_err = {"[AVHWDeviceContext @ 0x1] Failed to initialise VAAPI connection: -1"};
  EXPECT_EQ(failure_line("h264_vaapi", vaapi_err), vaapi_err[0]);
  EXPECT_EQ(failure_line("h264_qsv", vaapi_err), vaapi_err[0]);  // QSV opens its device through VA-API
  EXPECT_EQ(failure_line("h264_nvenc", vaapi_err), "");          // not an NVENC sign
  EXPECT_EQ(failure_line("h264_vaapi", {"frame=  100 fps= 30"}), "");
}

TEST(EncoderTable, PresetsForLiveAndBatch) {
  const Encoder* x = find("libx264");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->preset_args(true),
            (std::vector<std::string>{"-preset", "ultrafast", "-tune", "zerolatency", "-sc_threshold", "0"}));
  EXPECT_EQ(x->preset_args(false), (std::vector<std::string>{"-preset", "veryfast", "-sc_threshold", "0"}));
}

}  // namespace
}  // namespace ffleet::encoders
