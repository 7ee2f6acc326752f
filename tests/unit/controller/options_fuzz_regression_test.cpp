// Found by tests/fuzz/fuzz_config_controller.cpp, and by reading the code it
// checks against docs/configuration.md.
#include <gtest/gtest.h>

// controller/options.hpp by a path that cannot pick agent/options.hpp: both
// folders are include directories of the unit tests.
#include "../controller/options.hpp"

namespace ffleet::controller {
namespace {

// apply_config_text() read integers with toml++'s node::value<int64_t>(),
// which converts a float with static_cast<int64_t> before checking its range:
// a finite float past int64 was undefined behaviour (UBSan stops on it in the
// fuzz build; Debian's build of the library, on x86, happens to drop the key).
// The fuzzer's input was `heartbeat_ms = -92233720368547758084.00`. Fixed by
// taking only TOML integers (common/settings.cpp).
TEST(ControllerOptionsFuzzRegression, AFloatPastInt64IsRefused) {
  Options o;
  EXPECT_FALSE(apply_config_text("heartbeat_ms = -92233720368547758084.00\n", "controller.toml", o).is_ok());
  EXPECT_FALSE(apply_config_text("[user_limits]\nalice = 1e19\n", "controller.toml", o).is_ok());
}

// docs/configuration.md: a key that is set but does not parse stops the
// daemon; `heartbeat_ms = "1s"` was ignored and the default used.
TEST(ControllerOptionsFuzzRegression, AKeyOfTheWrongTypeIsRefused) {
  Options o;
  const Status s = apply_config_text("heartbeat_ms = \"1s\"\n", "controller.toml", o);
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("heartbeat_ms"), std::string::npos) << s.message();
}

// FFLEET_HEARTBEAT_MS must be 50-60000, but `heartbeat_ms = 0` (with
// lost_after_ms = 1) passed from the file: agents would have been told to
// beat continuously.
TEST(ControllerOptionsFuzzRegression, ConfigValuesKeepTheEnvironmentsRanges) {
  Options o;
  EXPECT_FALSE(apply_config_text("heartbeat_ms = 0\nlost_after_ms = 1\n", "controller.toml", o).is_ok());
  EXPECT_FALSE(apply_config_text("max_concurrent_streams_global = -5\n", "controller.toml", o).is_ok());
}

}  // namespace
}  // namespace ffleet::controller
