// A text setting with choices (log_format): from the file and from the
// environment, a value outside them is refused naming where it came from.
#include <gtest/gtest.h>

#include <cstdlib>

#include "ffleet/common/settings.hpp"

namespace ffleet::settings {
namespace {

Table table(std::string& format) {
  Table t;
  t.program = "ffleet-test";
  t.rows = {text("log_format", &format).env("FFLEET_TEST_LOG_FORMAT").one_of({"text", "json"})};
  return t;
}

TEST(SettingsChoice, AChoiceFromTheFileIsTaken) {
  std::string f = "text";
  ASSERT_TRUE(apply_toml("log_format = \"json\"\n", "a.toml", table(f)));
  EXPECT_EQ(f, "json");
}

TEST(SettingsChoice, AnythingElseFromTheFileNamesFileLineKeyAndChoices) {
  std::string f = "text";
  const Status s = apply_toml("\nlog_format = \"yaml\"\n", "a.toml", table(f));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message(), "config a.toml:2: key 'log_format' must be one of text, json (not 'yaml')");
  EXPECT_EQ(f, "text");
}

TEST(SettingsChoice, TheEnvironmentIsCheckedAlike) {
  std::string f = "text";
  ::setenv("FFLEET_TEST_LOG_FORMAT", "json", 1);
  EXPECT_TRUE(apply_env(table(f)));
  EXPECT_EQ(f, "json");
  ::setenv("FFLEET_TEST_LOG_FORMAT", "JSON", 1);
  const Status s = apply_env(table(f));
  ::unsetenv("FFLEET_TEST_LOG_FORMAT");
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("FFLEET_TEST_LOG_FORMAT must be one of text, json"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace ffleet::settings
