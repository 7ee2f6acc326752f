#include "retry/retry.hpp"

#include <gtest/gtest.h>

namespace ffleet::controller::retry {
namespace {

using K = Decision::Kind;

Ending failed(std::int64_t ran_ms = 1000) { return {"exited", 1, 0, ran_ms, false}; }

TEST(Backoff, DoublesToTheCap) {
  Policy p;
  EXPECT_EQ(backoff_ms(p, 1), 2000);
  EXPECT_EQ(backoff_ms(p, 2), 4000);
  EXPECT_EQ(backoff_ms(p, 5), 32000);
  EXPECT_EQ(backoff_ms(p, 6), 60000);
  EXPECT_EQ(backoff_ms(p, 60), 60000);
}

TEST(Decide, UserStopIsFinalWhateverTheExitCode) {
  Policy p;
  for (std::int64_t code : {0, 1, 255}) {
    Ending e{"stopped", code, 0, 10, true};
    EXPECT_EQ(decide(p, 3, e).kind, K::kStopped);
  }
  Ending late{"exited", 1, 0, 10, true};  // a stop whose exit looked like a crash
  EXPECT_EQ(decide(p, 0, late).kind, K::kStopped);
}

TEST(Decide, ExitZeroCompletes) { EXPECT_EQ(decide(Policy{}, 2, {"exited", 0, 0, 10, false}).kind, K::kCompleted); }

TEST(Decide, FailuresRetryThenFail) {
  Policy p;
  p.max_retries = 2;
  auto d = decide(p, 0, failed());
  EXPECT_EQ(d.kind, K::kRetry);
  EXPECT_EQ(d.retries, 1);
  EXPECT_EQ(d.delay_ms, 2000);
  d = decide(p, 1, failed());
  EXPECT_EQ(d.kind, K::kRetry);
  EXPECT_EQ(d.delay_ms, 4000);
  d = decide(p, 2, failed());
  EXPECT_EQ(d.kind, K::kFailed);
  EXPECT_EQ(d.retries, 0);  // no state kept once failed
}

TEST(Decide, AStableRunResetsTheCount) {
  Policy p;
  p.max_retries = 2;
  auto d = decide(p, 2, failed(p.stable_ms));
  EXPECT_EQ(d.kind, K::kRetry);
  EXPECT_EQ(d.retries, 1);
}

TEST(Decide, SignalsAndStallsAreFailures) {
  EXPECT_EQ(decide(Policy{}, 0, {"exited", -1, 11, 10, false}).kind, K::kRetry);
  EXPECT_EQ(decide(Policy{}, 0, {"stalled", -1, 15, 10, false}).kind, K::kRetry);
}

TEST(Decide, HostRelatedFailuresAvoidTheHost) {
  EXPECT_TRUE(decide(Policy{}, 0, {"spawn_failed", -1, 0, 0, false}).avoid_host);
  EXPECT_TRUE(decide(Policy{}, 0, {"refused", -1, 0, 0, false}).avoid_host);
  EXPECT_FALSE(decide(Policy{}, 0, failed()).avoid_host);
}

}  // namespace
}  // namespace ffleet::controller::retry
