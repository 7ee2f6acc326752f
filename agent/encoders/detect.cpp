#include "encoders/detect.hpp"

#include <algorithm>
#include <sstream>

#include "ffleet/common/encoders.hpp"

namespace ffleet::agent::encoders {

const std::vector<std::string>& interesting_encoders() {
  static const std::vector<std::string> kList = [] {
    std::vector<std::string> names;
    for (const auto& e : ffleet::encoders::all()) names.push_back(e.name);
    return names;
  }();
  return kList;
}

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
  const auto* row = ffleet::encoders::find(encoder);
  const auto& dev = row ? *row->vendor : ffleet::encoders::software();
  // The device set-up a real stream needs; without it the test proves nothing.
  a.insert(a.end(), dev.test_device_args.begin(), dev.test_device_args.end());
  a.insert(a.end(), {"-f", "lavfi", "-i", "testsrc2=size=256x144:rate=30", "-frames:v", "1"});
  if (!dev.test_filter.empty()) a.insert(a.end(), {"-vf", dev.test_filter});
  a.insert(a.end(), {"-c:v", encoder, "-f", "null", "-"});
  return a;
}

Detection keep_previous_when_timed_out(Detection fresh, const Detection& previous) {
  for (auto& c : fresh.candidates) {
    if (!c.timed_out) continue;
    auto was = std::find_if(previous.candidates.begin(), previous.candidates.end(),
                            [&](const Candidate& p) { return p.name == c.name; });
    c.works = was != previous.candidates.end() && was->works;
    c.why += c.works ? "; kept usable from the previous detection" : "; not usable before either";
  }
  return fresh;
}

}  // namespace ffleet::agent::encoders
