#include "ffmpeg/batch_progress.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "ffmpeg/probe.hpp"

namespace ffleet::agent::ffmpeg {
namespace {

// A plain non-negative decimal number ("20", "20.5"), nothing else.
std::optional<double> decimal(const std::string& s) {
  if (s.empty()) return std::nullopt;
  bool dot = false, digit = false;
  for (char c : s) {
    if (c == '.') {
      if (dot) return std::nullopt;
      dot = true;
    } else if (c >= '0' && c <= '9') {
      digit = true;
    } else {
      return std::nullopt;
    }
  }
  if (!digit) return std::nullopt;
  return std::strtod(s.c_str(), nullptr);
}

std::optional<std::int64_t> ms_of(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 1e9) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(seconds * 1000));
}

}  // namespace

std::optional<std::int64_t> parse_ffmpeg_duration_ms(const std::string& text) {
  std::string t = text;
  if (t.empty()) return std::nullopt;
  if (t.find(':') != std::string::npos) {
    // [HH:]MM:SS[.m...]
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= t.size(); ++i)
      if (i == t.size() || t[i] == ':') {
        parts.push_back(t.substr(start, i - start));
        start = i + 1;
      }
    if (parts.size() > 3) return std::nullopt;
    double total = 0;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      auto v = decimal(parts[i]);
      if (!v || (i + 1 < parts.size() && parts[i].find('.') != std::string::npos)) return std::nullopt;
      total = total * 60 + *v;
    }
    return ms_of(total);
  }
  double scale = 1;
  if (t.size() > 2 && t.compare(t.size() - 2, 2, "ms") == 0) {
    scale = 1e-3;
    t.resize(t.size() - 2);
  } else if (t.size() > 2 && t.compare(t.size() - 2, 2, "us") == 0) {
    scale = 1e-6;
    t.resize(t.size() - 2);
  } else if (t.size() > 1 && t.back() == 's') {
    t.pop_back();
  }
  auto v = decimal(t);
  if (!v) return std::nullopt;
  return ms_of(*v * scale);
}

std::optional<std::int64_t> lavfi_duration_ms(const std::string& graph) {
  // Options follow '=' (the first) or ':' (the others): "testsrc2=size=640x360:duration=20".
  for (const char* key : {"duration=", "d="}) {
    const std::string k = key;
    for (std::size_t at = graph.find(k); at != std::string::npos; at = graph.find(k, at + 1)) {
      if (at == 0 || (graph[at - 1] != '=' && graph[at - 1] != ':')) continue;
      const std::size_t from = at + k.size();
      const std::size_t to = graph.find_first_of(":,;[", from);
      if (auto ms = parse_ffmpeg_duration_ms(graph.substr(from, to == std::string::npos ? to : to - from))) return ms;
    }
  }
  return std::nullopt;
}

std::optional<std::int64_t> parse_probed_duration_ms(const std::string& out) {
  std::string t = out;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  auto v = decimal(t);
  if (!v) return std::nullopt;
  return ms_of(*v);
}

std::vector<std::string> duration_probe_args(const std::string& input) {
  return {"-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", "-protocol_whitelist", "file",
          "-i", input};
}

std::vector<std::string> inputs_to_probe(const proto::StreamSpec& spec) {
  if (!spec.batch || spec.loop || spec.input_format == "lavfi") return {};
  for (const auto& in : spec.inputs)
    if (!is_local_file(in)) return {};  // one unknown duration makes the total unknown
  return spec.inputs;
}

std::int64_t total_duration_ms(const proto::StreamSpec& spec, const std::vector<std::optional<std::int64_t>>& inputs) {
  if (!spec.batch) return -1;
  const std::int64_t cap = spec.duration_ms > 0 ? spec.duration_ms : -1;
  if (spec.loop) return cap;
  std::int64_t sum = 0;
  if (inputs.size() != spec.inputs.size() || inputs.empty()) return cap;
  for (const auto& d : inputs) {
    if (!d) return cap;
    sum += *d;
  }
  if (sum <= 0) return cap;
  return cap > 0 ? std::min(sum, cap) : sum;
}

Estimate estimate(std::int64_t total_ms, std::int64_t out_time_ms, double speed, bool ended) {
  Estimate e;
  if (total_ms <= 0) return e;
  if (ended) return {100.0, 0.0};
  const std::int64_t done = std::clamp<std::int64_t>(out_time_ms, 0, total_ms);
  e.percent = 100.0 * static_cast<double>(done) / static_cast<double>(total_ms);
  if (std::isfinite(speed) && speed > 0) e.eta_s = static_cast<double>(total_ms - done) / 1000.0 / speed;
  else if (done == total_ms) e.eta_s = 0;
  return e;
}

}  // namespace ffleet::agent::ffmpeg
