#include "streams/validate.hpp"

#include <algorithm>
#include <cctype>

namespace ffleet::controller::streams {
namespace {

bool token(const std::string& s, const char* extra) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [&](unsigned char c) {
           return std::isalnum(c) || std::string_view(extra).find(static_cast<char>(c)) != std::string_view::npos;
         });
}

bool printable(const std::string& s) {
  return std::none_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

}  // namespace

Status validate_name(const std::string& name) {
  if (!token(name, "._-") || !std::isalnum(static_cast<unsigned char>(name[0])))
    return Status::error("bad stream name '" + name + "': use 1-64 letters, digits, . _ - starting with a letter or digit");
  if (std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c); }))
    return Status::error("bad stream name '" + name + "': a name cannot be all digits (it would read as an id)");
  return Status::ok();
}

Status validate_spec(const proto::StreamSpec& s) {
  if (s.inputs.empty()) return Status::error("a stream needs at least one --input");
  if (s.outputs.empty()) return Status::error("a stream needs at least one --output");
  if (s.inputs.size() > 1000 || s.outputs.size() > 16) return Status::error("too many inputs or outputs");
  for (const auto& i : s.inputs)
    if (i.empty() || i.size() > 4096 || !printable(i)) return Status::error("bad --input '" + i + "'");
  for (const auto& o : s.outputs)
    if (o.empty() || o.size() > 4096 || !printable(o)) return Status::error("bad --output");
  if (!s.input_format.empty() && !token(s.input_format, "_"))
    return Status::error("bad --input-format '" + s.input_format + "'");
  if (s.mode != "auto" && s.mode != "copy" && s.mode != "transcode")
    return Status::error("bad --mode '" + s.mode + "': auto, copy or transcode");
  if (s.encoder != "auto" && !token(s.encoder, "_"))
    return Status::error("bad --encoder '" + s.encoder + "': auto or an ffmpeg encoder name");
  if (s.video_bitrate_kbps < 0 || s.video_bitrate_kbps > 1'000'000)
    return Status::error("bad --video-bitrate: 1 to 1000000 kbit/s");
  if (!s.resolution.empty()) {
    const auto x = s.resolution.find('x');
    const auto digits = [](std::string_view v) {
      return !v.empty() && v.size() <= 5 && std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); });
    };
    if (x == std::string::npos || !digits(std::string_view(s.resolution).substr(0, x)) ||
        !digits(std::string_view(s.resolution).substr(x + 1)))
      return Status::error("bad --resolution '" + s.resolution + "': WxH, e.g. 1280x720");
  }
  if (s.fps < 0 || s.fps > 240) return Status::error("bad --fps: 1 to 240");
  if (s.priority < -1000 || s.priority > 1000) return Status::error("bad --priority: -1000 to 1000");
  if (s.on_host_lost != "failover" && s.on_host_lost != "wait" && s.on_host_lost != "fence")
    return Status::error("bad --on-host-lost '" + s.on_host_lost + "': failover, wait or fence");
  return Status::ok();
}

}  // namespace ffleet::controller::streams
