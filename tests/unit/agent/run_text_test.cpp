// ffmpeg's stderr crosses the text boundary once, where it enters the agent.
#include <gtest/gtest.h>

#include "ffleet/common/text.hpp"
#include "runner/run.hpp"

namespace ffleet::agent::runner {
namespace {

TEST(RunText, Latin1AndTerminalEscapesComeOutValidAndEscaped) {
  // Metadata as ffmpeg prints it from a Latin-1 tagged file, with an ANSI colour.
  const std::string raw = "    title           : caf\xe9 \x1b[31mred\x1b[0m\tend";
  const std::string line = stderr_line_for_people(raw, {});
  EXPECT_TRUE(text::valid_utf8(line));
  EXPECT_EQ(line, "    title           : caf\\xe9 \\x1b[31mred\\x1b[0m\\tend");
  EXPECT_EQ(line.find('\x1b'), std::string::npos);
}

TEST(RunText, SecretsAreMaskedAndLinesCapped) {
  const std::string line = stderr_line_for_people("rtmp://h/live/sup3rsecret: I/O error", {"sup3rsecret"});
  EXPECT_EQ(line.find("sup3rsecret"), std::string::npos);
  EXPECT_TRUE(text::valid_utf8(stderr_line_for_people(std::string(5000, '\xe9'), {})));
  EXPECT_LE(stderr_line_for_people(std::string(5000, 'x'), {}).size(), 1000u);
}

}  // namespace
}  // namespace ffleet::agent::runner
