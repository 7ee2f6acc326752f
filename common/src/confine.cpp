#include "ffleet/common/confine.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "ffleet/common/redact.hpp"
#include "ffleet/common/text.hpp"

namespace ffleet::confine {
namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// ffmpeg's URL_SCHEME_CHARS: a prefix of these followed by ':' names a protocol.
constexpr const char* kSchemeChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.";

// An HLS manifest, by the name ffmpeg's hls muxer and most servers use.
bool is_m3u8(const Location& l) {
  std::string_view p = l.path;
  if (l.kind == Kind::kUrl) p = p.substr(0, p.find_first_of("?#"));
  const std::string tail = lower(std::string(p.substr(p.size() >= 5 ? p.size() - 5 : 0)));
  return tail == ".m3u8";
}

bool climbs(const std::string& relative) {
  std::size_t pos = 0;
  while (pos <= relative.size()) {
    const auto slash = std::min(relative.find('/', pos), relative.size());
    if (relative.compare(pos, slash - pos, "..") == 0 && slash - pos == 2) return true;
    pos = slash + 1;
  }
  return false;
}

Result<Location> classify(const std::string& s, const std::string& label) {
  if (s.empty()) return refuse(Rule::kLocation, label + " is empty");
  if (s[0] == '-')
    return refuse(Rule::kOption, label + " " + quoted(s) + " starts with '-': ffmpeg would read it as an option");
  Location l;
  if (s[0] == '/') {
    l.path = s;
    l.scheme = "file";
    return l;
  }
  if (starts_with(s, "subfile,"))  // ffmpeg reads "subfile,,start,N,end,M,:path" as a protocol
    return refuse(Rule::kProtocol, label + " " + quoted(s) + ": protocol subfile is not allowed");
  const std::size_t n = std::strspn(s.c_str(), kSchemeChars);
  if (n > 0 && n < s.size() && s[n] == ':') {
    l.scheme = lower(s.substr(0, n));
    if (l.scheme == "file") {
      l.path = s.substr(n + 1);
      if (l.path.empty() || l.path[0] == '-')
        return refuse(Rule::kLocation, label + " " + quoted(s) + ": file: needs a path");
      return l;
    }
    l.kind = Kind::kUrl;
    l.path = s;
    // librtmp (where ffmpeg is built with it) reads "key=value" options after
    // a space in an RTMP URL (swfUrl=, swfVfy=...) and fetches what they name
    // itself; no URL needs blanks or control characters unescaped.
    if (std::any_of(s.begin(), s.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; }))
      return refuse(Rule::kProtocol, label + " " + quoted(s) + ": a URL may not hold spaces or control characters "
                                         "(escape them as %20)");
    if (std::find(known_protocols().begin(), known_protocols().end(), l.scheme) == known_protocols().end() ||
        l.scheme == "hls")
      return refuse(Rule::kProtocol, label + " " + quoted(s) + ": protocol " + text::for_people(l.scheme) +
                                         " is not one ffleet allows (" + join(known_protocols()) + ")");
    return l;
  }
  l.path = s;  // relative: the agent resolves it against its work dir
  l.scheme = "file";
  return l;
}

Status check_relative(const Location& l, const std::string& label, Rule rule) {
  if (l.kind == Kind::kLocal && !l.path.empty() && l.path[0] != '/' && climbs(l.path))
    return refuse(rule, label + " " + quoted(l.path) + ": a relative path may not climb out with '..'");
  return Status::ok();
}

std::string roots_text(const std::vector<std::string>& roots, const char* flag) {
  if (roots.empty()) return std::string("none configured: start ffleet-agent with ") + flag + " DIR";
  return join(roots);
}

// One location against a host's policy (lexically).
Status allowed_here(const Location& l, const std::string& label, bool output, const Policy& p) {
  if (l.kind == Kind::kNull || l.kind == Kind::kLavfi) return Status::ok();
  if (!p.allows(l.scheme))
    return refuse(Rule::kProtocol, label + " " + quoted(l.path) + ": protocol " + l.scheme +
                                       " is not allowed on this host (allowed: " + join(p.protocols) + ")");
  if (is_m3u8(l) && !p.allows("hls"))
    return refuse(Rule::kProtocol, label + " " + quoted(l.path) + ": HLS is not allowed on this host (allowed: " +
                                       join(p.protocols) + ")");
  if (l.kind != Kind::kLocal || l.path[0] != '/') return Status::ok();
  const auto& roots = output ? p.output_roots : p.media_roots;
  if (!under_any(normalize(l.path), roots))
    return refuse(output ? Rule::kOutputRoots : Rule::kMediaRoots,
                  label + " " + quoted(l.path) + " is outside the " + (output ? "output" : "media") + " roots (" +
                      roots_text(roots, output ? "--output-root" : "--media-root") + ")");
  return Status::ok();
}

