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
// write such a line; a short read or a /proc fixture can. Now skipped.
TEST_F(ProcStatsFuzzRegression, AStatLineThatEndsAtTheNameIsSkipped) {
  stat_line("100 (ffmpeg)");
  std::map<int, GroupSample> groups;
  EXPECT_NO_THROW(groups = ProcReader(root_.string()).groups());
  EXPECT_TRUE(groups.empty());
}

// rss pages * page size, utime + stime and the sums over a group are int64
// arithmetic without a bound: a field near INT64_MAX overflows (undefined
// behaviour; UBSan aborts). So do /proc/stat's eight cpu figures summed and
// meminfo's kB * 1024 in host(). No kernel reports such figures; a bad
// fixture does. Each field is now clamped to [0, kMaxProcFigure].
TEST_F(ProcStatsFuzzRegression, HugeFiguresDoNotOverflow) {
  stat_line("100 (ffmpeg) S 1 100 100 0 -1 0 0 0 0 0 9223372036854775807 1 0 0 20 0 1 0 1 1 "
            "9223372036854775807 18446744073709551615\n");
  const auto g = ProcReader(root_.string()).group(100);
  EXPECT_EQ(g.cpu_ticks, kMaxProcFigure + 1);
  EXPECT_EQ(g.rss_bytes, kMaxProcFigure * ProcReader::page_size());
}

TEST_F(ProcStatsFuzzRegression, NegativeAndHugeHostFiguresAreClamped) {
  std::ofstream(root_ / "stat") << "cpu -5 99999999999999999999999 1 2 3 0 0 0\ncpu0 1 1 1 1 1 1 1 1\n";
  std::ofstream(root_ / "meminfo") << "HugePages_Total: 0\nMemTotal: 99999999999999999999 kB\nMemAvailable: -1 kB\n";
  const auto h = ProcReader(root_.string()).host();
  EXPECT_EQ(h.total_ticks, kMaxProcFigure + 6);
  EXPECT_EQ(h.busy_ticks, kMaxProcFigure + 1);
  EXPECT_EQ(h.mem_total_bytes, kMaxProcFigure * 1024);
  EXPECT_EQ(h.mem_available_bytes, 0);
}

}  // namespace
}  // namespace ffleet::agent::host
