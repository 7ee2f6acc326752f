// Checks a stream definition from the CLI (or any script speaking the
// protocol) before anything is stored, so careless input is refused at
// `ffleet stream add` with one line naming the field and what it allows,
// never at run time. Pure and thread-safe; the schedule fields are checked
// by schedule::validate.
//
// Inputs and outputs are bytes (file names need not be UTF-8); a refusal that
// quotes one masks its secrets (redact::url) and escapes it for people
// (text::for_people), and quotes at most kMaxQuotedBytes of it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ffleet/common/confine.hpp"
#include "ffleet/common/status.hpp"
#include "ffleet/schema/protocol.hpp"

namespace ffleet::controller::streams {

// The bounds of a definition, one place for the checks, their messages and
// the tests.
namespace bounds {
// A name is an identifier typed in commands and shown in tables.
inline constexpr std::size_t kMaxNameBytes = 64;
// A playlist may be long (a day of clips); 10,000 covers a looping channel
// without letting a runaway script store an unbounded list.
inline constexpr std::size_t kMaxInputs = 10'000;
// One encode feeds each output (ffmpeg's tee); 16 destinations is far past
// any simulcast and keeps one host's upload sane.
inline constexpr std::size_t kMaxOutputs = 16;
// PATH_MAX on Linux; no URL a streaming service hands out comes near it.
inline constexpr std::size_t kMaxPathBytes = 4096;
// The encoded definition rides whole in START_RUN and in each stream view:
// half the frame limit leaves room for the rest of those messages (name,
// run history, notes).
inline constexpr std::size_t kMaxSpecBytes = proto::kMaxMessageBytes / 2;
// Each side of --resolution: 16 is one macroblock, below it encoders refuse
// or produce mush; 8192 is 8K DCI width and the H.264/HEVC hardware limit of
// current GPUs. Both must be even: yuv420p and nv12 (what every encoder
// here is fed) halve the chroma planes, and libx264 refuses odd sizes.
inline constexpr std::int64_t kMinSide = 16;
inline constexpr std::int64_t kMaxSide = 8192;
// --fps: 0 keeps the input's rate; 240 is the fastest a real camera or
// display pipeline delivers.
inline constexpr std::int64_t kMaxFps = 240;
// --video-bitrate in kbit/s: 0 is the encoder's default. Below 100 kbit/s is
// no usable video, and almost always Mbit/s typed as kbit/s ("6" for 6000);
// 200 Mbit/s is above any H.264/HEVC contribution feed, even 8K.
inline constexpr std::int64_t kMinBitrateKbps = 100;
inline constexpr std::int64_t kMaxBitrateKbps = 200'000;
// --priority orders the pending queue.
inline constexpr std::int64_t kMaxPriority = 1000;
// A refusal quotes at most this much of what was given.
inline constexpr std::size_t kMaxQuotedBytes = 120;
}  // namespace bounds

Status validate_name(const std::string& name);
Status validate_spec(const proto::StreamSpec& spec);

// What an agent reported at register about what ffmpeg may touch there.
struct AgentPolicy {
  std::string name;
  confine::Policy policy;
};

// What ffmpeg may touch (ffleet/common/confine.hpp): the rules that need no
// agent; then, if any agent reported its policy, at least one of them must
// allow the stream, else the refusal names the rule and the first agent's
// reason. An agent that reported no protocols predates confinement and is
// not judged here (it still judges the stream itself before it spawns).
Status validate_confinement(const proto::StreamSpec& spec, const std::vector<AgentPolicy>& agents);

// `bytes` as a refusal may quote it: secrets masked, escaped for people,
// cut to bounds::kMaxQuotedBytes, in single quotes.
std::string quoted(const std::string& bytes);

}  // namespace ffleet::controller::streams