std::string label(const char* flag, std::size_t i) { return std::string(flag) + " #" + std::to_string(i + 1); }

}  // namespace

std::string_view to_string(Rule r) {
  switch (r) {
    case Rule::kOption: return "option-injection";
    case Rule::kLocation: return "location";
    case Rule::kInputFormat: return "input-format";
    case Rule::kLavfi: return "lavfi";
    case Rule::kProtocol: return "protocol";
    case Rule::kMediaRoots: return "media-roots";
    case Rule::kOutputRoots: return "output-roots";
    case Rule::kOverwrite: return "overwrite";
    case Rule::kPlaylist: return "playlist";
  }
  return "unknown";
}

Status refuse(Rule r, const std::string& what) { return Status::error("rule " + std::string(to_string(r)) + ": " + what); }

bool Policy::allows(std::string_view protocol) const {
  return std::find(protocols.begin(), protocols.end(), protocol) != protocols.end();
}

const std::vector<std::string>& known_protocols() {
  static const std::vector<std::string> k = {"file", "rtmp", "rtmps", "srt", "udp", "http", "https", "hls"};
  return k;
}

std::vector<std::string> default_protocols() { return known_protocols(); }

std::string quoted(const std::string& bytes) {
  constexpr std::size_t kMax = 120;
  std::string shown = text::for_people(redact::url(bytes));
  if (shown.size() > kMax) shown = text::truncate_utf8(std::move(shown), kMax) + "\xE2\x80\xA6";
  return "'" + shown + "'";
}

std::string normalize(std::string_view path) {
  const bool absolute = !path.empty() && path[0] == '/';
  std::vector<std::string_view> parts;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    const auto slash = std::min(path.find('/', pos), path.size());
    const auto part = path.substr(pos, slash - pos);
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") parts.pop_back();
      else if (!absolute) parts.push_back(part);  // "/.." is "/"
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    pos = slash + 1;
  }
  std::string out = absolute ? "/" : "";
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "/" : "") + std::string(parts[i]);
  return out.empty() ? "." : out;
}

bool under(const std::string& path, const std::string& root) {
  if (root.empty() || root[0] != '/') return false;
  if (root == "/") return !path.empty() && path[0] == '/';
  return path == root || (starts_with(path, root) && path[root.size()] == '/');
}

bool under_any(const std::string& path, const std::vector<std::string>& roots) {
  return std::any_of(roots.begin(), roots.end(), [&](const std::string& r) { return under(path, r); });
}

bool input_format_allowed(const std::string& fmt) {
  // Demuxers of media files and streams. Not devices (tty, x11grab, v4l2,
  // fbdev, kmsgrab, alsa, pulse, ...), not formats that open other files or
  // URLs by themselves (concat, sdp, rtsp, dash, image2pipe on fds).
  static const char* const kAllowed[] = {
      "lavfi", "flv",  "mpegts", "mp4", "mov",  "matroska", "webm", "hls",  "mp3",  "aac",   "ac3",
      "wav",   "flac", "ogg",    "avi", "mxf",  "mpeg",     "h264", "hevc", "m4v",  "image2", "mjpeg",
      "gif",   "rawvideo", "s16le", "f32le", "live_flv", "mpegvideo", "ivf", "nut", "dv", "asf", "w64"};
  return std::any_of(std::begin(kAllowed), std::end(kAllowed), [&](const char* a) { return fmt == a; });
}

Result<Location> classify_input(const std::string& s, bool lavfi) {
  if (!lavfi) return classify(s, "--input");
  if (!s.empty() && s[0] == '-')
    return refuse(Rule::kOption, "--input " + quoted(s) + " starts with '-': ffmpeg would read it as an option");
  if (Status st = check_lavfi(s); !st) return st;
  Location l;
  l.kind = Kind::kLavfi;
  l.path = s;
  return l;
}

