// Found by tests/fuzz/fuzz_config_agent.cpp, and by reading the code it
// checks against docs/configuration.md.
#include <gtest/gtest.h>

// agent/options.hpp by a path that cannot pick controller/options.hpp: both
// folders are include directories of the unit tests.
#include "../agent/options.hpp"

namespace ffleet::agent {
namespace {

// apply_config_text() read integers with toml++'s node::value<int64_t>(),
// which converts a float with static_cast<int64_t> before checking its range:
// a finite float past int64 was undefined behaviour (UBSan stops on it in the
// fuzz build; Debian's build of the library, on x86, happens to drop the key).
// The fuzzer's input was `log_lines = 1e37`. Fixed by taking only TOML
// integers (common/settings.cpp).
TEST(AgentOptionsFuzzRegression, AFloatPastInt64IsRefused) {
  Options o;
  EXPECT_FALSE(apply_config_text("log_lines = 1e37\n", "agent.toml", o).is_ok());
  EXPECT_FALSE(apply_config_text("[encoder_sessions]\nnvenc = -1e300\n", "agent.toml", o).is_ok());
}

// docs/configuration.md: "A variable or key that is set but does not parse
// stops the daemon at start with one line naming it; nothing is silently
// replaced by a default." A key of the wrong type was silently ignored.
TEST(AgentOptionsFuzzRegression, AKeyOfTheWrongTypeIsRefused) {
  Options o;
  const Status s = apply_config_text("max_streams = \"8\"\n", "agent.toml", o);
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("max_streams"), std::string::npos) << s.message();
  EXPECT_FALSE(apply_config_text("prefer_hardware_encoding = \"yes\"\n", "agent.toml", o).is_ok());
}

// The environment's ranges (FFLEET_LOG_LINES 1-100000, RESOURCE_MONITOR_INTERVAL_MS
// 500-3600000, "min 500" in docs/configuration.md) do not hold for the same
// keys in the file: log_lines = -1 became SIZE_MAX in the runner (an
// unbounded stderr tail), an interval of 0 sampled /proc on every turn.
TEST(AgentOptionsFuzzRegression, ConfigValuesKeepTheEnvironmentsRanges) {
  Options o;
  EXPECT_FALSE(apply_config_text("log_lines = -1\n", "agent.toml", o).is_ok());
  EXPECT_FALSE(apply_config_text("resource_monitor_interval_ms = 0\n", "agent.toml", o).is_ok());
  EXPECT_FALSE(apply_config_text("[encoder_sessions]\nnvenc = 4294967297\n", "agent.toml", o).is_ok());
}

}  // namespace
}  // namespace ffleet::agent
