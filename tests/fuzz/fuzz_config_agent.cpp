// Fuzzes the agent's config file parsing (agent/options.hpp,
// apply_config_text: what --config does with the file's text). Input: the
// TOML text. Properties: see check_config() in config_check.hpp.
#include <cstdint>
#include <string>

#include "config_check.hpp"
#include "options.hpp"

namespace ffleet::fuzz {
namespace {

using agent::Options;
using K = Key<Options>;

std::string lists(const std::vector<std::string>& v) {
  std::string out = "[";
  for (const auto& x : v) out += show(x) + ",";
  return out + "]";
}

// The keys agent/options.cpp takes (docs/configuration.md lists them).
const ConfigSchema<Options>& schema() {
  static const ConfigSchema<Options> s{
      {
          {K::Kind::kString, "controller", {}, [](Options& o) -> std::string& { return o.controller; }},
          {K::Kind::kString, "name", {}, [](Options& o) -> std::string& { return o.name; }},
          {K::Kind::kString, "work_dir", {}, [](Options& o) -> std::string& { return o.work_dir; }},
          {K::Kind::kInt, "max_streams", [](Options& o) -> std::int64_t& { return o.max_streams; }},
          {K::Kind::kString, "ffmpeg", {}, [](Options& o) -> std::string& { return o.ffmpeg; }},
          {K::Kind::kString, "log_level", {}, [](Options& o) -> std::string& { return o.log_level; }},
          {K::Kind::kString, "key", {}, [](Options& o) -> std::string& { return o.key; }},
          {K::Kind::kString, "metrics", {}, [](Options& o) -> std::string& { return o.metrics; }},
          {K::Kind::kString, "controller_key", {}, [](Options& o) -> std::string& { return o.controller_key; }},
          {K::Kind::kString, "log_format", {}, [](Options& o) -> std::string& { return o.log_format; }, {}, {}, {"text", "json"}},
          {K::Kind::kInt, "force_kill_timeout_ms", [](Options& o) -> std::int64_t& { return o.force_kill_timeout_ms; }},
          {K::Kind::kInt, "resource_monitor_interval_ms",
           [](Options& o) -> std::int64_t& { return o.resource_monitor_interval_ms; }},
          {K::Kind::kInt, "resource_warning_cpu_percent",
           [](Options& o) -> std::int64_t& { return o.resource_warning_cpu_percent; }},
          {K::Kind::kInt, "resource_warning_memory_mb",
           [](Options& o) -> std::int64_t& { return o.resource_warning_memory_mb; }},
          {K::Kind::kBool, "prefer_hardware_encoding", {}, {},
           [](Options& o) -> bool& { return o.prefer_hardware_encoding; }},
          {K::Kind::kBool, "hardware_encoder_fallback", {}, {},
           [](Options& o) -> bool& { return o.hardware_encoder_fallback; }},
          {K::Kind::kInt, "log_lines", [](Options& o) -> std::int64_t& { return o.log_lines; }},
          {K::Kind::kInt, "stall_timeout_ms", [](Options& o) -> std::int64_t& { return o.stall_timeout_ms; }},
          {K::Kind::kList, "media_roots", {}, {}, {}, [](Options& o) -> std::vector<std::string>& { return o.media_roots; }},
          {K::Kind::kList, "output_roots", {}, {}, {},
           [](Options& o) -> std::vector<std::string>& { return o.output_roots; }},
          {K::Kind::kList, "protocols", {}, {}, {}, [](Options& o) -> std::vector<std::string>& { return o.protocols; }},
      },
      {"encoder_sessions",
       [](const Options& o) {
         std::map<std::string, std::int64_t> m;
         for (const auto& [k, v] : o.encoder_sessions) m[k] = v;
         return m;
       },
       // The agent keeps an int.
       [](std::int64_t n) { return static_cast<std::int64_t>(static_cast<int>(n)); }},
      [](std::string_view text, const std::string& origin, Options& o) {
        return agent::apply_config_text(text, origin, o);
      },
      [](const Options& o) {
        return show(o.controller) + " " + show(o.metrics) + " " + show(o.key) + " " + show(o.controller_key) + " " + show(o.name) + " " + show(o.work_dir) + " " + show(o.ffmpeg) + " " +
               show(o.log_level) + " " + show(o.log_format) + " max=" + std::to_string(o.max_streams) +
               " kill=" + std::to_string(o.force_kill_timeout_ms) +
               " mon=" + std::to_string(o.resource_monitor_interval_ms) +
               " cpu=" + std::to_string(o.resource_warning_cpu_percent) +
               " mem=" + std::to_string(o.resource_warning_memory_mb) +
               " hw=" + std::to_string(o.prefer_hardware_encoding) + std::to_string(o.hardware_encoder_fallback) +
               " lines=" + std::to_string(o.log_lines) + " stall=" + std::to_string(o.stall_timeout_ms) +
               " detect=" + std::to_string(o.detect_timeout_ms) + " media=" + lists(o.media_roots) +
               " out=" + lists(o.output_roots) + " protocols=" + lists(o.protocols);
      },
  };
  return s;
}

}  // namespace
}  // namespace ffleet::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ffleet::fuzz::check_config(ffleet::fuzz::schema(), ffleet::fuzz::as_view(data, size));
  return 0;
}
