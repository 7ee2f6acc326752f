#include "output.hpp"

#include <gtest/gtest.h>

namespace ffleet::cli {
namespace {

TEST(Output, TablePadsColumns) {
  EXPECT_EQ(table({{"A", "BB"}, {"ccc", "d"}}), "A    BB\nccc  d\n");
}

TEST(Output, StreamJsonHasTheContractFields) {
  proto::StreamView s;
  s.id = 3;
  s.name = "n";
  s.owner = "o";
  s.state = "stopped";
  const auto j = stream_json(s, false);
  for (const char* k : {"id", "name", "owner", "state", "agent", "pid", "encoder", "attempt", "cpu_percent",
                        "rss_bytes", "fps", "speed", "last_error"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_TRUE(j["agent"].is_null());
  EXPECT_TRUE(j["pid"].is_null());
  s.agent = "a1";
  s.pid = 42;
  const auto j2 = stream_json(s, true);
  EXPECT_EQ(j2["agent"], "a1");
  EXPECT_EQ(j2["pid"], 42);
  EXPECT_TRUE(j2.contains("runs"));
}

TEST(Output, AgentJsonHasTheContractFields) {
  proto::AgentView a;
  a.name = "a1";
  a.state = "ready";
  const auto j = agent_json(a);
  for (const char* k : {"name", "state", "streams", "max_streams", "encoders", "cpu_percent", "last_seen"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_TRUE(j["encoders"].is_array());
}

}  // namespace
}  // namespace ffleet::cli
