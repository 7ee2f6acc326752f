// ffleet-agent: see agent.hpp. Exit codes: 0 drained, 2 usage, 3 start-up
// failure, 4 controller of another protocol version.
#include <cstdio>

#include "agent.hpp"
#include "ffleet/common/log.hpp"

int main(int argc, char** argv) {
  using namespace ffleet::agent;
  auto parsed = parse_options(argc, argv);
  if (parsed.exit_now) {
    std::fprintf(parsed.exit_code == 0 ? stdout : stderr, "%s%s\n", parsed.exit_code == 0 ? "" : "ffleet-agent: ",
                 parsed.message.c_str());
    return parsed.exit_code;
  }
  if (auto s = ffleet::log::setup(parsed.options.log_level, parsed.options.log_format); !s) {
    std::fprintf(stderr, "ffleet-agent: %s\n", s.message().c_str());
    return kExitUsage;
  }
  Agent agent(parsed.options);
  agent.set_reparse([argc, argv] { return parse_options(argc, argv); });
  if (auto s = agent.init(); !s) {
    ffleet::log::get("agent")->error("startup_failed error=\"{}\"", s.message());
    std::fprintf(stderr, "ffleet-agent: %s\n", s.message().c_str());
    return kExitStartup;
  }
  return agent.run();
}
