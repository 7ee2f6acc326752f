#include "host/proc_stats.hpp"

#include <gtest/gtest.h>

namespace ffleet::agent::host {
namespace {

const std::string kRoot = std::string(FFLEET_FIXTURES_DIR) + "/proc";

TEST(ProcStats, SumsAProcessGroupEvenWithParenthesesInTheName) {
  ProcReader r(kRoot);
  auto groups = r.groups();
  ASSERT_EQ(groups.size(), 2u);
  const auto g = r.group(100);
  EXPECT_EQ(g.processes, 2);
  EXPECT_EQ(g.cpu_ticks, 250 + 50 + 10 + 5);
  EXPECT_EQ(g.rss_bytes, (1000 + 200) * ProcReader::page_size());
  EXPECT_EQ(r.group(200).cpu_ticks, 10);
  EXPECT_EQ(r.group(999).processes, 0);
}

TEST(ProcStats, HostFigures) {
  const auto h = ProcReader(kRoot).host();
  EXPECT_EQ(h.total_ticks, 1000 + 10 + 500 + 8000 + 100 + 5 + 5);
  EXPECT_EQ(h.busy_ticks, h.total_ticks - 8000 - 100);
  EXPECT_EQ(h.mem_total_bytes, 16000000ll * 1024);
  EXPECT_EQ(h.mem_available_bytes, 4000000ll * 1024);
  EXPECT_DOUBLE_EQ(h.load1, 0.5);
}

TEST(ProcStats, CpuPercentOfOneCore) {
  const auto tps = ProcReader::ticks_per_second();
  EXPECT_DOUBLE_EQ(cpu_percent(0, tps, 1000), 100.0);      // one core for one second
  EXPECT_DOUBLE_EQ(cpu_percent(0, tps / 2, 1000), 50.0);
  EXPECT_DOUBLE_EQ(cpu_percent(10, 5, 1000), 0.0);         // a reused pid: never negative
  EXPECT_DOUBLE_EQ(cpu_percent(0, 10, 0), 0.0);
}

}  // namespace
}  // namespace ffleet::agent::host
