#include "loop_lag.hpp"

#include <gtest/gtest.h>

namespace ffleet::agent {
namespace {

TEST(AgentLoopLag, WarnsOverASecondAtMostEveryTenSeconds) {
  LoopLag lag;
  EXPECT_FALSE(lag.note(-5, 0));    // woke early for an event: no lag
  EXPECT_FALSE(lag.note(1000, 10));  // a second is still fine
  EXPECT_TRUE(lag.note(1500, 20));
  EXPECT_FALSE(lag.note(3000, 5000));  // held back
  EXPECT_EQ(lag.take_suppressed(), 1);
  EXPECT_TRUE(lag.note(1200, 10020));
  EXPECT_EQ(lag.take_suppressed(), 0);
}

TEST(AgentLoopLag, WorstSinceTheLastHeartbeat) {
  LoopLag lag;
  EXPECT_EQ(lag.take_worst(), 0);
  lag.note(3, 0);
  lag.note(40, 1);
  lag.note(7, 2);
  EXPECT_EQ(lag.take_worst(), 40);
  EXPECT_EQ(lag.take_worst(), 0);  // reset by taking it
}

}  // namespace
}  // namespace ffleet::agent
