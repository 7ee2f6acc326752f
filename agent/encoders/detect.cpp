#include "encoders/detect.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/io.hpp>

namespace bp = boost::process;

namespace ffleet::agent::encoders {
namespace {

// Software first, then hardware by vendor; only these are of interest.
const std::vector<std::string>& interesting() {
  static const std::vector<std::string> kList = {
      "libx264",      "libx265",      "h264_nvenc", "hevc_nvenc",         "h264_qsv",
      "hevc_qsv",     "h264_vaapi",   "hevc_vaapi", "h264_videotoolbox",  "hevc_videotoolbox",
      "h264_amf",     "hevc_amf",     "h264_v4l2m2m", "hevc_v4l2m2m"};
  return kList;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string last_line(const std::string& text) {
  std::istringstream in(text);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  return last;
}

// Boost 1.74's wait_for/wait_until can sleep to the deadline even after the
// child exits, so poll instead: test encodes end in a fraction of a second.
bool wait_until(bp::child& c, std::chrono::steady_clock::time_point deadline) {
  std::error_code ec;
  while (c.running(ec)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// Runs ffmpeg with args, stdout and stderr to `out_path`; exit code or -1.
int run_to_file(const std::string& ffmpeg, const std::vector<std::string>& args, const std::string& out_path,
                std::chrono::milliseconds timeout, bool& timed_out) {
  std::error_code ec;
  bp::child c(bp::exe = ffmpeg, bp::args = args, bp::std_in < bp::null, (bp::std_out & bp::std_err) > out_path, ec);
  if (ec) return -1;
  timed_out = !wait_until(c, std::chrono::steady_clock::now() + timeout);
  if (timed_out) {
    c.terminate(ec);
    return -1;
  }
  return c.exit_code();
}

}  // namespace

std::vector<std::string> Detection::usable() const {
  std::vector<std::string> out;
  for (const auto& c : candidates)
    if (c.works) out.push_back(c.name);
  return out;
}

std::vector<std::string> parse_encoder_list(const std::string& text) {
  // Lines look like " V....D libx264              libx264 H.264 / AVC ...".
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  bool in_list = false;
  while (std::getline(in, line)) {
    if (line.find("------") != std::string::npos) {
      in_list = true;
      continue;
    }
    if (!in_list) continue;
    std::istringstream ls(line);
    std::string flags, name;
    if (!(ls >> flags >> name)) continue;
    if (flags.size() == 6 && flags[0] == 'V') out.push_back(name);
  }
  return out;
}

std::string parse_version(const std::string& first_line) {
  std::istringstream in(first_line);
  std::string a, b, v;
  in >> a >> b >> v;
  return (a == "ffmpeg" && b == "version") ? v : "";
}

std::vector<std::string> test_encode_args(const std::string& encoder) {
  std::vector<std::string> a = {"-hide_banner", "-nostdin", "-loglevel", "error"};
  const bool vaapi = encoder.find("vaapi") != std::string::npos;
  const bool qsv = encoder.find("_qsv") != std::string::npos;
  // The device set-up a real stream needs; without it the test proves nothing.
  if (vaapi) a.insert(a.end(), {"-vaapi_device", "/dev/dri/renderD128"});
  if (qsv) a.insert(a.end(), {"-init_hw_device", "qsv=hw", "-filter_hw_device", "hw"});
  a.insert(a.end(), {"-f", "lavfi", "-i", "testsrc2=size=256x144:rate=30", "-frames:v", "1"});
  if (vaapi) a.insert(a.end(), {"-vf", "format=nv12,hwupload"});
  if (qsv) a.insert(a.end(), {"-vf", "format=nv12,hwupload=extra_hw_frames=64"});
  a.insert(a.end(), {"-c:v", encoder, "-f", "null", "-"});
  return a;
}

Result<Detection> detect(const std::string& ffmpeg, const std::string& scratch_dir, std::chrono::milliseconds timeout) {
  Detection d;
  const std::string prefix = scratch_dir + "/.detect-" + std::to_string(::getpid()) + "-";
  bool timed_out = false;
  const std::string vpath = prefix + "version";
  if (run_to_file(ffmpeg, {"-hide_banner", "-version"}, vpath, timeout, timed_out) != 0) {
    ::unlink(vpath.c_str());
    return Result<Detection>::failure(ffmpeg + " -version failed: is it ffmpeg?");
  }
  std::istringstream vin(slurp(vpath));
  std::string first;
  std::getline(vin, first);
  d.ffmpeg_version = parse_version(first);
  ::unlink(vpath.c_str());

  const std::string lpath = prefix + "encoders";
  const int rc = run_to_file(ffmpeg, {"-hide_banner", "-encoders"}, lpath, timeout, timed_out);
  const auto listed = parse_encoder_list(slurp(lpath));
  ::unlink(lpath.c_str());
  if (rc != 0) return Result<Detection>::failure(ffmpeg + " -encoders failed");

  struct Test {
    Candidate c;
    std::unique_ptr<bp::child> child;
    std::string out;
  };
  std::vector<Test> tests;
  for (const auto& name : interesting()) {
    Test t;
    t.c.name = name;
    t.c.listed = std::find(listed.begin(), listed.end(), name) != listed.end();
    if (!t.c.listed) {
      t.c.why = "not listed by ffmpeg";
    } else {
      t.out = prefix + name;
      std::error_code ec;
      t.child = std::make_unique<bp::child>(bp::exe = ffmpeg, bp::args = test_encode_args(name), bp::std_in < bp::null,
                                            (bp::std_out & bp::std_err) > t.out, ec);
      if (ec) {
        t.child.reset();
        t.c.why = "test encode could not start: " + ec.message();
      }
    }
    tests.push_back(std::move(t));
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto& t : tests) {
    if (!t.child) continue;
    std::error_code ec;
    if (!wait_until(*t.child, deadline)) {
      t.child->terminate(ec);
      t.c.why = "test encode timed out";
    } else if (t.child->exit_code() == 0) {
      t.c.works = true;
      t.c.why = "test encode ok";
    } else {
      const auto l = last_line(slurp(t.out));
      t.c.why = "test encode failed: " + (l.empty() ? "exit " + std::to_string(t.child->exit_code()) : l);
    }
    ::unlink(t.out.c_str());
    d.candidates.push_back(t.c);
  }
  for (auto& t : tests)
    if (!t.child) d.candidates.push_back(t.c);
  return d;
}

}  // namespace ffleet::agent::encoders
