// sd_notify's environment: whose watchdog it is, and that children do not
// inherit it. (The datagrams themselves are tested against the real daemons
// in tests/integration/test_sd_notify.py.)
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "ffleet/common/sd_notify.hpp"

namespace ffleet::sdnotify {
namespace {

struct Env {
  Env(const char* sock, const char* usec, const char* pid) {
    set("NOTIFY_SOCKET", sock);
    set("WATCHDOG_USEC", usec);
    set("WATCHDOG_PID", pid);
  }
  ~Env() {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
  }
  static void set(const char* k, const char* v) {
    if (v) ::setenv(k, v, 1);
    else ::unsetenv(k);
  }
};

TEST(SdNotify, WithoutNotifySocketEverythingIsANoOp) {
  Env e(nullptr, "2000000", nullptr);
  Notifier n(from_env(false));
  EXPECT_FALSE(n.enabled());
  EXPECT_EQ(n.next_deadline(), -1);
  n.ready("x", 0);  // must not crash or send
  bool asked = false;
  n.tick(10'000, [&] { asked = true; return std::string("s"); });
  EXPECT_FALSE(asked);  // the status is not even computed
}

TEST(SdNotify, KeepAlivesAtHalfTheWatchdogForThisProcessOnly) {
  {
    Env e("@ffleet-test", "3000000", nullptr);
    Notifier n(from_env(false));
    EXPECT_TRUE(n.enabled());
    EXPECT_EQ(n.keepalive_ms(), 1500);
  }
  {
    const std::string me = std::to_string(::getpid());
    Env e("/run/x.sock", "3000000", me.c_str());
    EXPECT_EQ(Notifier(from_env(false)).keepalive_ms(), 1500);
  }
  {
    // A watchdog set for another process (our parent's) is not ours.
    const std::string other = std::to_string(::getpid() + 1);
    Env e("/run/x.sock", "3000000", other.c_str());
    Notifier n(from_env(false));
    EXPECT_TRUE(n.enabled());
    EXPECT_EQ(n.keepalive_ms(), 0);
  }
  {
    Env e("/run/x.sock", "soon", nullptr);
    EXPECT_EQ(Notifier(from_env(false)).keepalive_ms(), 0);
  }
  {
    Env e("relative/path", "3000000", nullptr);  // neither a path nor an abstract name
    EXPECT_FALSE(Notifier(from_env(false)).enabled());
  }
}

TEST(SdNotify, TheEnvironmentIsUnsetSoChildrenDoNotInheritIt) {
  Env e("/run/x.sock", "3000000", "1");
  Config c = from_env(true);
  EXPECT_EQ(c.socket, "/run/x.sock");
  EXPECT_EQ(std::getenv("NOTIFY_SOCKET"), nullptr);
  EXPECT_EQ(std::getenv("WATCHDOG_USEC"), nullptr);
  EXPECT_EQ(std::getenv("WATCHDOG_PID"), nullptr);
}

TEST(SdNotify, SendRefusesWhatCannotBeAnAddress) {
  EXPECT_FALSE(send(std::string(200, '/'), "READY=1"));  // longer than sun_path
  EXPECT_FALSE(send("", "READY=1"));
}

}  // namespace
}  // namespace ffleet::sdnotify
