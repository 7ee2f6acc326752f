// The agent's identity on the wire: NAME/INSTANCE, a fresh instance per process.
#include "link/link.hpp"

#include <gtest/gtest.h>

#include <set>

namespace ffleet::agent::link {
namespace {

TEST(AgentLink, InstanceIdsAre16HexCharactersAndFresh) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const auto id = new_instance_id();
    ASSERT_EQ(id.size(), 16u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);  // 64 random bits: no repeats
}

TEST(AgentLink, RoutingIdIsNameSlashInstance) {
  EXPECT_EQ(routing_id("encoder-3", "0123456789abcdef"), "encoder-3/0123456789abcdef");
  LinkTiming t;
  EXPECT_GT(t.refused_retry_ms, t.register_retry_ms);  // a refused agent asks more slowly
}

}  // namespace
}  // namespace ffleet::agent::link
