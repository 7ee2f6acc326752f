#include "ffleet/common/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "ffleet/common/log_json.hpp"

namespace ffleet::log {
namespace {

std::unique_ptr<spdlog::formatter> text_formatter() {
  return std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%eZ %-5l %n %v", spdlog::pattern_time_type::utc);
}

spdlog::sink_ptr shared_sink() {
  static spdlog::sink_ptr sink = [] {
    auto s = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    s->set_formatter(text_formatter());
    return s;
  }();
  return sink;
}

}  // namespace

Status check_format(std::string_view format) {
  if (format == "text" || format == "json") return Status::ok();
  return Status::error("unknown log format '" + std::string(format) + "' (text, json)");
}

Status set_level(std::string_view level) {
  const auto lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off")
    return Status::error("unknown log level '" + std::string(level) + "' (trace, debug, info, warn, error, off)");
  spdlog::set_level(lvl);
  return Status::ok();
}

Status setup(std::string_view level, std::string_view format) {
  if (Status s = check_format(format); !s) return s;
  if (Status s = set_level(level); !s) return s;
  shared_sink()->set_formatter(format == "json" ? json_formatter() : text_formatter());
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
