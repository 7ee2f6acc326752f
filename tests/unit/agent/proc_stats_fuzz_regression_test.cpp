// Found by tests/fuzz/fuzz_proc.cpp.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "host/proc_stats.hpp"

namespace ffleet::agent::host {
namespace {

namespace fs = std::filesystem;

// A /proc root in a temp dir holding one process's stat line.
class ProcStatsFuzzRegression : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "ffleet-proc-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    fs::create_directory(root_ / "100");
  }
  void TearDown() override { fs::remove_all(root_); }
  void stat_line(const std::string& text) { std::ofstream(root_ / "100" / "stat", std::ios::binary) << text; }
  fs::path root_;
};

// parse_stat() reads the fields at text.substr(close + 2), past the end of a
// line whose last byte is the ')' of the command name: std::out_of_range
// leaves groups() and, uncaught, ends the agent's loop. The kernel does not
// write such a line; a short read or a /proc fixture can. DISABLED_ until
// agent/host/proc_stats.cpp skips it (then drop the KNOWN BUG skip in
// tests/fuzz/fuzz_proc.cpp).
TEST_F(ProcStatsFuzzRegression, DISABLED_AStatLineThatEndsAtTheNameIsSkipped) {
  stat_line("100 (ffmpeg)");
  std::map<int, GroupSample> groups;
  EXPECT_NO_THROW(groups = ProcReader(root_.string()).groups());
  EXPECT_TRUE(groups.empty());
}

// rss pages * page size, utime + stime and the sums over a group are int64
// arithmetic without a bound: a field near INT64_MAX overflows (undefined
// behaviour; UBSan aborts). So do /proc/stat's eight cpu figures summed and
// meminfo's kB * 1024 in host(). No kernel reports such figures; a bad
// fixture does. DISABLED_ until proc_stats.cpp clamps or refuses them.
TEST_F(ProcStatsFuzzRegression, DISABLED_HugeFiguresDoNotOverflow) {
  stat_line("100 (ffmpeg) S 1 100 100 0 -1 0 0 0 0 0 9223372036854775807 1 0 0 20 0 1 0 1 1 "
            "9223372036854775807 18446744073709551615\n");
  const auto g = ProcReader(root_.string()).group(100);
  EXPECT_GE(g.cpu_ticks, 0);
  EXPECT_GE(g.rss_bytes, 0);
}

}  // namespace
}  // namespace ffleet::agent::host
