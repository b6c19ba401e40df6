#include "ptx/base/attribute_value.h"

#include <gtest/gtest.h>

#include <limits>

namespace ptx {
namespace {

TEST(SetAttributeTest, ReplacesInPlaceAndHonoursLimit) {
  Attributes attrs;
  EXPECT_TRUE(SetAttribute(attrs, "a", int64_t{1}, 2));
  EXPECT_TRUE(SetAttribute(attrs, "b", true, 2));
  EXPECT_FALSE(SetAttribute(attrs, "c", 1.5, 2));
  EXPECT_TRUE(SetAttribute(attrs, "a", std::string("x"), 2));
  ASSERT_EQ(attrs.size(), 2u);
  EXPECT_EQ(attrs[0].first, "a");
  EXPECT_EQ(std::get<std::string>(attrs[0].second), "x");
}

TEST(TruncateTest, CountsUtf8Characters) {
  AttributeValue v = std::string("h\xC3\xA9llo");  // "héllo"
  TruncateAttributeValue(v, 2);
  EXPECT_EQ(std::get<std::string>(v), "h\xC3\xA9");
  AttributeValue list = std::vector<std::string>{"abcdef", "xy"};
  TruncateAttributeValue(list, 3);
  EXPECT_EQ(std::get<std::vector<std::string>>(list), (std::vector<std::string>{"abc", "xy"}));
}

TEST(ToStringTest, RendersEveryType) {
  EXPECT_EQ(AttributeValueToString(true), "true");
  EXPECT_EQ(AttributeValueToString(int64_t{-7}), "-7");
  EXPECT_EQ(AttributeValueToString(0.1), "0.1");
  EXPECT_EQ(AttributeValueToString(std::numeric_limits<double>::infinity()), "Infinity");
  EXPECT_EQ(AttributeValueToString(std::string("s")), "s");
  EXPECT_EQ(AttributeValueToString(Bytes{"\x01\x02"}), "AQI=");
  EXPECT_EQ(AttributeValueToString(std::vector<bool>{true, false}), "[true,false]");
  EXPECT_EQ(AttributeValueToString(std::vector<int64_t>{1, 2}), "[1,2]");
  EXPECT_EQ(AttributeValueToString(std::vector<double>{1.5, 2}), "[1.5,2]");
  EXPECT_EQ(AttributeValueToString(std::vector<std::string>{"a\"b", "c"}), "[\"a\\\"b\",\"c\"]");
}

}  // namespace
}  // namespace ptx
