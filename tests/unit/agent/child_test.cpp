// WatchedChild: a helper process the loop never waits for. These tests start
// /bin/sh and spin (no sleeps) on the non-blocking calls, each bounded.
#include "runner/child.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "ffleet/common/clock.hpp"

namespace ffleet::agent::runner {
namespace {

template <class F> bool spin_until(F done, std::int64_t ms = 5000) {
  const auto end = clock::steady_ms() + ms;
  while (!done()) {
    if (clock::steady_ms() > end) return false;
    sched_yield();
  }
  return true;
}

// Alive and not a zombie (a killed orphan waits for PID 1 to reap it).
bool alive(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const auto close = s.rfind(')');
  return close != std::string::npos && close + 2 < s.size() && s[close + 2] != 'Z';
}

class RunnerChild : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ffleet-child-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { ::rmdir(dir_.c_str()); }
  std::string dir_;
};

TEST_F(RunnerChild, CollectsOutputAndExitCode) {
  const std::string out = dir_ + "/out";
  auto c = WatchedChild::start("/bin/sh", {"-c", "echo to-stdout; echo to-stderr >&2; exit 3"}, out,
                               clock::steady_ms() + 10000);
  ASSERT_TRUE(c.is_ok()) << c.error();
  auto& child = *c.value();
  ASSERT_TRUE(spin_until([&] { return child.poll(clock::steady_ms()) && child.reaped(); }));
  EXPECT_FALSE(child.timed_out());
  EXPECT_EQ(child.exit_code(), 3);
  EXPECT_EQ(child.output(), "to-stdout\nto-stderr\n");
  EXPECT_EQ(child.output(3), "to-");
  c.value().reset();
  EXPECT_NE(::access(out.c_str(), F_OK), 0);  // the scratch file goes with it
}

// A wrapper killed alone leaves its child running under PID 1: the deadline
// takes the whole process group.
TEST_F(RunnerChild, KillsTheWholeGroupAtTheDeadline) {
  const std::int64_t deadline = clock::steady_ms() + 60000;
  auto c = WatchedChild::start("/bin/sh", {"-c", "trap '' TERM; sleep 60 & echo $!; wait"}, dir_ + "/out", deadline);
  ASSERT_TRUE(c.is_ok()) << c.error();
  auto& child = *c.value();
  pid_t grandchild = 0;
  ASSERT_TRUE(spin_until([&] { return (grandchild = std::atoi(child.output().c_str())) > 0; }));
  EXPECT_FALSE(child.poll(deadline - 1));
  EXPECT_TRUE(child.poll(deadline));
  EXPECT_TRUE(child.timed_out());
  EXPECT_EQ(child.exit_code(), -1);
  ASSERT_TRUE(spin_until([&] { return child.poll(deadline) && child.reaped(); }));
  EXPECT_FALSE(alive(child.pid()));
  EXPECT_TRUE(spin_until([&] { return !alive(grandchild); }));
}

TEST_F(RunnerChild, DestroyedMidRunItIsKilledAndReaped) {
  auto c = WatchedChild::start("/bin/sleep", {"60"}, dir_ + "/out", clock::steady_ms() + 60000);
  ASSERT_TRUE(c.is_ok()) << c.error();
  const pid_t pid = c.value()->pid();
  c.value().reset();
  EXPECT_TRUE(spin_until([] { return reap_abandoned() == 0; }));
  EXPECT_FALSE(alive(pid));
}

TEST_F(RunnerChild, AnExecFailureIsAnError) {
  auto c = WatchedChild::start(dir_ + "/no-such-program", {}, dir_ + "/out", clock::steady_ms() + 1000);
  ASSERT_FALSE(c.is_ok());
  EXPECT_NE(c.error().find("cannot start"), std::string::npos) << c.error();
  EXPECT_TRUE(spin_until([] { return reap_abandoned() == 0; }));
  EXPECT_NE(::access((dir_ + "/out").c_str(), F_OK), 0);
}

}  // namespace
}  // namespace ffleet::agent::runner
