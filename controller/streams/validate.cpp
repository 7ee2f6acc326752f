#include "streams/validate.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "ffleet/common/codec.hpp"
#include "ffleet/common/redact.hpp"
#include "ffleet/common/text.hpp"

namespace ffleet::controller::streams {
namespace {

using namespace bounds;

bool is_token(const std::string& s, std::string_view extra) {
  return !s.empty() && s.size() <= kMaxNameBytes && std::all_of(s.begin(), s.end(), [&](unsigned char c) {
           return std::isalnum(c) || extra.find(static_cast<char>(c)) != std::string_view::npos;
         });
}

std::string num(std::int64_t v) { return std::to_string(v); }

// "WxH" with both sides plain decimal digits; false otherwise.
bool parse_size(const std::string& s, std::int64_t& w, std::int64_t& h) {
  const auto x = s.find('x');
  if (x == std::string::npos) return false;
  const auto side = [](std::string_view v, std::int64_t& out) {
    if (v.empty() || v.size() > 6) return false;  // 6 digits: a size far out of range, yet no overflow
    out = 0;
    for (unsigned char c : v) {
      if (!std::isdigit(c)) return false;
      out = out * 10 + (c - '0');
    }
    return true;
  };
  const std::string_view v(s);
  return side(v.substr(0, x), w) && side(v.substr(x + 1), h);
}

// One input or output: bytes, yet never empty, a NUL (no argv or file name
// can hold one), a line break (a file name with one cannot be written into
// ffmpeg's one-entry-per-line playlist; in practice it is a pasted or
// CRLF-ended line) or longer than a path may be.
Status check_location(const char* flag, std::size_t index, const std::string& v) {
  const std::string which = std::string("bad ") + flag + " #" + std::to_string(index + 1);
  if (v.empty()) return Status::error(which + ": empty");
  if (v.size() > kMaxPathBytes)
    return Status::error(which + " " + quoted(v) + ": " + std::to_string(v.size()) + " bytes, at most " +
                         std::to_string(kMaxPathBytes));
  if (v.find('\0') != std::string::npos)
    return Status::error(which + " " + quoted(v) + ": contains a NUL byte, which no file name or URL can hold");
  if (v.find_first_of("\r\n") != std::string::npos)
    return Status::error(which + " " + quoted(v) +
                         ": contains a line break (CR or LF), usually from a pasted or CRLF-ended line");
  return Status::ok();
}

Status check_locations(const proto::StreamSpec& s) {
  if (s.inputs.empty()) return Status::error("a stream needs at least one --input");
  if (s.outputs.empty()) return Status::error("a stream needs at least one --output");
  if (s.inputs.size() > kMaxInputs)
    return Status::error("too many --input: " + std::to_string(s.inputs.size()) + ", at most " +
                         std::to_string(kMaxInputs) + " (one playlist)");
  if (s.outputs.size() > kMaxOutputs)
    return Status::error("too many --output: " + std::to_string(s.outputs.size()) + ", at most " +
                         std::to_string(kMaxOutputs));
  for (std::size_t i = 0; i < s.inputs.size(); ++i)
    if (Status st = check_location("--input", i, s.inputs[i]); !st) return st;
  for (std::size_t i = 0; i < s.outputs.size(); ++i) {
    if (Status st = check_location("--output", i, s.outputs[i]); !st) return st;
    // Two pushes to one destination fight over it (an RTMP server takes one
    // publisher per key; a file would be written twice at once).
    for (std::size_t j = 0; j < i; ++j)
      if (s.outputs[j] == s.outputs[i])
        return Status::error("bad --output #" + std::to_string(i + 1) + " " + quoted(s.outputs[i]) +
                             ": the same as --output #" + std::to_string(j + 1) + "; each destination once");
  }
  return Status::ok();
}

Status check_encoding(const proto::StreamSpec& s) {
  if (!s.input_format.empty() && !is_token(s.input_format, "_"))
    return Status::error("bad --input-format " + quoted(s.input_format) +
                         ": an ffmpeg format name (letters, digits, _), e.g. lavfi");
  if (s.mode != "auto" && s.mode != "copy" && s.mode != "transcode")
    return Status::error("bad --mode " + quoted(s.mode) + ": auto, copy or transcode");
  if (s.encoder != "auto" && !is_token(s.encoder, "_"))
    return Status::error("bad --encoder " + quoted(s.encoder) + ": auto or an ffmpeg encoder name, e.g. libx264");
  if (s.video_bitrate_kbps != 0 &&
      (s.video_bitrate_kbps < kMinBitrateKbps || s.video_bitrate_kbps > kMaxBitrateKbps))
    return Status::error("bad --video-bitrate " + num(s.video_bitrate_kbps) + ": " + num(kMinBitrateKbps) + " to " +
                         num(kMaxBitrateKbps) + " kbit/s, or 0 for the encoder's default (6 Mbit/s is 6000)");
  if (!s.resolution.empty()) {
    std::int64_t w = 0, h = 0;
    if (!parse_size(s.resolution, w, h))
      return Status::error("bad --resolution " + quoted(s.resolution) + ": WxH in pixels, e.g. 1280x720");
    if (w < kMinSide || w > kMaxSide || h < kMinSide || h > kMaxSide)
      return Status::error("bad --resolution " + quoted(s.resolution) + ": each side " + num(kMinSide) + " to " +
                           num(kMaxSide) + " pixels, e.g. 1280x720");
    if (w % 2 != 0 || h % 2 != 0)
      return Status::error("bad --resolution " + quoted(s.resolution) +
                           ": width and height must be even (yuv420p halves the chroma), e.g. 1280x720");
  }
  if (s.fps < 0 || s.fps > kMaxFps)
    return Status::error("bad --fps " + num(s.fps) + ": 1 to " + num(kMaxFps) + ", or 0 for the input's rate");
  return Status::ok();
}

}  // namespace

std::string quoted(const std::string& bytes) {
  std::string shown = text::for_people(redact::url(bytes));
  if (shown.size() > kMaxQuotedBytes) shown = text::truncate_utf8(std::move(shown), kMaxQuotedBytes) + "\xE2\x80\xA6";
  return "'" + shown + "'";
}

Status validate_name(const std::string& name) {
  const std::string allowed = "1 to " + std::to_string(kMaxNameBytes) +
                              " letters, digits, '.', '_' or '-', starting with a letter or digit";
  if (name.size() > kMaxNameBytes)
    return Status::error("bad stream name " + quoted(name) + ": " + std::to_string(name.size()) + " bytes; use " +
                         allowed);
  if (!is_token(name, "._-") || !std::isalnum(static_cast<unsigned char>(name[0])))
    return Status::error("bad stream name " + quoted(name) + ": use " + allowed);
  if (std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c); }))
    return Status::error("bad stream name " + quoted(name) + ": a name cannot be all digits (it would read as an id)");
  return Status::ok();
}

