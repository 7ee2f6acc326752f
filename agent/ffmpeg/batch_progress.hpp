// How far a batch (finite) transcode is, and when it will end: pure
// functions over the input's duration and ffmpeg's -progress figures.
//
// The duration comes from ffprobe for local files (one probe per input, the
// durations of a playlist added up), from the graph itself for lavfi sources
// (`testsrc2=duration=20`, `d=20`), and is capped by the stream's --duration.
// Unknown anywhere (a URL, a lavfi source without a duration, --loop without
// --duration, a live stream) means no progress: -1, shown as null.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ffleet/schema/protocol.hpp"

namespace ffleet::agent::ffmpeg {

// An ffmpeg time duration ("20", "20.5", "1500ms", "20s", "00:01:30.5",
// "01:30") in milliseconds, or nullopt if it is not one (or negative).
std::optional<std::int64_t> parse_ffmpeg_duration_ms(const std::string& text);

// The `duration=` (or `d=`) option of a lavfi graph's source, if it has one.
std::optional<std::int64_t> lavfi_duration_ms(const std::string& graph);

// ffprobe's answer to duration_probe_args: "20.000000" -> 20000; "N/A" or
// anything else -> nullopt.
std::optional<std::int64_t> parse_probed_duration_ms(const std::string& out);

// ffprobe's arguments to read the container duration of one local file (the
// path passes byte for byte, after -i).
std::vector<std::string> duration_probe_args(const std::string& input);

// Inputs whose duration needs ffprobe: local files of a batch stream whose
// total can be known at all (not lavfi, not looped). Empty when nothing is
// to probe.
std::vector<std::string> inputs_to_probe(const proto::StreamSpec& spec);

// The media time the run will write, in ms, from the durations of its
// inputs (in input order; nullopt where unknown), or -1 if unknown. Only a
// batch stream has one.
std::int64_t total_duration_ms(const proto::StreamSpec& spec, const std::vector<std::optional<std::int64_t>>& inputs);

struct Estimate {
  double percent = -1;  // 0-100, -1 unknown
  double eta_s = -1;    // seconds, -1 unknown
};

// From the total (-1 unknown), ffmpeg's out_time and speed (0 while ffmpeg
// says N/A) and whether ffmpeg said progress=end. out_time past the total
// (a duration rounded down, a longer last frame) reads as 100 with 0 left.
Estimate estimate(std::int64_t total_ms, std::int64_t out_time_ms, double speed, bool ended);

}  // namespace ffleet::agent::ffmpeg
