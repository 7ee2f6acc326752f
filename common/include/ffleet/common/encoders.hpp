// The one table of video encoders: what ffleet knows about each encoder it
// can use, read by every part that needs it — the agent's detection (which
// encoders to test and how), its argument builder (device set-up, presets,
// pixel format), its runner (the stderr signs of a hardware encoder that
// could not start) and its session limits, and the controller's placement
// (vendor and codec of an encoder an agent reports).
//
// A new encoder is one row in encoders.cpp (a new vendor one more row in its
// vendor table); nothing else lists encoders. tests/unit/common/encoders_test.cpp
// checks the table's rules.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ffleet::encoders {

enum class Codec { kH264, kHevc };

// What a family of hardware devices brings to each of its encoders. Software
// encoders share the vendor named "".
struct Vendor {
  std::string name{};  // "nvenc", "qsv", ...; "" for software
  // Concurrent encode sessions per host, the agent's default
  // (Options::encoder_sessions); 0 for software: no limit.
  int default_sessions = 0;
  // stderr text that shows an encoder of this vendor could not start on this
  // host (no device, no driver, no free session), most specific first.
  std::vector<std::string> failure_signs{};
  // The one-frame test encode: arguments before its input, and its -vf.
  std::vector<std::string> test_device_args{};
  std::string test_filter{};
  // A real stream: arguments before its inputs, and the filter that takes
  // frames to the device (after any scale=W:H; "" means scale with -s).
  std::vector<std::string> stream_device_args{};
  std::string stream_upload_filter{};
  // -pix_fmt of frames handed over from system memory; "" when the frames are
  // already on the device (uploaded by stream_upload_filter).
  std::string pix_fmt{};
};

struct Encoder {
  std::string name{};  // ffmpeg's name: "libx264", "h264_nvenc"
  Codec codec = Codec::kH264;
  const Vendor* vendor = nullptr;  // never null once in the table
  // Preset options after -c:v NAME, for a live stream and for a batch run.
  std::vector<std::string> live_args{};
  std::vector<std::string> batch_args{};

  bool hardware() const { return !vendor->name.empty(); }
  const std::vector<std::string>& preset_args(bool live) const { return live ? live_args : batch_args; }
};

// Every encoder, in order of preference: software first (libx264 before
// libx265), then hardware, vendor by vendor, H.264 before HEVC. Detection tests
// them in this order; `--encoder auto` takes the first usable hardware H.264
// one in this order, else libx264.
const std::vector<Encoder>& all();
// Every vendor, software ("") first.
const std::vector<Vendor>& vendors();
// The software vendor (""): what an encoder without a device needs.
const Vendor& software();

// The table's row for an encoder, or nullptr for a name not in it.
const Encoder* find(std::string_view name);
// "nvenc" for h264_nvenc and hevc_nvenc; "" for software encoders and for
// names not in the table.
std::string vendor_of(std::string_view name);
// True for an H.264 encoder of the table (software or hardware).
bool is_h264(std::string_view name);
// The default concurrent-session limit of every hardware vendor.
std::map<std::string, int> default_sessions();
// The first of `stderr_lines` that shows hardware encoder `name` could not
// start (its vendor's failure signs, tried in order); "" if none does or if
// `name` is not a hardware encoder of the table.
std::string failure_line(std::string_view name, const std::vector<std::string>& stderr_lines);

}  // namespace ffleet::encoders
