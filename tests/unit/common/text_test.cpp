#include "ffleet/common/text.hpp"

#include <gtest/gtest.h>

namespace ffleet::text {
namespace {

TEST(Text, CleanTextIsUnchanged) {
  for (std::string s : {"", "plain ascii", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xa5"})
    EXPECT_EQ(for_people(s), s);
}

TEST(Text, InvalidBytesAreEscaped) {
  EXPECT_EQ(for_people("title : caf\xe9"), "title : caf\\xe9");
  EXPECT_EQ(for_people("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(for_people("\xc0\xaf"), "\\xc0\\xaf");            // overlong '/'
  EXPECT_EQ(for_people("\xed\xa0\x80"), "\\xed\\xa0\\x80");   // a surrogate
  EXPECT_EQ(for_people("\xe2\x82"), "\\xe2\\x82");            // cut short
}

TEST(Text, ControlCharactersCannotForgeALineOrMoveTheCursor) {
  EXPECT_EQ(for_people("a\nb"), "a\\nb");
  EXPECT_EQ(for_people("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(for_people("x\r\t\x7f"), "x\\r\\t\\x7f");
  EXPECT_EQ(for_people("\xc2\x9b" "2J"), "\\u{9b}2J");  // C1 CSI
}

TEST(Text, ALiteralEscapeStaysApartFromAnEscapedByte) {
  EXPECT_EQ(for_people("\\xe9"), "\\\\xe9");
  EXPECT_NE(for_people("\\xe9"), for_people("\xe9"));
}

TEST(Text, RelayedTextIsGuardedNotEscapedAgain) {
  const std::string once = for_people("title : caf\xe9\n\\x41");
  EXPECT_EQ(relayed(once), once);
  EXPECT_EQ(relayed("a\x1b[31m\xff"), "a\\x1b[31m\\xff");
  EXPECT_TRUE(valid_utf8(relayed("\xc3\x28\x07")));
}

TEST(Text, ValidUtf8) {
  EXPECT_TRUE(valid_utf8("caf\xc3\xa9"));
  EXPECT_FALSE(valid_utf8("caf\xe9"));
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_TRUE(valid_utf8(for_people("\xff\x1b\xe9 anything \xc3")));
}

TEST(Text, LinesAreCutAtACharacterBoundary) {
  const std::string euro = "\xe2\x82\xac";
  auto out = for_people(std::vector<std::string>{euro + euro + euro}, 7);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(valid_utf8(out[0]));
  EXPECT_LE(out[0].size(), 7u);
  EXPECT_EQ(truncate_utf8(euro + euro, 4), euro);
}

}  // namespace
}  // namespace ffleet::text
