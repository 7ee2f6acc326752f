#include "runner/log_tail.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace ffleet::agent::runner {
namespace {

std::vector<std::string> numbered(int from, int to) {
  std::vector<std::string> v;
  for (int i = from; i <= to; ++i) v.push_back("l" + std::to_string(i));
  return v;
}

TEST(LogTail, LinesAfterACursorEachOnce) {
  LogTail t(5);
  std::int64_t first = 0;
  EXPECT_TRUE(t.after(0, 100, first).empty());
  EXPECT_EQ(first, 1);
  for (int i = 1; i <= 3; ++i) t.push("l" + std::to_string(i));
  EXPECT_EQ(t.after(0, 100, first), numbered(1, 3));
  EXPECT_EQ(first, 1);
  EXPECT_EQ(t.written(), 3);
  // Lines that arrive between two polls come with the next one, once.
  t.push("l4");
  EXPECT_EQ(t.after(3, 100, first), numbered(4, 4));
  EXPECT_EQ(first, 4);
  EXPECT_TRUE(t.after(4, 100, first).empty());
  // At most `max`, oldest first: the rest come next time.
  for (int i = 5; i <= 7; ++i) t.push("l" + std::to_string(i));
  EXPECT_EQ(t.after(4, 2, first), numbered(5, 6));
  EXPECT_EQ(t.after(6, 2, first), numbered(7, 7));
}

TEST(LogTail, LinesDroppedBeforeTheyWereReadShowInFirstSeq) {
  LogTail t(3);
  for (int i = 1; i <= 10; ++i) t.push("l" + std::to_string(i));
  std::int64_t first = 0;
  EXPECT_EQ(t.after(2, 100, first), numbered(8, 10));
  EXPECT_EQ(first, 8);  // 3..7 are gone: the reader can say so
  EXPECT_EQ(t.last(2), numbered(9, 10));
  EXPECT_EQ(t.last(50), numbered(8, 10));
}

TEST(LogTail, ACursorFromTheNetworkAtTheLimitReturnsNothingWithoutOverflow) {
  LogTail t(3);
  for (int i = 1; i <= 5; ++i) t.push("l" + std::to_string(i));
  std::int64_t first = 0;
  EXPECT_TRUE(t.after(std::numeric_limits<std::int64_t>::max(), 100, first).empty());
  EXPECT_TRUE(t.after(std::numeric_limits<std::int64_t>::max() - 1, 100, first).empty());
  EXPECT_EQ(t.after(std::numeric_limits<std::int64_t>::min(), 100, first), numbered(3, 5));
}

}  // namespace
}  // namespace ffleet::agent::runner