Result<Location> classify_output(const std::string& s) {
  if (s == "null" || s == "-") {
    Location l;
    l.kind = Kind::kNull;
    l.path = s;
    return l;
  }
  return classify(s, "--output");
}

Status check_spec(const proto::StreamSpec& s) {
  // Fields that reach ffmpeg's argument vector besides the locations: none
  // may read as an option (validate_spec restricts them further).
  const std::pair<const char*, const std::string*> fields[] = {{"--input-format", &s.input_format},
                                                                {"--mode", &s.mode},
                                                                {"--encoder", &s.encoder},
                                                                {"--resolution", &s.resolution}};
  for (const auto& [flag, v] : fields)
    if (!v->empty() && (*v)[0] == '-')
      return refuse(Rule::kOption, std::string(flag) + " " + quoted(*v) + " starts with '-': ffmpeg would read it as an option");
  const bool lavfi = s.input_format == "lavfi";
  if (!s.input_format.empty() && !input_format_allowed(s.input_format))
    return refuse(Rule::kInputFormat, "--input-format " + quoted(s.input_format) +
                                          " is not allowed (no devices such as tty or x11grab, no concat or sdp)");
  if (s.inputs.size() > 1 && lavfi)
    return refuse(Rule::kPlaylist, "several --input make a playlist of local files; a lavfi graph is one input");
  for (std::size_t i = 0; i < s.inputs.size(); ++i) {
    auto l = classify_input(s.inputs[i], lavfi);
    if (!l) return Status::error(l.error() + " (" + label("--input", i) + ")");
    if (Status st = check_relative(*l, label("--input", i), Rule::kMediaRoots); !st) return st;
    if (s.inputs.size() > 1 && l->kind != Kind::kLocal)
      return refuse(Rule::kPlaylist, "several --input make a playlist of local files; " + label("--input", i) + " " +
                                         quoted(s.inputs[i]) + " is a URL");
  }
  for (std::size_t i = 0; i < s.outputs.size(); ++i) {
    auto l = classify_output(s.outputs[i]);
    if (!l) return Status::error(l.error() + " (" + label("--output", i) + ")");
    if (Status st = check_relative(*l, label("--output", i), Rule::kOutputRoots); !st) return st;
  }
  return Status::ok();
}

Status check_spec(const proto::StreamSpec& s, const Policy& p) {
  if (Status st = check_spec(s); !st) return st;
  const bool lavfi = s.input_format == "lavfi";
  for (std::size_t i = 0; i < s.inputs.size(); ++i)
    if (Status st = allowed_here(*classify_input(s.inputs[i], lavfi), label("--input", i), false, p); !st) return st;
  for (std::size_t i = 0; i < s.outputs.size(); ++i)
    if (Status st = allowed_here(*classify_output(s.outputs[i]), label("--output", i), true, p); !st) return st;
  return Status::ok();
}

std::string input_whitelist(const std::string& input, const std::string& input_format, const Policy& p) {
  const bool lavfi = input_format == "lavfi";
  auto l = classify_input(input, lavfi);
  // lavfi opens no protocol (its file-reading filters are refused); an
  // input refused above never reaches ffmpeg: either way, nothing.
  if (!l || l->kind == Kind::kLavfi) return "none";
  const bool hls = is_m3u8(*l) || input_format == "hls";
  std::vector<std::string> w;
  auto add = [&w](std::initializer_list<const char*> names) {
    for (const char* n : names)
      if (std::find(w.begin(), w.end(), n) == w.end()) w.emplace_back(n);
  };
  const auto& sc = l->scheme;
  if (sc == "file") add({"file"});
  else if (sc == "rtmp") add({"rtmp", "tcp"});
  else if (sc == "rtmps") add({"rtmps", "tls", "tcp"});
  else if (sc == "srt") add({"srt"});
  else if (sc == "udp") add({"udp"});
  else if (sc == "http") add({"http", "tcp"});
  else if (sc == "https") add({"https", "tls", "tcp"});
  if (hls) {
    // A manifest's segments and keys: its own protocol, plus http(s) where
    // the host allows them for a manifest that came over http(s).
    add({"crypto"});
    if (sc == "http" || sc == "https") {
      if (p.allows("http")) add({"http", "tcp"});
      if (p.allows("https")) add({"https", "tls", "tcp"});
    }
  }
  std::string out;
  for (const auto& n : w) out += (out.empty() ? "" : ",") + n;
  return out;
}

}  // namespace ffleet::confine
