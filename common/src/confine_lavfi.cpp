// The lavfi rules of confine.hpp: a small parser of ffmpeg's filtergraph
// syntax (chains split by ';', filters by ',', [label]s, name@id=args, args
// split by ':') and the allow-list it checks every filter against.
//
// The parser reads a graph the way avfilter's graph parser does as long as
// there is no quoting or escaping: then every ',', ';', '[', ']', ':' and '='
// means the same to both. A graph with ' or \ is refused rather than guessed.
#include <algorithm>
#include <cctype>
#include <string_view>

#include "ffleet/common/confine.hpp"
#include "ffleet/common/text.hpp"

namespace ffleet::confine {
namespace {

// Generating sources and filters that neither read nor write files. Left out
// on purpose: movie/amovie, metadata/ametadata (file=), sendcmd/asendcmd,
// zmq/azmq, subtitles/ass, lut3d/haldclut, psnr/ssim (stats_file),
// vidstab*, frei0r, ladspa, lv2, dnn_*, signature, life/cellauto (filename),
// flite (textfile), and every device or filter not listed.
const char* const kAllowed[] = {
    "testsrc", "testsrc2", "smptebars", "smptehdbars", "pal75bars", "pal100bars", "rgbtestsrc", "yuvtestsrc",
    "colorspectrum", "color", "allrgb", "allyuv", "nullsrc", "gradients", "mandelbrot", "sierpinski",
    "haldclutsrc", "mptestsrc", "sine", "anullsrc", "anoisesrc", "aevalsrc", "null", "scale", "fps", "format",
    "setpts", "settb", "setsar", "setdar", "pad", "crop", "hflip", "vflip", "transpose", "rotate", "drawbox",
    "drawgrid", "overlay", "split", "concat", "trim", "loop", "tpad", "fade", "boxblur", "gblur", "eq", "hue",
    "negate", "noise", "edgedetect", "framerate", "yadif", "colorchannelmixer", "lutrgb", "lutyuv",
    "colorbalance", "vignette", "unsharp", "zoompan", "xfade", "select", "realtime", "setparams", "histogram",
    "vectorscope", "waveform", "chromakey", "colorkey", "deband", "drawtext", "anull", "aformat", "asetpts",
    "asettb", "asplit", "atrim", "aloop", "apad", "afade", "volume", "aresample", "amix", "amerge", "pan",
    "alimiter", "loudnorm", "highpass", "lowpass", "equalizer", "atempo", "asetnsamples", "aselect",
    "arealtime", "acrossfade", "showwaves", "showspectrum", "showvolume", "avectorscope",
};

// Allowed filters that have options naming a file: those options are
// refused, and so are positional arguments (the first shorthand option may
// be one of them).
struct FileKeys {
  const char* filter;
  const char* keys[2];
};
const FileKeys kFileKeys[] = {{"drawtext", {"fontfile", "textfile"}}};
const char* const kNone[2] = {nullptr, nullptr};

bool allowed(std::string_view name) {
  return std::any_of(std::begin(kAllowed), std::end(kAllowed), [&](const char* a) { return name == a; });
}

const FileKeys* file_keys(std::string_view name) {
  for (const auto& f : kFileKeys)
    if (name == f.filter) return &f;
  return nullptr;
}

bool is_word(std::string_view s, std::string_view extra) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](unsigned char c) {
           return std::isalnum(c) || c == '_' || extra.find(static_cast<char>(c)) != std::string_view::npos;
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string shown(std::string_view s) { return "'" + text::for_people(std::string(s)) + "'"; }

// Leading "[label]"s of `s`, removed; false on a label we do not accept.
bool take_labels(std::string_view& s) {
  s = trim(s);
  while (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string_view::npos || !is_word(s.substr(1, close - 1), ".:-")) return false;
    s = trim(s.substr(close + 1));
  }
  return true;
}

Status check_args(std::string_view name, std::string_view args) {
  const FileKeys* fk = file_keys(name);
  const std::string filter(name);
  std::size_t pos = 0;
  while (pos <= args.size()) {
    const auto colon = std::min(args.find(':', pos), args.size());
    const auto item = args.substr(pos, colon - pos);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      if (fk != nullptr)
        return refuse(Rule::kLavfi, "lavfi filter " + filter +
                                        ": give its options as key=value (a positional one may name a file)");
    } else {
      const auto key = trim(item.substr(0, eq));
      // ffmpeg 6.1 reads "/key=PATH" as the option's value from a file.
      if (!is_word(key, ""))
        return refuse(Rule::kLavfi, "lavfi filter " + filter + ": option name " + shown(key) +
                                        " is not a plain name");
      for (const char* k : fk != nullptr ? fk->keys : kNone)
        if (k != nullptr && key == k)
          return refuse(Rule::kLavfi, "lavfi filter " + filter + ": option " + k +
                                          " names a file, which a stream may not read");
    }
    pos = colon + 1;
  }
  return Status::ok();
}

Status check_filter(std::string_view f) {
  if (!take_labels(f)) return refuse(Rule::kLavfi, "lavfi: a [label] may hold only letters, digits, _ . : -");
  // name[@id][=args][labels]
  auto end = f.find_first_of("=[");
  std::string_view head = trim(f.substr(0, end));
  std::string_view rest = end == std::string_view::npos ? std::string_view{} : f.substr(end);
  std::string_view args;
  if (!rest.empty() && rest.front() == '=') {
    const auto lb = rest.find('[');
    args = rest.substr(1, lb == std::string_view::npos ? std::string_view::npos : lb - 1);
    rest = lb == std::string_view::npos ? std::string_view{} : rest.substr(lb);
  }
  if (!take_labels(rest) || !trim(rest).empty() || args.find(']') != std::string_view::npos)
    return refuse(Rule::kLavfi, "lavfi: cannot read " + shown(f) + " as name=options[label]");
  const auto at = head.find('@');
  const std::string_view name = head.substr(0, at);
  if (!is_word(name, "") || (at != std::string_view::npos && !is_word(head.substr(at + 1), ".-")))
    return refuse(Rule::kLavfi, "lavfi: " + shown(head) + " is not a filter name");
  if (!allowed(name))
    return refuse(Rule::kLavfi, "lavfi filter " + shown(name) +
                                    " is not allowed (only generating sources and filters that touch no file; "
                                    "see docs/security.md)");
  return check_args(name, args);
}

}  // namespace

Status check_lavfi(const std::string& graph) {
  if (trim(graph).empty()) return refuse(Rule::kLavfi, "lavfi: the graph is empty");
  for (unsigned char c : graph) {
    if (c == '\'' || c == '\\' || c == '"')
      return refuse(Rule::kLavfi, "lavfi: quoting or escaping (' \" \\) is refused: ffleet does not pass on what "
                                  "it cannot read exactly as ffmpeg does");
    if (c < 0x20 && c != '\t') return refuse(Rule::kLavfi, "lavfi: a control character in the graph");
  }
  const std::string_view g(graph);
  std::size_t pos = 0;
  while (pos <= g.size()) {
    const auto stop = std::min(g.find_first_of(",;", pos), g.size());
    const auto f = g.substr(pos, stop - pos);
    if (trim(f).empty()) return refuse(Rule::kLavfi, "lavfi: an empty filter (two separators in a row)");
    if (Status st = check_filter(f); !st) return st;
    pos = stop + 1;
  }
  return Status::ok();
}

}  // namespace ffleet::confine
