#include "ffleet/common/encoders.hpp"

#include <algorithm>

namespace ffleet::encoders {
namespace {

using Args = std::vector<std::string>;

Args join(std::initializer_list<Args> parts) {
  Args out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Built on first use (not at static initialisation: another file's static
// Options may ask for default_sessions() before this file's globals exist).
std::vector<Vendor> make_vendors() {
  // What ffmpeg 5.1 prints when a hardware encoder cannot start on this host.
  const Args nvenc_signs = {"OpenEncodeSessionEx failed", "No capable devices found", "Cannot load libcuda",
                            "No NVENC capable devices"};
  const Args vaapi_signs = {"Failed to initialise VAAPI", "No VA display found"};
  const Args mfx_signs = {"Error initializing an internal MFX session", "Error creating a MFX session"};
  // Any hardware encoder: device creation, upload and encoder-open failures.
  const Args any_hardware_signs = {"Could not find a valid device", "Error while opening encoder",
                                   "Failed to create encode session", "hwupload", "Device creation failed"};
  const std::string render_node = "/dev/dri/renderD128";
  std::vector<Vendor> v;
  v.push_back({.name = "", .pix_fmt = "yuv420p"});  // software
  // Consumer NVIDIA cards allow few concurrent NVENC sessions (3 on many drivers).
  v.push_back({.name = "nvenc",
               .default_sessions = 3,
               .failure_signs = join({nvenc_signs, any_hardware_signs}),
               .pix_fmt = "yuv420p"});
  // QSV takes nv12 frames from system memory in a stream; its test opens the
  // device explicitly (on Linux through VA-API, hence VA-API's signs too).
  v.push_back({.name = "qsv",
               .default_sessions = 8,
               .failure_signs = join({vaapi_signs, mfx_signs, any_hardware_signs}),
               .test_device_args = {"-init_hw_device", "qsv=hw", "-filter_hw_device", "hw"},
               .test_filter = "format=nv12,hwupload=extra_hw_frames=64",
               .pix_fmt = "nv12"});
  // VAAPI encodes from GPU surfaces: open the render device before the inputs,
  // scale in software, then upload (frames on the GPU cannot be scaled by -s).
  v.push_back({.name = "vaapi",
               .default_sessions = 8,
               .failure_signs = join({vaapi_signs, any_hardware_signs}),
               .test_device_args = {"-vaapi_device", render_node},
               .test_filter = "format=nv12,hwupload",
               .stream_device_args = {"-vaapi_device", render_node},
               .stream_upload_filter = "format=nv12,hwupload"});
  v.push_back({.name = "videotoolbox", .default_sessions = 4, .failure_signs = any_hardware_signs, .pix_fmt = "yuv420p"});
  v.push_back({.name = "amf", .default_sessions = 4, .failure_signs = any_hardware_signs, .pix_fmt = "yuv420p"});
  v.push_back({.name = "v4l2m2m", .default_sessions = 2, .failure_signs = any_hardware_signs, .pix_fmt = "yuv420p"});
  return v;
}

const Vendor& vendor_named(std::string_view name) {
  const auto& vs = vendors();
  return *std::find_if(vs.begin(), vs.end(), [&](const Vendor& v) { return v.name == name; });
}

Encoder row(std::string name, Codec codec, std::string_view vendor, Args live = {}, Args batch = {}) {
  return {std::move(name), codec, &vendor_named(vendor), std::move(live), std::move(batch)};
}

std::vector<Encoder> make_encoders() {
  const auto h264 = Codec::kH264, hevc = Codec::kHevc;
  return {
      // ultrafast keeps a live 720p30 at ~0.15 core; batch trades speed for size.
      row("libx264", h264, "", {"-preset", "ultrafast", "-tune", "zerolatency", "-sc_threshold", "0"},
          {"-preset", "veryfast", "-sc_threshold", "0"}),
      row("libx265", hevc, ""),
      row("h264_nvenc", h264, "nvenc", {"-preset", "p1", "-no-scenecut", "1"}, {"-preset", "p4", "-no-scenecut", "1"}),
      row("hevc_nvenc", hevc, "nvenc"),
      row("h264_qsv", h264, "qsv", {"-preset", "veryfast"}, {"-preset", "medium"}),
      row("hevc_qsv", hevc, "qsv"),
      row("h264_vaapi", h264, "vaapi"),
      row("hevc_vaapi", hevc, "vaapi"),
      row("h264_videotoolbox", h264, "videotoolbox", {"-realtime", "1"}),
      row("hevc_videotoolbox", hevc, "videotoolbox"),
      row("h264_amf", h264, "amf"),
      row("hevc_amf", hevc, "amf"),
      row("h264_v4l2m2m", h264, "v4l2m2m"),
      row("hevc_v4l2m2m", hevc, "v4l2m2m"),
  };
}

}  // namespace

const std::vector<Vendor>& vendors() {
  static const std::vector<Vendor> kVendors = make_vendors();
  return kVendors;
}

const Vendor& software() { return vendors().front(); }

const std::vector<Encoder>& all() {
  static const std::vector<Encoder> kEncoders = make_encoders();
  return kEncoders;
}

const Encoder* find(std::string_view name) {
  const auto& es = all();
  auto it = std::find_if(es.begin(), es.end(), [&](const Encoder& e) { return e.name == name; });
  return it == es.end() ? nullptr : &*it;
}

std::string vendor_of(std::string_view name) {
  const Encoder* e = find(name);
  return e ? e->vendor->name : std::string();
}

bool is_h264(std::string_view name) {
  const Encoder* e = find(name);
  return e && e->codec == Codec::kH264;
}

std::map<std::string, int> default_sessions() {
  std::map<std::string, int> out;
  for (const auto& v : vendors())
    if (!v.name.empty()) out[v.name] = v.default_sessions;
  return out;
}

std::string failure_line(std::string_view name, const std::vector<std::string>& stderr_lines) {
  const Encoder* e = find(name);
  if (!e || !e->hardware()) return "";
  for (const auto& sign : e->vendor->failure_signs)  // in order: the most specific sign first
    for (const auto& line : stderr_lines)
      if (line.find(sign) != std::string::npos) return line;
  return "";
}

}  // namespace ffleet::encoders
