#include "ffleet/common/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace ffleet::log {
namespace {

spdlog::sink_ptr shared_sink() {
  static spdlog::sink_ptr sink = [] {
    auto s = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    s->set_formatter(std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%eZ %-5l %n %v", spdlog::pattern_time_type::utc));
    return s;
  }();
  return sink;
}

}  // namespace

Status setup(std::string_view level) {
  const auto lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off")
    return Status::error("unknown log level '" + std::string(level) + "' (trace, debug, info, warn, error, off)");
  spdlog::set_level(lvl);
  spdlog::flush_on(spdlog::level::trace);
  return Status::ok();
}

std::shared_ptr<spdlog::logger> get(const std::string& component) {
  if (auto l = spdlog::get(component)) return l;
  auto l = std::make_shared<spdlog::logger>(component, shared_sink());
  l->set_level(spdlog::get_level());
  spdlog::register_logger(l);
  return l;
}

}  // namespace ffleet::log
