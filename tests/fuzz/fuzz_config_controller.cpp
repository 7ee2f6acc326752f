// Fuzzes the controller's config file parsing (controller/options.hpp,
// apply_config_text: what --config does with the file's text). Input: the
// TOML text. Properties: see check_config() in config_check.hpp.
#include <cstdint>
#include <string>

#include "config_check.hpp"
#include "options.hpp"

namespace ffleet::fuzz {
namespace {

using controller::Options;
using K = Key<Options>;

// The keys controller/options.cpp takes (docs/configuration.md lists them).
const ConfigSchema<Options>& schema() {
  static const ConfigSchema<Options> s{
      {
          {K::Kind::kString, "listen", {}, [](Options& o) -> std::string& { return o.listen; }},
          {K::Kind::kString, "db", {}, [](Options& o) -> std::string& { return o.db; }},
          {K::Kind::kString, "log_level", {}, [](Options& o) -> std::string& { return o.log_level; }},
          {K::Kind::kString, "key", {}, [](Options& o) -> std::string& { return o.key; }},
          {K::Kind::kString, "metrics", {}, [](Options& o) -> std::string& { return o.metrics; }},
          {K::Kind::kList, "admin_keys", {}, {}, {}, [](Options& o) -> std::vector<std::string>& { return o.admin_keys; }},
          {K::Kind::kBool, "insecure", {}, {}, [](Options& o) -> bool& { return o.insecure; }},
          {K::Kind::kString, "log_format", {}, [](Options& o) -> std::string& { return o.log_format; }, {}, {}, {"text", "json"}},
          {K::Kind::kInt, "heartbeat_ms", [](Options& o) -> std::int64_t& { return o.heartbeat_ms; }},
          {K::Kind::kInt, "lost_after_ms", [](Options& o) -> std::int64_t& { return o.lost_after_ms; }},
          {K::Kind::kInt, "restart_grace_ms", [](Options& o) -> std::int64_t& { return o.restart_grace_ms; }},
          {K::Kind::kInt, "fence_margin_ms", [](Options& o) -> std::int64_t& { return o.fence_margin_ms; }},
          {K::Kind::kInt, "max_concurrent_streams_global", [](Options& o) -> std::int64_t& { return o.limits.global; }},
          {K::Kind::kInt, "max_concurrent_streams_per_user",
           [](Options& o) -> std::int64_t& { return o.limits.per_user; }},
          {K::Kind::kInt, "retry_base_ms", [](Options& o) -> std::int64_t& { return o.retry.base_ms; }},
          {K::Kind::kInt, "retry_cap_ms", [](Options& o) -> std::int64_t& { return o.retry.cap_ms; }},
          {K::Kind::kInt, "retry_max", [](Options& o) -> std::int64_t& { return o.retry.max_retries; }},
          {K::Kind::kInt, "retry_stable_ms", [](Options& o) -> std::int64_t& { return o.retry.stable_ms; }},
          {K::Kind::kInt, "run_history", [](Options& o) -> std::int64_t& { return o.run_history; }},
          {K::Kind::kInt, "schedule_history", [](Options& o) -> std::int64_t& { return o.schedule_history; }},
      },
      {"user_limits", [](const Options& o) { return o.limits.user_overrides; }, [](std::int64_t n) { return n; }},
      [](std::string_view text, const std::string& origin, Options& o) {
        return controller::apply_config_text(text, origin, o);
      },
      [](const Options& o) {
        std::string admins;
        for (const auto& a : o.admin_keys) admins += show(a) + ",";
        return show(o.listen) + " " + show(o.db) + " " + show(o.log_level) + " " + show(o.log_format) + " key=" + show(o.key) + " metrics=" + show(o.metrics) + " admins=[" +
               admins + "] insecure=" + std::to_string(o.insecure) + " hb=" + std::to_string(o.heartbeat_ms) +
               " lost=" + std::to_string(o.lost_after_ms) + " grace=" + std::to_string(o.restart_grace_ms) +
               " fence=" + std::to_string(o.fence_margin_ms) + " resend=" + std::to_string(o.resend_ms) +
               " global=" + std::to_string(o.limits.global) + " per_user=" + std::to_string(o.limits.per_user) +
               " retry=" + std::to_string(o.retry.base_ms) + "/" + std::to_string(o.retry.cap_ms) + "/" +
               std::to_string(o.retry.max_retries) + "/" + std::to_string(o.retry.stable_ms) +
               " late=" + std::to_string(o.late_start_ms) + " history=" + std::to_string(o.run_history) + "/" +
               std::to_string(o.schedule_history);
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
