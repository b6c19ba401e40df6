#include "ptx/context/span_context.h"

#include <gtest/gtest.h>

namespace ptx {
namespace {

TEST(ContextSpanContextTest, TraceIdHexRoundTripAndValidity) {
  auto id = TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736");
  ASSERT_TRUE(id.has_value());
  EXPECT_TRUE(id->valid());
  EXPECT_EQ(id->ToHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(id->bytes[0], 0x4b);
  EXPECT_EQ(id->bytes[15], 0x36);
  EXPECT_EQ(id->Low64(), 0xa3ce929d0e0e4736ULL);

  auto upper = TraceId::FromHex("4BF92F3577B34DA6A3CE929D0E0E4736");
  ASSERT_TRUE(upper.has_value());
  EXPECT_EQ(*upper, *id);

  auto zero = TraceId::FromHex("00000000000000000000000000000000");
  ASSERT_TRUE(zero.has_value());
  EXPECT_FALSE(zero->valid());
  EXPECT_EQ(zero->Low64(), 0u);

  EXPECT_FALSE(TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e473").has_value());
  EXPECT_FALSE(TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e47360").has_value());
  EXPECT_FALSE(TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e473g").has_value());
  EXPECT_FALSE(TraceId().valid());
}

TEST(ContextSpanContextTest, SpanIdHexRoundTripAndValidity) {
  auto id = SpanId::FromHex("00f067aa0ba902b7");
  ASSERT_TRUE(id.has_value());
  EXPECT_TRUE(id->valid());
  EXPECT_EQ(id->ToHex(), "00f067aa0ba902b7");
  EXPECT_FALSE(SpanId::FromHex("0000000000000000")->valid());
  EXPECT_FALSE(SpanId::FromHex("00f067aa0ba902b").has_value());
  EXPECT_FALSE(SpanId::FromHex("").has_value());
}

TEST(ContextSpanContextTest, Low64IsBigEndianLastEightBytes) {
  auto id = TraceId::FromHex("ffffffffffffffff0102030405060708");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->Low64(), 0x0102030405060708ULL);
}

TEST(ContextSpanContextTest, ValidAndSampled) {
  SpanContext context;
  EXPECT_FALSE(context.valid());
  context.trace_id = *TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_FALSE(context.valid());
  context.span_id = *SpanId::FromHex("00f067aa0ba902b7");
  EXPECT_TRUE(context.valid());
  EXPECT_FALSE(context.sampled());
  context.trace_flags = 0x03;
  EXPECT_TRUE(context.sampled());
  context.trace_flags = 0x02;
  EXPECT_FALSE(context.sampled());
}

}  // namespace
}  // namespace ptx
