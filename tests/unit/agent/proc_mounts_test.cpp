// ffmpeg's command line holds stream keys: the agent warns unless /proc hides it.
#include "host/proc_mounts.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace ffleet::agent::host {
namespace {

// Real lines: Debian 12's default, and after `mount -o remount,hidepid=invisible /proc`.
constexpr const char* kPlain =
    "21 27 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "22 27 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n";
constexpr const char* kHidden =
    "22 27 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw,hidepid=invisible\n";

TEST(ProcMounts, HidepidIsReadFromTheProcMount) {
  EXPECT_EQ(proc_hides_pids(kPlain), false);
  EXPECT_EQ(proc_hides_pids(kHidden), true);
  EXPECT_EQ(proc_hides_pids("22 27 0:21 / /proc rw - proc proc rw,hidepid=2,gid=4\n"), true);
  EXPECT_EQ(proc_hides_pids("22 27 0:21 / /proc rw - proc proc rw,hidepid=0\n"), false);
  EXPECT_EQ(proc_hides_pids("22 27 0:21 / /proc rw - proc proc rw,hidepid=off\n"), false);
  // No optional fields, and a proc elsewhere does not count.
  EXPECT_EQ(proc_hides_pids("30 27 0:40 / /mnt/proc rw - proc proc rw,hidepid=2\n"), std::nullopt);
  EXPECT_EQ(proc_hides_pids(""), std::nullopt);
  // The last mount at /proc is the one in use.
  EXPECT_EQ(proc_hides_pids(std::string(kHidden) + kPlain), false);
  EXPECT_EQ(proc_hides_pids(std::string(kPlain) + kHidden), true);
}

class ProcRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("ffleet-procmounts-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(root_ / "self");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  void write(const std::string& rel, const char* text) {
    std::filesystem::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << text;
  }
  std::filesystem::path root_;
};

TEST_F(ProcRoot, WarnsWithWhatToDoUnlessHidden) {
  write("self/mountinfo", kPlain);
  const std::string w = hidepid_warning(root_.string());
  EXPECT_NE(w.find("without hidepid"), std::string::npos) << w;
  EXPECT_NE(w.find("hidepid=invisible"), std::string::npos) << w;
  EXPECT_NE(w.find("docs/security.md"), std::string::npos) << w;
  write("self/mountinfo", kHidden);
  EXPECT_EQ(hidepid_warning(root_.string()), "");
}

TEST_F(ProcRoot, APrivateProcOfTheAgentAloneIsNotEnough) {
  // ProtectProc=invisible: the agent's own /proc hides others; the host's
  // (pid 1's mount namespace) shows the agent's ffmpeg to everyone.
  write("self/mountinfo", kHidden);
  write("1/mountinfo", kPlain);
  EXPECT_NE(hidepid_warning(root_.string()).find("ProtectProc"), std::string::npos);
  write("1/mountinfo", kHidden);
  EXPECT_EQ(hidepid_warning(root_.string()), "");
}

TEST_F(ProcRoot, UnreadableMountinfoWarns) {
  EXPECT_NE(hidepid_warning(root_.string()).find("cannot tell"), std::string::npos);
}

}  // namespace
}  // namespace ffleet::agent::host
