#include "ptx/base/text.h"

#include <gtest/gtest.h>

namespace ptx {
namespace {

TEST(PercentDecodeTest, DecodesEscapesAndKeepsMalformedOnes) {
  EXPECT_EQ(PercentDecode("a%20b%3Dc"), "a b=c");
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
  EXPECT_EQ(PercentDecode("%41"), "A");
}

TEST(TextTest, TrimAndLower) {
  EXPECT_EQ(TrimSpaces(" \tx y\t "), "x y");
  EXPECT_EQ(TrimSpaces("   "), "");
  EXPECT_EQ(AsciiLower("TraceParent-Ä"), "traceparent-Ä");
}

}  // namespace
}  // namespace ptx
