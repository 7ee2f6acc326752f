// What ffmpeg may touch: the one place for the rules that confine a stream
// to what its host allows, shared by the controller (at `stream add`, and when
// it places a stream) and the agent (again before it spawns, then with real
// path resolution: agent/runner/confine_host.hpp).
//
// Everything here is lexical and pure (no file system, no clock); thread-safe.
// A refusal is one line that starts with "rule NAME:" (see Rule) and quotes
// what was given masked and escaped for people.
//
// A location (an --input or --output) is one of:
//   - a local path: absolute ("/media/a.mp4"), "file:/abs", or relative
//     (relative to the agent's work dir, ffmpeg's working directory; judged
//     only by the agent, which knows that directory);
//   - a URL "scheme:..." whose scheme is a protocol of the policy;
//   - an output "null" or "-" (ffmpeg's null sink);
//   - with --input-format lavfi, an input that is a filtergraph (lavfi rules).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ffleet/common/status.hpp"
#include "ffleet/schema/protocol.hpp"

namespace ffleet::confine {

// The rules, as refusals name them.
enum class Rule {
  kOption,       // a user string that ffmpeg would read as an option
  kLocation,     // neither a path, a URL nor a lavfi graph
  kInputFormat,  // --input-format outside the allow-list
  kLavfi,        // a lavfi filter that is not allowed, or syntax we cannot judge
  kProtocol,     // a URL scheme the host does not allow
  kMediaRoots,   // a local input outside every media root
  kOutputRoots,  // a local output outside every output root
  kOverwrite,    // an output file exists and the stream does not say overwrite
  kPlaylist,     // several inputs, or a playlist/manifest naming what is not allowed
};
std::string_view to_string(Rule r);
// "rule NAME: what" as a Status error.
Status refuse(Rule r, const std::string& what);

// What one host allows (the agent's --media-root, --output-root, protocols).
// Roots are absolute paths without a trailing slash (the agent resolves them
// at start).
struct Policy {
  std::vector<std::string> media_roots;
  std::vector<std::string> output_roots;
  std::vector<std::string> protocols;
  bool allows(std::string_view protocol) const;
};

// Every protocol name ffleet knows: file (local files inside the roots), rtmp,
// rtmps, srt, udp, http, https, hls (HLS manifests in and out).
const std::vector<std::string>& known_protocols();
// The default of the agent's protocols setting: all of them.
std::vector<std::string> default_protocols();

enum class Kind { kLocal, kUrl, kNull, kLavfi };
struct Location {
  Kind kind = Kind::kLocal;
  std::string scheme;  // lower case, for kUrl ("rtmp"); "file" for kLocal
  std::string path;    // kLocal: the path without "file:"
};
// How ffmpeg would read `s` as an input (`lavfi`: --input-format lavfi) or
// output; an error (rule option or location) for what is neither.
Result<Location> classify_input(const std::string& s, bool lavfi);
Result<Location> classify_output(const std::string& s);

// Lexical normal form of a path: "//" and "." dropped, ".." removes the
// component before it ("/a/../../b" is "/b", as the kernel reads it).
std::string normalize(std::string_view path);
// True if `path` (absolute, normalized) is `root` or below it.
bool under(const std::string& path, const std::string& root);
bool under_any(const std::string& path, const std::vector<std::string>& roots);

// --input-format allow-list: demuxers of files and streams; no devices
// (tty, x11grab, v4l2, alsa, ...), no list formats (concat, sdp, dash).
bool input_format_allowed(const std::string& fmt);

// lavfi: every filter of the graph must be a generating source or a filter of
// the allow-list, with none of the options that name a file. Quoting and
// escaping are refused (we do not judge what we cannot parse as ffmpeg does).
Status check_lavfi(const std::string& graph);

// The rules that need no host: option injection, locations, input format,
// lavfi, schemes ffleet knows, several inputs only as local files.
Status check_spec(const proto::StreamSpec& spec);
// check_spec plus the host's policy, lexically: protocols, and absolute local
// paths under its roots. Relative paths are left to the agent.
Status check_spec(const proto::StreamSpec& spec, const Policy& policy);

// The -protocol_whitelist for an input: only what its own protocol needs
// (a local file: "file,crypto"; an HLS manifest over https: https, tls, tcp,
// crypto and the http(s) the policy allows), so a playlist or manifest cannot
// reach file: or concat: elsewhere.
std::string input_whitelist(const std::string& input, const std::string& input_format, const Policy& policy);

// `bytes` as a refusal quotes it: secrets masked, escaped, cut short.
std::string quoted(const std::string& bytes);

}  // namespace ffleet::confine
