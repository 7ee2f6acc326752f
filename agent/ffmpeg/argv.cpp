#include "ffmpeg/argv.hpp"

#include <algorithm>

namespace ffleet::agent::ffmpeg {
namespace {

bool starts_with(const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; }

bool ends_with(const std::string& s, std::string_view p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

bool has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// Escapes a URL for the tee muxer's slave list, where | [ ] and \ are special.
std::string tee_escape(const std::string& url) {
  std::string out;
  for (char c : url) {
    if (c == '|' || c == '[' || c == ']' || c == '\\' || c == '\'') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string output_format(const std::string& url) {
  if (url == "null" || url == "-") return "null";
  if (starts_with(url, "rtmp://") || starts_with(url, "rtmps://")) return "flv";
  if (starts_with(url, "srt://") || starts_with(url, "udp://")) return "mpegts";
  if (ends_with(url, ".m3u8")) return "hls";
  return "";
}

namespace {
bool session_free(const HostOffer& host, const std::string& encoder) {
  auto it = host.free_sessions.find(vendor_of(encoder));
  return it == host.free_sessions.end() || it->second > 0;
}
}  // namespace

Result<std::string> choose_encoder(const proto::StreamSpec& spec, const HostOffer& host) {
  if (spec.encoder != "auto" && !spec.encoder.empty()) {
    if (!has(host.encoders, spec.encoder))
      return Result<std::string>::failure("encoder " + spec.encoder + " is not usable on this host");
    if (host.unhealthy.count(spec.encoder))
      return Result<std::string>::failure("encoder " + spec.encoder + " failed here recently and is resting");
    if (!session_free(host, spec.encoder))
      return Result<std::string>::failure("no free " + vendor_of(spec.encoder) + " session on this host");
    return spec.encoder;
  }
  if (host.prefer_hardware)
    for (const auto& row : ffleet::encoders::all()) {
      const auto& e = row.name;
      if (row.hardware() && row.codec == ffleet::encoders::Codec::kH264 && has(host.encoders, e) &&
          !host.unhealthy.count(e) && session_free(host, e))
        return e;
    }
  if (has(host.encoders, "libx264")) return std::string("libx264");
  return Result<std::string>::failure("no H.264 encoder usable on this host (libx264 missing)");
}

std::string concat_list(const std::vector<std::string>& inputs) {
  std::string out = "ffconcat version 1.0\n";
  for (const auto& in : inputs) {
    out += "file '";
    for (char c : in) {
      if (c == '\'') out += "'\\''";  // close quote, escaped quote, reopen
      else out.push_back(c);
    }
    out += "'\n";
  }
  return out;
}

Result<Plan> build(const proto::StreamSpec& spec, const HostOffer& host, const std::string& progress_target,
                   const std::string& playlist_path, const Thumbnail& thumb) {
  // The rules that need no host, again: nothing a user wrote becomes an option.
  if (Status st = confine::check_spec(spec); !st) return st;
  if (spec.inputs.empty()) return Result<Plan>::failure("no input");
  if (spec.outputs.empty()) return Result<Plan>::failure("no output");
  if (spec.inputs.size() > 1 && playlist_path.empty())
    return Result<Plan>::failure("several inputs need a playlist file");
  const bool live = !spec.batch;
  const bool lavfi = spec.input_format == "lavfi";
  Plan p;
  auto& a = p.args;
  // No stdin (we are a daemon), no status line on stderr (progress goes to a
  // pipe instead), progress every 0.5 s for liveness and speed.
  // -y only where the stream may replace an existing output (its own file
  // from an earlier run, or --overwrite): else -n, so a file that appears
  // after the agent's check is not replaced either.
  a = {"-hide_banner", "-nostdin", spec.overwrite ? "-y" : "-n", "-nostats", "-loglevel", "info", "-progress",
       progress_target, "-stats_period", "0.5"};
  const bool copy = spec.mode == "copy";
  if (copy) {
    p.encoder = "copy";
  } else {
    auto enc = choose_encoder(spec, host);
    if (!enc) return enc.status();
    p.encoder = *enc;
  }
  // What the encoder table says about this encoder; an encoder it does not
  // know (none is usable here) is treated as software without presets.
  const ffleet::encoders::Encoder* row = copy ? nullptr : ffleet::encoders::find(p.encoder);
  const ffleet::encoders::Vendor& dev = row ? *row->vendor : ffleet::encoders::software();
  // A device the encoder needs (VAAPI's render node) opens before the inputs.
  a.insert(a.end(), dev.stream_device_args.begin(), dev.stream_device_args.end());
  if (live) a.push_back("-re");  // read at native rate: a live push, not a race
  if (spec.loop && !lavfi) a.insert(a.end(), {"-stream_loop", "-1"});
  // Every input opens only the protocols it needs: a playlist or manifest
  // cannot reach file: or concat: URLs elsewhere (CVE-2016-1897 class).
  if (spec.inputs.size() > 1) {
    a.insert(a.end(), {"-f", "concat", "-safe", "1", "-protocol_whitelist", "file", "-i", playlist_path});
  } else {
    a.insert(a.end(), {"-protocol_whitelist",
                       confine::input_whitelist(spec.inputs.front(), spec.input_format, host.policy)});
    if (!spec.input_format.empty()) a.insert(a.end(), {"-f", spec.input_format});
    a.insert(a.end(), {"-i", spec.inputs.front()});
  }
  // Video and, if there is any, audio of the first input.
  a.insert(a.end(), {"-map", "0:v:0", "-map", "0:a:0?"});

  // --mode auto has been made concrete by the runner (ffprobe) before this.
  if (copy) {
    a.insert(a.end(), {"-c", "copy"});
  } else {
    a.insert(a.end(), {"-c:v", p.encoder});
    if (row) {
      const auto& preset = row->preset_args(live);
      a.insert(a.end(), preset.begin(), preset.end());
    }
    if (spec.video_bitrate_kbps > 0) {
      const auto k = std::to_string(spec.video_bitrate_kbps) + "k";
      const auto buf = std::to_string(spec.video_bitrate_kbps * 2) + "k";
      a.insert(a.end(), {"-b:v", k, "-maxrate", k, "-bufsize", buf});
    }
    if (!dev.stream_upload_filter.empty()) {
      // Scale in software, then upload: frames on the GPU cannot be scaled by -s.
      std::string vf = dev.stream_upload_filter;
      if (!spec.resolution.empty()) {
        std::string wh = spec.resolution;
        wh[wh.find('x')] = ':';
        vf = "scale=" + wh + "," + vf;
      }
      a.insert(a.end(), {"-vf", vf});
    } else if (!spec.resolution.empty()) {
      a.insert(a.end(), {"-s", spec.resolution});
    }
    if (spec.fps > 0) a.insert(a.end(), {"-r", std::to_string(spec.fps)});
    // A keyframe every 2 s whatever the frame rate: what RTMP ingests expect.
    a.insert(a.end(), {"-force_key_frames", "expr:gte(t,n_forced*2)"});
    // The pixel format the encoder takes from system memory (none for frames
    // uploaded to the device above).
    if (!dev.pix_fmt.empty()) a.insert(a.end(), {"-pix_fmt", dev.pix_fmt});
    a.insert(a.end(), {"-c:a", "aac", "-b:a", "128k", "-ar", "44100"});
  }

  if (spec.outputs.size() == 1) {
    const auto& out = spec.outputs.front();
    const auto fmt = output_format(out);
    if (!fmt.empty()) a.insert(a.end(), {"-f", fmt});
    a.push_back(fmt == "null" ? "-" : out);
  } else {
    // One encode, several destinations; a failing one does not end the others.
    std::string slaves;
    for (const auto& out : spec.outputs) {
      if (!slaves.empty()) slaves += "|";
      auto fmt = output_format(out);
      std::string opts = "onfail=ignore";
      if (!fmt.empty()) opts = "f=" + fmt + ":" + opts;
      slaves += "[" + opts + "]" + tee_escape(fmt == "null" ? "-" : out);
    }
    a.insert(a.end(), {"-f", "tee", slaves});
  }

  // Live streams only: a batch transcode shows its progress instead.
  if (!copy && !spec.batch && !thumb.path.empty()) {
    // The decoded frames again, in software whatever the encoder (a hardware
    // encoder's upload is in the first output's own filter chain): one
    // frame per interval, scaled down, as a JPEG that the image2 muxer
    // rewrites in place (-update 1) through a temporary file and a rename
    // (-atomic_writing 1), so a reader never sees half a picture. The path
    // is the agent's own; nothing here comes from the user.
    const std::string every = std::to_string(std::clamp<std::int64_t>(thumb.interval_s, 1, 3600));
    a.insert(a.end(), {"-map", "0:v:0", "-vf", "fps=1/" + every + ",scale=" + std::to_string(kThumbnailWidth) + ":-2",
                       "-c:v", "mjpeg", "-q:v", "8", "-f", "image2", "-update", "1", "-atomic_writing", "1",
                       thumb.path});
    p.thumbnail = thumb.path;
  }
  return p;
}

}  // namespace ffleet::agent::ffmpeg
