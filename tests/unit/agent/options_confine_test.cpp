// The agent's confinement settings: --media-root/--output-root (repeatable),
// --protocols, their environment variables and config keys.
#include <gtest/gtest.h>
#include <stdlib.h>

#include "../agent/options.hpp"

namespace ffleet::agent {
namespace {

ParseOutcome parse(std::vector<std::string> args) {
  std::vector<char*> argv;
  args.insert(args.begin(), "ffleet-agent");
  for (auto& a : args) argv.push_back(a.data());
  return parse_options(static_cast<int>(argv.size()), argv.data());
}

TEST(AgentConfinementOptions, NoRootsAndEveryProtocolByDefault) {
  auto p = parse({});
  ASSERT_FALSE(p.exit_now) << p.message;
  EXPECT_TRUE(p.options.media_roots.empty());
  EXPECT_TRUE(p.options.output_roots.empty());
  EXPECT_EQ(p.options.protocols, confine::default_protocols());
}

TEST(AgentConfinementOptions, FlagsRepeatAndReplaceTheEnvironment) {
  ::setenv("FFLEET_MEDIA_ROOTS", "/env/a:/env/b", 1);
  ::setenv("FFLEET_PROTOCOLS", "rtmp,srt", 1);
  auto env_only = parse({});
  EXPECT_EQ(env_only.options.media_roots, (std::vector<std::string>{"/env/a", "/env/b"}));
  EXPECT_EQ(env_only.options.protocols, (std::vector<std::string>{"rtmp", "srt"}));
  auto p = parse({"--media-root", "/m1", "--media-root", "/m2", "--output-root", "/o", "--protocols", "file,hls"});
  ::unsetenv("FFLEET_MEDIA_ROOTS");
  ::unsetenv("FFLEET_PROTOCOLS");
  ASSERT_FALSE(p.exit_now) << p.message;
  EXPECT_EQ(p.options.media_roots, (std::vector<std::string>{"/m1", "/m2"}));
  EXPECT_EQ(p.options.output_roots, (std::vector<std::string>{"/o"}));
  EXPECT_EQ(p.options.protocols, (std::vector<std::string>{"file", "hls"}));
}

TEST(AgentConfinementOptions, BadValuesStopTheAgentNamingThem) {
  auto rel = parse({"--media-root", "relative/dir"});
  EXPECT_TRUE(rel.exit_now);
  EXPECT_NE(rel.message.find("absolute"), std::string::npos) << rel.message;
  auto proto = parse({"--protocols", "rtmp,gopher"});
  EXPECT_TRUE(proto.exit_now);
  EXPECT_NE(proto.message.find("gopher"), std::string::npos) << proto.message;
}

TEST(AgentConfinementOptions, ConfigKeysAreArraysOfStrings) {
  Options o;
  ASSERT_TRUE(apply_config_text("media_roots = [\"/a\", \"/b\"]\nprotocols = [\"rtmp\"]\n", "agent.toml", o).is_ok());
  EXPECT_EQ(o.media_roots, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(o.protocols, (std::vector<std::string>{"rtmp"}));
  const Status s = apply_config_text("output_roots = \"/o\"\n", "agent.toml", o);
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("output_roots"), std::string::npos) << s.message();
  EXPECT_FALSE(apply_config_text("media_roots = [1]\n", "agent.toml", o).is_ok());
}

}  // namespace
}  // namespace ffleet::agent
