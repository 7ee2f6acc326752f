// The ffmpeg argument vector for a run, as a pure function of the stream
// definition and what this host offers. Nothing here touches the system, so
// every case is tested argument by argument (tests/unit/agent/argv_test.cpp).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "ffleet/common/confine.hpp"
#include "ffleet/common/encoders.hpp"
#include "ffleet/common/status.hpp"
#include "ffleet/schema/protocol.hpp"

namespace ffleet::agent::ffmpeg {

struct HostOffer {
  std::vector<std::string> encoders;  // usable video encoders on this host
  bool prefer_hardware = true;
  // Hardware encoder sessions still free, by vendor ("nvenc" -> 2); a vendor
  // not listed is not limited.
  std::map<std::string, int> free_sessions;
  // Encoders that failed at run time recently; not chosen until they heal.
  std::set<std::string> unhealthy;
  // What ffmpeg may open here: each input's -protocol_whitelist comes from it.
  confine::Policy policy;
};

// "nvenc" for h264_nvenc and hevc_nvenc, "" for software encoders: the
// encoder table's answer (ffleet/common/encoders.hpp).
using ffleet::encoders::vendor_of;

// A small JPEG of the picture, rewritten in place every `interval_s`: a
// second output of the same ffmpeg, fed by the frames the run decodes
// anyway. Only a run that transcodes has one: in copy mode nothing is
// decoded, and a thumbnail would cost a decode (docs/agent.md, "Thumbnails").
struct Thumbnail {
  std::string path;  // where ffmpeg writes it (the agent's work dir); "": none
  std::int64_t interval_s = 5;
};
// The thumbnail's width in pixels; the height keeps the picture's aspect.
inline constexpr int kThumbnailWidth = 320;

struct Plan {
  std::vector<std::string> args;  // without argv[0]
  std::string encoder;            // "copy" or the video encoder used
  std::string thumbnail;          // the thumbnail's path if the run writes one, else ""
};

// The container ffmpeg must write for an output URL or path: "flv" for
// rtmp(s), "mpegts" for srt/udp, "hls" for .m3u8, "null" for the null sink,
// "" to let ffmpeg pick from a file's extension.
std::string output_format(const std::string& url);

// Chooses the video encoder: the one asked for if usable here, else (when
// hardware is preferred) the first usable hardware H.264 encoder in the
// table's order of preference, else libx264.
Result<std::string> choose_encoder(const proto::StreamSpec& spec, const HostOffer& host);

// `progress_target` is where ffmpeg writes -progress blocks ("pipe:1").
// `playlist_path` is the concat list for several inputs (written by the caller,
// naming files relative to itself, so the concat demuxer runs with -safe 1).
// An existing output is replaced (-y) only if spec.overwrite says so (the
// runner sets it when the stream may replace what it wrote before); else -n.
// `thumb` with a path adds the thumbnail output when the run transcodes.
Result<Plan> build(const proto::StreamSpec& spec, const HostOffer& host, const std::string& progress_target,
                   const std::string& playlist_path = {}, const Thumbnail& thumb = {});

// The concat demuxer list for several inputs: one `file '...'` line each,
// with single quotes escaped the way the concat demuxer reads them. With
// -safe 1 the names must be relative and plain (the runner passes links).
std::string concat_list(const std::vector<std::string>& inputs);

}  // namespace ffleet::agent::ffmpeg
