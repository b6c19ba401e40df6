#include "ptx/context/trace_context.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ptx {
namespace {

constexpr char kTrace[] = "12345678901234567890123456789012";
constexpr char kSpan[] = "1234567890123456";

std::string Tp(const std::string& version, const std::string& trace, const std::string& span,
               const std::string& flags) {
  return version + "-" + trace + "-" + span + "-" + flags;
}

TEST(ContextTraceparentTest, ParsesVersion00) {
  auto context = ParseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  ASSERT_TRUE(context.has_value());
  EXPECT_EQ(context->trace_id.ToHex(), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(context->span_id.ToHex(), "b7ad6b7169203331");
  EXPECT_EQ(context->trace_flags, 0x01);
  EXPECT_TRUE(context->sampled());
  EXPECT_TRUE(context->is_remote);
  EXPECT_EQ(context->trace_state, "");

  auto unsampled = ParseTraceparent(Tp("00", kTrace, kSpan, "00"));
  ASSERT_TRUE(unsampled.has_value());
  EXPECT_EQ(unsampled->trace_flags, 0x00);
  EXPECT_FALSE(unsampled->sampled());

  // Unknown flag bits are carried, not rejected.
  auto all_flags = ParseTraceparent(Tp("00", kTrace, kSpan, "ff"));
  ASSERT_TRUE(all_flags.has_value());
  EXPECT_EQ(all_flags->trace_flags, 0xff);
}

TEST(ContextTraceparentTest, AcceptsTable) {
  const std::string base = Tp("00", kTrace, kSpan, "01");
  const std::vector<std::string> accepted = {
      base,
      " " + base,
      "\t" + base,
      base + " ",
      base + "\t",
      "\t " + base + " \t",
      // A future version: the first four fields count, "-..." after them is ignored.
      Tp("cc", kTrace, kSpan, "01"),
      Tp("cc", kTrace, kSpan, "01") + "-what-the-future-will-be-like",
      Tp("cc", kTrace, kSpan, "01") + "-",
      Tp("01", kTrace, kSpan, "09") + "-00",
      Tp("fe", kTrace, kSpan, "01"),
  };
  for (const std::string& value : accepted) {
    auto context = ParseTraceparent(value);
    ASSERT_TRUE(context.has_value()) << "'" << value << "'";
    EXPECT_EQ(context->trace_id.ToHex(), kTrace) << value;
    EXPECT_EQ(context->span_id.ToHex(), kSpan) << value;
    EXPECT_TRUE(context->sampled()) << value;
  }
}

TEST(ContextTraceparentTest, RejectsTable) {
  const std::string t = kTrace;
  const std::string s = kSpan;
  const std::vector<std::string> rejected = {
      "",
      "00",
      Tp("ff", t, s, "01"),                                     // version ff is invalid
      Tp("00", t, s, "01") + "-what-the-future-will-be-like",   // 00 with extra fields
      Tp("00", t, s, "01") + "-",                               // 00 longer than 55
      Tp("00", t, s, "01") + ".",                               // trailing garbage
      Tp("cc", t, s, "01") + ".what-the-future-will-be-like",   // extra without a dash
      Tp("cc", t, s, "01") + "x",
      Tp(".0", t, s, "01"),                                     // version characters
      Tp("0.", t, s, "01"),
      Tp("000", t, s, "01"),                                    // version length
      Tp("0000", t, s, "01"),
      Tp("0", t, s, "01"),
      Tp("0A", t, s, "01"),                                     // uppercase version
      Tp("00", "00000000000000000000000000000000", s, "01"),    // all-zero trace id
      Tp("00", t, "0000000000000000", "01"),                    // all-zero parent id
      Tp("00", ".2345678901234567890123456789012", s, "01"),    // trace id characters
      Tp("00", "1234567890123456789012345678901.", s, "01"),
      Tp("00", "123456789012345678901234567890123", s, "01"),   // trace id 33
      Tp("00", "1234567890123456789012345678901", s, "01"),     // trace id 31
      Tp("00", "0AF7651916CD43DD8448EB211C80319C", s, "01"),    // uppercase trace id
      Tp("00", "0af7651916cd43dd8448eb211c80319C", s, "01"),
      Tp("00", t, ".234567890123456", "01"),                    // parent id characters
      Tp("00", t, "123456789012345.", "01"),
      Tp("00", t, "12345678901234567", "01"),                   // parent id 17
      Tp("00", t, "123456789012345", "01"),                     // parent id 15
      Tp("00", t, "B7AD6B7169203331", "01"),                    // uppercase parent id
      Tp("00", t, s, ".0"),                                     // flags characters
      Tp("00", t, s, "0."),
      Tp("00", t, s, "001"),                                    // flags length
      Tp("00", t, s, "1"),
      Tp("00", t, s, "0F"),                                     // uppercase flags
      "00_" + t + "-" + s + "-01",                              // wrong separators
      "00-" + t + "_" + s + "-01",
      "00-" + t + "-" + s + "_01",
      "00-" + t + "-" + s.substr(0, 15) + "-001",               // dash moved
      " 00 -" + t + "-" + s + "-01",
      "cc-" + t + "-" + s + "-0",                               // future version, short flags
  };
  for (const std::string& value : rejected) {
    EXPECT_FALSE(ParseTraceparent(value).has_value()) << "'" << value << "'";
  }
}

TEST(ContextTraceparentTest, Formats) {
  SpanContext context;
  context.trace_id = *TraceId::FromHex("0af7651916cd43dd8448eb211c80319c");
  context.span_id = *SpanId::FromHex("b7ad6b7169203331");
  context.trace_flags = kTraceFlagSampled;
  EXPECT_EQ(FormatTraceparent(context), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  context.trace_flags = 0;
  EXPECT_EQ(FormatTraceparent(context), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");

  SpanContext invalid;
  EXPECT_EQ(FormatTraceparent(invalid), "");
  invalid.trace_id = context.trace_id;
  EXPECT_EQ(FormatTraceparent(invalid), "");
}

TEST(ContextTraceparentTest, FutureVersionFormatsAsVersion00) {
  auto context = ParseTraceparent(Tp("cc", kTrace, kSpan, "01") + "-extra");
  ASSERT_TRUE(context.has_value());
  EXPECT_EQ(FormatTraceparent(*context), Tp("00", kTrace, kSpan, "01"));
}

TEST(ContextTracestateTest, NormalizesValidHeaders) {
  EXPECT_EQ(NormalizeTracestate(""), "");
  EXPECT_EQ(NormalizeTracestate("  "), "");
  EXPECT_EQ(NormalizeTracestate("foo=1,bar=2"), "foo=1,bar=2");
  EXPECT_EQ(NormalizeTracestate("foo=1 \t , \t bar=2, \t baz=3"), "foo=1,bar=2,baz=3");
  EXPECT_EQ(NormalizeTracestate("foo=1\t \t,\t \tbar=2,\t \tbaz=3"), "foo=1,bar=2,baz=3");
  EXPECT_EQ(NormalizeTracestate(" foo=1"), "foo=1");
  // A trailing space is whitespace around the member, not part of the value.
  EXPECT_EQ(NormalizeTracestate("foo=1 "), "foo=1");
  EXPECT_EQ(NormalizeTracestate("foo=bar ,baz=qux"), "foo=bar,baz=qux");
  EXPECT_EQ(NormalizeTracestate("foo=1,,bar=2,"), "foo=1,bar=2");
  EXPECT_EQ(NormalizeTracestate("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"),
            "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  // A value may start with a space and contain spaces.
  EXPECT_EQ(NormalizeTracestate("foo= a b"), "foo= a b");
}

TEST(ContextTracestateTest, MemberLimitIs32) {
  std::string header;
  for (int i = 1; i <= 32; ++i) {
    if (i > 1) header += ",";
    header += "bar" + std::to_string(i) + "=" + std::to_string(i);
  }
  auto normalized = NormalizeTracestate(header);
  ASSERT_TRUE(normalized.has_value());
  EXPECT_EQ(*normalized, header);
  // Empty members do not count.
  EXPECT_TRUE(NormalizeTracestate(header + ",,  ,").has_value());
  EXPECT_FALSE(NormalizeTracestate(header + ",bar33=33").has_value());
}

TEST(ContextTracestateTest, InvalidMembersDropTheWholeHeader) {
  const std::vector<std::string> rejected = {
      "foo=1,foo=2",                 // duplicate key
      "foo=1,foo=1",
      "foo=1,bar=2,foo=3",
      "foo",                         // no '='
      "foo=1,bar",
      "foo=",                        // empty value
      "foo=,bar=3",
      "=1",                          // empty key
      "foo=bar=baz",                 // '=' in the value
      "FOO=1",                       // uppercase key
      "foo.bar=1",                   // '.' in the key
      "foo =1",                      // space inside the member before '='
      "_foo=1",                      // must start with a letter or digit
      "foo@=1,bar=2",                // empty system
      "@foo=1,bar=2",                // empty tenant
      "foo@@bar=1,bar=2",            // two '@'
      "foo@bar@baz=1,bar=2",
      "t@1v=1",                      // system must start with a letter
      "foo=a\tb",                    // tab in the value
      "foo=caf\xc3\xa9",             // non-ASCII value
      "foo=1;bar=2",                 // ';' is not a separator
  };
  for (const std::string& value : rejected) {
    EXPECT_FALSE(NormalizeTracestate(value).has_value()) << "'" << value << "'";
  }
}

TEST(ContextTracestateTest, KeyGrammarAndLengths) {
  EXPECT_TRUE(IsValidTracestateKey("foo"));
  EXPECT_TRUE(IsValidTracestateKey("1foo"));
  EXPECT_TRUE(IsValidTracestateKey("abcdefghijklmnopqrstuvwxyz0123456789_-*/"));
  EXPECT_TRUE(IsValidTracestateKey("tenant@system"));
  EXPECT_TRUE(IsValidTracestateKey("abcdefghijklmnopqrstuvwxyz0123456789_-*/@a-z0-9_-*/"));
  EXPECT_TRUE(IsValidTracestateKey("0tenant@s"));
  EXPECT_TRUE(IsValidTracestateKey(std::string(256, 'z')));
  EXPECT_FALSE(IsValidTracestateKey(std::string(257, 'z')));
  EXPECT_TRUE(IsValidTracestateKey(std::string(241, 't') + "@" + std::string(14, 'v')));
  EXPECT_FALSE(IsValidTracestateKey(std::string(242, 't') + "@v"));
  EXPECT_FALSE(IsValidTracestateKey("t@" + std::string(15, 'v')));
  EXPECT_FALSE(IsValidTracestateKey(""));
  EXPECT_FALSE(IsValidTracestateKey("Foo"));

  EXPECT_TRUE(NormalizeTracestate("foo=1," + std::string(256, 'z') + "=1").has_value());
  EXPECT_FALSE(NormalizeTracestate("foo=1," + std::string(257, 'z') + "=1").has_value());
}

TEST(ContextTracestateTest, ValueGrammarAndLengths) {
  std::string all_allowed;
  for (int c = 0x20; c <= 0x7e; ++c) {
    if (c != ',' && c != '=') all_allowed += static_cast<char>(c);
  }
  EXPECT_TRUE(IsValidTracestateValue(all_allowed));
  EXPECT_EQ(NormalizeTracestate("k=" + all_allowed), "k=" + all_allowed);
  EXPECT_TRUE(IsValidTracestateValue(std::string(256, 'v')));
  EXPECT_FALSE(IsValidTracestateValue(std::string(257, 'v')));
  EXPECT_FALSE(IsValidTracestateValue("bar "));
  EXPECT_TRUE(IsValidTracestateValue(" bar"));
  EXPECT_FALSE(IsValidTracestateValue(""));
  EXPECT_FALSE(IsValidTracestateValue("a,b"));
  EXPECT_FALSE(IsValidTracestateValue("a=b"));
  EXPECT_FALSE(IsValidTracestateValue("a\x7f"));
}

}  // namespace
}  // namespace ptx
