#include "ptx/context/b3.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ptx {
namespace {

constexpr char kTrace128[] = "80f198ee56343ba864fe8b2a57d3eff7";
constexpr char kTrace64[] = "64fe8b2a57d3eff7";
constexpr char kSpan[] = "e457b5a2e4d86bd1";

TEST(ContextB3Test, ParsesSingleHeader) {
  auto context = ParseB3Single(std::string(kTrace128) + "-" + kSpan + "-1-05e3ac9a4f6e3b90");
  ASSERT_TRUE(context.has_value());
  EXPECT_EQ(context->trace_id.ToHex(), kTrace128);
  EXPECT_EQ(context->span_id.ToHex(), kSpan);
  EXPECT_EQ(context->trace_flags, kTraceFlagSampled);
  EXPECT_TRUE(context->is_remote);
  EXPECT_EQ(context->trace_state, "");
}

TEST(ContextB3Test, SingleSamplingStates) {
  const std::string ids = std::string(kTrace128) + "-" + kSpan;
  EXPECT_TRUE(ParseB3Single(ids + "-1")->sampled());
  EXPECT_TRUE(ParseB3Single(ids + "-d")->sampled());  // debug implies sampled
  EXPECT_FALSE(ParseB3Single(ids + "-0")->sampled());
  EXPECT_FALSE(ParseB3Single(ids)->sampled());         // deferred
  EXPECT_TRUE(ParseB3Single(" " + ids + "-1\t").has_value());
}

TEST(ContextB3Test, SixtyFourBitTraceIdIsLeftPadded) {
  auto context = ParseB3Single(std::string(kTrace64) + "-" + kSpan + "-1");
  ASSERT_TRUE(context.has_value());
  EXPECT_EQ(context->trace_id.ToHex(), "000000000000000064fe8b2a57d3eff7");
  EXPECT_EQ(context->trace_id.Low64(), 0x64fe8b2a57d3eff7ULL);
  EXPECT_EQ(FormatB3Single(*context), "000000000000000064fe8b2a57d3eff7-e457b5a2e4d86bd1-1");
}

TEST(ContextB3Test, UppercaseHexIsTolerated) {
  auto context = ParseB3Single("80F198EE56343BA864FE8B2A57D3EFF7-E457B5A2E4D86BD1-1");
  ASSERT_TRUE(context.has_value());
  EXPECT_EQ(context->trace_id.ToHex(), kTrace128);
}

TEST(ContextB3Test, SingleRejectsTable) {
  const std::string t = kTrace128;
  const std::string s = kSpan;
  const std::vector<std::string> rejected = {
      "",
      "0",  // deny: no ids to continue
      "1",
      "d",
      t,
      t + "-" + s + "-",                      // empty sampling state
      t + "-" + s + "-2",
      t + "-" + s + "-true",
      t + "-" + s + "-1-",                    // empty parent
      t + "-" + s + "-1-05e3ac9a4f6e3b9",     // parent 15
      t + "-" + s + "-1-05e3ac9a4f6e3b9x",
      t + "-" + s + "-1-05e3ac9a4f6e3b90-x",  // five fields
      "64fe8b2a57d3eff-" + s + "-1",          // trace 15
      "64fe8b2a57d3eff70-" + s + "-1",        // trace 17
      t.substr(1) + "-" + s + "-1",           // trace 31
      "64fe8b2a57d3effg-" + s + "-1",
      "0000000000000000-" + s + "-1",         // all-zero trace
      "00000000000000000000000000000000-" + s + "-1",
      t + "-0000000000000000-1",              // all-zero span
      t + "-e457b5a2e4d86bd-1",               // span 15
      t + "-" + s + "0-1",                    // span 17
      "-" + s + "-1",
  };
  for (const std::string& value : rejected) {
    EXPECT_FALSE(ParseB3Single(value).has_value()) << "'" << value << "'";
  }
}

TEST(ContextB3Test, FormatsSingle) {
  SpanContext context;
  context.trace_id = *TraceId::FromHex(kTrace128);
  context.span_id = *SpanId::FromHex(kSpan);
  context.trace_flags = kTraceFlagSampled;
  EXPECT_EQ(FormatB3Single(context), std::string(kTrace128) + "-" + kSpan + "-1");
  context.trace_flags = 0;
  EXPECT_EQ(FormatB3Single(context), std::string(kTrace128) + "-" + kSpan + "-0");
  EXPECT_EQ(FormatB3Single(SpanContext()), "");
}

TEST(ContextB3Test, ParsesMultiHeaders) {
  auto context = ParseB3Multi(kTrace128, kSpan, "1", std::nullopt);
  ASSERT_TRUE(context.has_value());
  EXPECT_EQ(context->trace_id.ToHex(), kTrace128);
  EXPECT_EQ(context->span_id.ToHex(), kSpan);
  EXPECT_TRUE(context->sampled());
  EXPECT_TRUE(context->is_remote);

  auto short_id = ParseB3Multi(kTrace64, kSpan, "0", std::nullopt);
  ASSERT_TRUE(short_id.has_value());
  EXPECT_EQ(short_id->trace_id.ToHex(), "000000000000000064fe8b2a57d3eff7");
  EXPECT_FALSE(short_id->sampled());
}

TEST(ContextB3Test, MultiSamplingAndDebug) {
  EXPECT_FALSE(ParseB3Multi(kTrace128, kSpan, std::nullopt, std::nullopt)->sampled());
  EXPECT_TRUE(ParseB3Multi(kTrace128, kSpan, "true", std::nullopt)->sampled());
  EXPECT_TRUE(ParseB3Multi(kTrace128, kSpan, "True", std::nullopt)->sampled());
  EXPECT_FALSE(ParseB3Multi(kTrace128, kSpan, "false", std::nullopt)->sampled());
  EXPECT_FALSE(ParseB3Multi(kTrace128, kSpan, "0", std::nullopt)->sampled());
  EXPECT_TRUE(ParseB3Multi(kTrace128, kSpan, std::nullopt, "1")->sampled());
  EXPECT_TRUE(ParseB3Multi(kTrace128, kSpan, "0", "1")->sampled());  // debug implies sampled
  EXPECT_FALSE(ParseB3Multi(kTrace128, kSpan, "0", "0")->sampled());
}

TEST(ContextB3Test, MultiRejectsMissingOrInvalidIds) {
  EXPECT_FALSE(ParseB3Multi(std::nullopt, kSpan, "1", std::nullopt).has_value());
  EXPECT_FALSE(ParseB3Multi(kTrace128, std::nullopt, "1", std::nullopt).has_value());
  EXPECT_FALSE(ParseB3Multi("xyz", kSpan, "1", std::nullopt).has_value());
  EXPECT_FALSE(ParseB3Multi(kTrace128, "0000000000000000", "1", std::nullopt).has_value());
  EXPECT_FALSE(ParseB3Multi("0000000000000000", kSpan, "1", std::nullopt).has_value());
}

}  // namespace
}  // namespace ptx
