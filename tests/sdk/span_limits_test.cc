#include "ptx/sdk/span_limits.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace ptx {
namespace {

using testing::ScopedEnv;

TEST(SpanLimitsTest, DefaultsWithoutEnvironment) {
  ScopedEnv a("OTEL_ATTRIBUTE_COUNT_LIMIT", std::nullopt);
  ScopedEnv b("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", std::nullopt);
  ScopedEnv c("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", std::nullopt);
  ScopedEnv d("OTEL_SPAN_EVENT_COUNT_LIMIT", std::nullopt);
  ScopedEnv e("OTEL_SPAN_LINK_COUNT_LIMIT", std::nullopt);
  SpanLimits l = SpanLimitsFromEnv(SpanLimits{});
  EXPECT_EQ(l.max_attributes, 128u);
  EXPECT_EQ(l.max_events, 128u);
  EXPECT_EQ(l.max_links, 128u);
  EXPECT_EQ(l.max_attributes_per_event, 128u);
  EXPECT_EQ(l.max_attributes_per_link, 128u);
  EXPECT_EQ(l.max_attribute_value_length, SIZE_MAX);
}

TEST(SpanLimitsTest, GeneralThenSpecific) {
  ScopedEnv a("OTEL_ATTRIBUTE_COUNT_LIMIT", "10");
  ScopedEnv b("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "32");
  ScopedEnv c("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "20");
  ScopedEnv d("OTEL_SPAN_EVENT_COUNT_LIMIT", "3");
  ScopedEnv e("OTEL_SPAN_LINK_COUNT_LIMIT", "0");
  SpanLimits l = SpanLimitsFromEnv(SpanLimits{});
  EXPECT_EQ(l.max_attributes, 20u);
  EXPECT_EQ(l.max_attributes_per_event, 10u);
  EXPECT_EQ(l.max_attributes_per_link, 10u);
  EXPECT_EQ(l.max_attribute_value_length, 32u);
  EXPECT_EQ(l.max_events, 3u);
  EXPECT_EQ(l.max_links, 0u);
}

TEST(SpanLimitsTest, InvalidValuesAreIgnored) {
  ScopedEnv a("OTEL_ATTRIBUTE_COUNT_LIMIT", "-1");
  ScopedEnv b("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "abc");
  ScopedEnv c("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "12x");
  ScopedEnv d("OTEL_SPAN_EVENT_COUNT_LIMIT", "");
  ScopedEnv e("OTEL_SPAN_LINK_COUNT_LIMIT", "99999999999999999999999");
  SpanLimits defaults;
  defaults.max_events = 7;
  SpanLimits l = SpanLimitsFromEnv(defaults);
  EXPECT_EQ(l.max_attributes, 128u);
  EXPECT_EQ(l.max_attribute_value_length, SIZE_MAX);
  EXPECT_EQ(l.max_events, 7u);
  EXPECT_EQ(l.max_links, 128u);
}

}  // namespace
}  // namespace ptx