Status validate_spec(const proto::StreamSpec& s) {
  // Counts and lengths first: each later check is then cheap.
  if (Status st = check_locations(s); !st) return st;
  if (Status st = check_encoding(s); !st) return st;
  if (s.priority < -kMaxPriority || s.priority > kMaxPriority)
    return Status::error("bad --priority " + num(s.priority) + ": " + num(-kMaxPriority) + " to " + num(kMaxPriority));
  if (s.on_host_lost != "failover" && s.on_host_lost != "wait" && s.on_host_lost != "fence")
    return Status::error("bad --on-host-lost " + quoted(s.on_host_lost) + ": failover, wait or fence");
  // Last, as it encodes: every field is known to be bounded by now.
  if (const std::size_t n = wire::encode_body(s).size(); n > kMaxSpecBytes)
    return Status::error("stream definition too large: " + std::to_string(n) + " bytes encoded, at most " +
                         std::to_string(kMaxSpecBytes) + "; shorten the --input list or its paths");
  return Status::ok();
}

Status validate_confinement(const proto::StreamSpec& spec, const std::vector<AgentPolicy>& agents) {
  if (Status st = confine::check_spec(spec); !st) return st;
  std::string first;
  std::size_t judged = 0;
  for (const auto& a : agents) {
    if (a.policy.protocols.empty()) continue;
    ++judged;
    Status st = confine::check_spec(spec, a.policy);
    if (st) return st;
    if (first.empty()) first = st.message() + " on agent " + text::for_people(a.name);
  }
  if (judged <= 1) return first.empty() ? Status::ok() : Status::error(first);
  return Status::error(first + "; none of the " + std::to_string(judged) + " agents allows it");
}

}  // namespace ffleet::controller::streams
