#include "runner/confine_host.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ffleet/common/text.hpp"

namespace ffleet::agent::runner {
namespace {

using confine::refuse;
using confine::Rule;

// A playlist or manifest larger than this is not read (and refused): real
// ones are a few KB; a live HLS window is a few hundred lines.
constexpr std::size_t kMaxListBytes = 1 << 20;
// A master playlist names variant playlists, which name segments: depth 3
// covers that with room; deeper nesting is refused.
constexpr int kMaxDepth = 3;

std::string dir_of(const std::string& p) {
  const auto slash = p.rfind('/');
  return slash == 0 ? "/" : p.substr(0, slash);
}

std::string read_head(const std::string& path, std::size_t max) {
  // O_NONBLOCK: a FIFO in a media root must not hang the agent's loop.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return {};
  std::string out(max, '\0');
  std::size_t got = 0;
  while (got < max) {
    const ssize_t n = ::read(fd, out.data() + got, max - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

bool regular_file(const std::string& p) {
  struct stat st{};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool has_scheme(const std::string& ref) {
  const auto n = ref.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
  return n != std::string::npos && n > 0 && ref[n] == ':';
}

Status check_media_file(const std::string& resolved, const std::string& label, const confine::Policy& p, int depth);

// One name inside a local playlist or manifest: a local file under a media root.
Status check_ref(std::string ref, const std::string& list, const confine::Policy& p, int depth) {
  // Marked by the readers below: an ffconcat `option` line, or a value with a
  // backslash (ffmpeg unescapes it; we would check another name).
  if (!ref.empty() && ref[0] == '\\')
    return refuse(Rule::kPlaylist, "playlist " + confine::quoted(list) + " has an entry " + confine::quoted(ref.substr(1)) +
                                       " that is not a plain name (an option line, or a backslash)");
  if (ref.rfind("file:", 0) == 0) ref = ref.substr(5);
  else if (has_scheme(ref))
    return refuse(Rule::kPlaylist, "playlist " + confine::quoted(list) + " names " + confine::quoted(ref) +
                                       ": a local playlist or manifest may name only local files");
  if (ref.empty()) return Status::ok();
  auto r = resolve(ref[0] == '/' ? ref : dir_of(list) + "/" + ref);
  if (!r) return refuse(Rule::kPlaylist, "playlist " + confine::quoted(list) + " names " + confine::quoted(ref) + ": " + r.error());
  if (!confine::under_any(*r, p.media_roots))
    return refuse(Rule::kPlaylist, "playlist " + confine::quoted(list) + " names " + confine::quoted(ref) +
                                       ", which is outside the media roots");
  return check_media_file(*r, "playlist entry", p, depth + 1);
}

// The names an HLS manifest refers to: every line that is not a tag, and
// every URI="..." attribute of a tag (keys, init sections, renditions).
std::vector<std::string> manifest_refs(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) continue;
    if (line[0] != '#') {
      out.push_back(line);
      continue;
    }
    // URI=... quoted or not, as ffmpeg's attribute parser takes it. A value
    // with a backslash is not read the same way by both: it is named as it
    // is, which check_ref() refuses unless it is a plain name in the roots.
    for (auto pos = line.find("URI="); pos != std::string::npos; pos = line.find("URI=", pos + 4)) {
      std::size_t begin = pos + 4, end;
      if (begin < line.size() && line[begin] == '"') {
        end = line.find('"', ++begin);
        if (end == std::string::npos) end = line.size();
      } else {
        end = line.find(',', begin);
        if (end == std::string::npos) end = line.size();
      }
      std::string ref = line.substr(begin, end - begin);
      if (ref.find('\\') != std::string::npos) ref = "\\" + ref;  // never a plain name
      out.push_back(ref);
    }
  }
  return out;
}

// The `file` entries of an ffconcat list, unquoted as ffmpeg reads them
// (quotes and backslash escapes).
std::vector<std::string> concat_refs(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::size_t i = line.find_first_not_of(" \t");
    // An `option` line sets demuxer options of the files (enable_drefs,
    // use_absolute_path, a whitelist...): never allowed in a checked list.
    if (i != std::string::npos && line.compare(i, 6, "option") == 0) {
      out.push_back("\\option");  // refused by check_ref() as not a plain name
      continue;
    }
    if (i == std::string::npos || line.compare(i, 4, "file") != 0) continue;
    i += 4;
    if (i < line.size() && line[i] != ' ' && line[i] != '\t') continue;
    std::string ref;
    char quote = 0;
    for (i = line.find_first_not_of(" \t", i); i != std::string::npos && i < line.size(); ++i) {
      const char c = line[i];
      if (quote) {
        if (c == quote) quote = 0;
        else ref.push_back(c);
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '\\' && i + 1 < line.size()) {
        ref.push_back(line[++i]);
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '#') {
        break;
      } else {
        ref.push_back(c);
      }
    }
    out.push_back(ref);
  }
  return out;
}

// A local input that ffmpeg would probe as an HLS manifest or an ffconcat
// list (by content, whatever its name): everything it names is checked too.
Status check_media_file(const std::string& resolved, const std::string& label, const confine::Policy& p, int depth) {
  if (!regular_file(resolved)) return Status::ok();
  const std::string head = read_head(resolved, 32);
  const bool m3u = head.rfind("#EXTM3U", 0) == 0;
  const bool ffconcat = head.rfind("ffconcat version", 0) == 0;
  // DASH (and IMF) manifests are probed by content and open what they name
  // anywhere: not taken as local inputs.
  const std::string start = read_head(resolved, 4096);
  if (start.find("<MPD") != std::string::npos || start.find("<CompositionPlaylist") != std::string::npos)
    return refuse(Rule::kPlaylist, label + " " + confine::quoted(resolved) + ": DASH and IMF manifests are not allowed as local inputs");
  if (!m3u && !ffconcat) return Status::ok();
  if (depth >= kMaxDepth) return refuse(Rule::kPlaylist, label + " " + confine::quoted(resolved) + ": playlists nested too deep");
  const std::string text = read_head(resolved, kMaxListBytes + 1);
  if (text.size() > kMaxListBytes)
    return refuse(Rule::kPlaylist, label + " " + confine::quoted(resolved) + ": a playlist over 1 MiB is not read");
  for (const auto& ref : m3u ? manifest_refs(text) : concat_refs(text))
    if (Status st = check_ref(ref, resolved, p, depth); !st) return st;
  return Status::ok();
}

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

const std::string* root_of(const std::string& path, const std::vector<std::string>& roots) {
  const std::string* best = nullptr;
  for (const auto& r : roots)
    if (confine::under(path, r) && (best == nullptr || r.size() > best->size())) best = &r;
  return best;
}

std::string owner_record(const std::string& root, const std::string& path) {
  char name[32];
  std::snprintf(name, sizeof name, "%016llx", static_cast<unsigned long long>(fnv1a(path)));
  return (root == "/" ? "" : root) + "/" + kOwnersDir + "/" + name;
}

std::string owner_text(const std::string& store_id, std::int64_t stream_id, const std::string& path) {
  return store_id + "\n" + std::to_string(stream_id) + "\n" + path + "\n";
}

Result<std::string> check_output(const std::string& out, std::size_t i, const confine::Policy& p,
                                 const std::string& work_dir) {
  const std::string label = "--output #" + std::to_string(i + 1);
  auto r = resolve(out[0] == '/' ? out : work_dir + "/" + out);
  if (!r) return refuse(Rule::kOutputRoots, label + " " + confine::quoted(out) + ": " + r.error());
  if (!confine::under_any(*r, p.output_roots))
    return refuse(Rule::kOutputRoots, label + " " + confine::quoted(out) + " resolves to " + confine::quoted(*r) +
                                          ", outside the output roots");
  if (confine::under(*r, work_dir))
    return refuse(Rule::kOutputRoots, label + " " + confine::quoted(out) + " is in the agent's work dir");
  const std::string* root = root_of(*r, p.output_roots);
  if (root && confine::under(*r, (*root == "/" ? "" : *root) + "/" + kOwnersDir))
    return refuse(Rule::kOutputRoots, label + " " + confine::quoted(out) + " is in the agent's owner records");
  struct stat st{};
  if (::lstat(r->c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    return refuse(Rule::kOutputRoots, label + " " + confine::quoted(out) + " exists and is not a regular file");
  return r;
}

}  // namespace

Result<std::string> resolve(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) != nullptr) return std::string(buf);
  if (errno != ENOENT) return Status::error(std::string("cannot resolve: ") + std::strerror(errno));
  std::string head = path, tail;
  for (;;) {
    struct stat st{};
    if (::lstat(head.c_str(), &st) == 0)
      return Status::error("a symbolic link to nowhere (or a directory that cannot be read) on the way");
    const auto slash = head.rfind('/');
    if (slash == std::string::npos) return Status::error("cannot resolve");
    const std::string last = head.substr(slash + 1);
    if (last == "..") return Status::error("'..' below a directory that does not exist");
    if (!last.empty() && last != ".") tail = tail.empty() ? last : last + "/" + tail;
    head = slash == 0 ? "/" : head.substr(0, slash);
    if (::realpath(head.c_str(), buf) != nullptr) {
      const std::string r(buf);
      return (r == "/" ? "" : r) + "/" + tail;
    }
    if (errno != ENOENT) return Status::error(std::string("cannot resolve: ") + std::strerror(errno));
    if (head == "/") return Status::error("cannot resolve");
  }
}

Result<HostCheck> check_on_host(const proto::StreamSpec& spec, const confine::Policy& p, const std::string& work_dir,
                                const std::string& store_id, std::int64_t stream_id) {
  if (Status st = confine::check_spec(spec, p); !st) return st;
  HostCheck hc;
  const bool lavfi = spec.input_format == "lavfi";
  for (std::size_t i = 0; i < spec.inputs.size(); ++i) {
    const auto l = confine::classify_input(spec.inputs[i], lavfi);
    if (l->kind != confine::Kind::kLocal) {
      hc.inputs.emplace_back();
      continue;
    }
    const std::string label = "--input #" + std::to_string(i + 1);
    auto r = resolve(l->path[0] == '/' ? l->path : work_dir + "/" + l->path);
    if (!r) return refuse(Rule::kMediaRoots, label + " " + confine::quoted(spec.inputs[i]) + ": " + r.error());
    if (!confine::under_any(*r, p.media_roots))
      return refuse(Rule::kMediaRoots, label + " " + confine::quoted(spec.inputs[i]) + " resolves to " + confine::quoted(*r) +
                                           ", outside the media roots");
    if (Status st = check_media_file(*r, label, p, 0); !st) return st;
    hc.inputs.push_back(*r);
  }
  bool existing = false;  // and every one written by this stream (else refused above)
  for (std::size_t i = 0; i < spec.outputs.size(); ++i) {
    const auto l = confine::classify_output(spec.outputs[i]);
    if (l->kind != confine::Kind::kLocal) continue;
    auto r = check_output(l->path, i, p, work_dir);
    if (!r) return r.status();
    struct stat st{};
    const bool exists = ::lstat(r->c_str(), &st) == 0;
    existing = existing || exists;
    if (exists && !spec.overwrite) {
      const std::string* root = root_of(*r, p.output_roots);
      const bool ours = root && read_head(owner_record(*root, *r), 8192) == owner_text(store_id, stream_id, *r);
      if (!ours)
        return refuse(Rule::kOverwrite, "--output #" + std::to_string(i + 1) + " " + confine::quoted(spec.outputs[i]) +
                                            " exists and this stream did not write it; add --overwrite to replace it");
    }
    hc.outputs.push_back(*r);
  }
  hc.replace = spec.overwrite || existing;
  return hc;
}

void record_outputs(const HostCheck& hc, const confine::Policy& p, const std::string& store_id, std::int64_t stream_id) {
  for (const auto& out : hc.outputs) {
    const std::string* root = root_of(out, p.output_roots);
    if (root == nullptr) continue;
    const std::string rec = owner_record(*root, out);
    ::mkdir(dir_of(rec).c_str(), 0700);
    const std::string text = owner_text(store_id, stream_id, out);
    const int fd = ::open(rec.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) continue;  // best effort: a later run then needs --overwrite
    const ssize_t n = ::write(fd, text.data(), text.size());
    (void)n;
    ::close(fd);
  }
}

Result<std::vector<std::string>> make_links(const std::string& dir, const std::vector<std::string>& targets) {
  remove_links(dir);  // a leftover of a crashed agent with this very name
  if (::mkdir(dir.c_str(), 0700) != 0) return Status::error("cannot create " + dir + ": " + std::strerror(errno));
  const std::string base = dir.substr(dir.rfind('/') + 1);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    // The extension helps ffmpeg's probe; only a plain one is kept.
    const auto& t = targets[i];
    std::string ext;
    if (const auto dot = t.rfind('.'); dot != std::string::npos && dot > t.rfind('/')) {
      ext = t.substr(dot);
      const bool plain = ext.size() >= 2 && ext.size() <= 9 &&
                         std::all_of(ext.begin() + 1, ext.end(), [](unsigned char c) { return std::isalnum(c); });
      if (!plain) ext.clear();
    }
    char num[32];
    std::snprintf(num, sizeof num, "%05zu", i);
    const std::string name = std::string(num) + ext;
    if (::symlink(t.c_str(), (dir + "/" + name).c_str()) != 0)
      return Status::error("cannot link " + name + " in " + dir + ": " + std::strerror(errno));
    names.push_back(base + "/" + name);
  }
  return names;
}

void remove_links(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  while (dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n != "." && n != "..") ::unlink((dir + "/" + n).c_str());
  }
  ::closedir(d);
  ::rmdir(dir.c_str());
}

}  // namespace ffleet::agent::runner
