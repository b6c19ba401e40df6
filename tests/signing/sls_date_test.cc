#include "ptx/signing/sls_date.h"

#include <gtest/gtest.h>

namespace ptx::signing {
namespace {

SystemTime FromUnix(int64_t seconds) {
  return SystemTime(
      std::chrono::duration_cast<SystemTime::duration>(std::chrono::seconds(seconds)));
}

int64_t ToUnix(SystemTime time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

TEST(Rfc1123DateTest, Formats) {
  EXPECT_EQ(Rfc1123Date(FromUnix(0)), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(Rfc1123Date(FromUnix(1136214245)), "Mon, 02 Jan 2006 15:04:05 GMT");
  EXPECT_EQ(Rfc1123Date(FromUnix(951868799)), "Tue, 29 Feb 2000 23:59:59 GMT");
  EXPECT_EQ(Rfc1123Date(FromUnix(4102444800 + 86400 * 59)), "Mon, 01 Mar 2100 00:00:00 GMT");
  EXPECT_EQ(Rfc1123Date(FromUnix(-86400 * 365 - 1)), "Tue, 31 Dec 1968 23:59:59 GMT");
}

TEST(Rfc1123DateTest, DropsSubSecondPart) {
  EXPECT_EQ(Rfc1123Date(FromUnix(1136214245) + std::chrono::milliseconds(999)),
            "Mon, 02 Jan 2006 15:04:05 GMT");
}

TEST(Rfc1123DateTest, ParsesOneAndTwoDigitDays) {
  // The v1 test vector's date: one-digit day, and a weekday that does not match the date.
  auto one = ParseRfc1123Date("Mon, 3 Jan 2010 08:33:47 GMT");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(ToUnix(*one), 1262507627);
  auto two = ParseRfc1123Date("Mon, 02 Jan 2006 15:04:05 GMT");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(ToUnix(*two), 1136214245);
  auto utc = ParseRfc1123Date("Thu, 01 Jan 1970 00:00:00 UTC");
  ASSERT_TRUE(utc.ok());
  EXPECT_EQ(ToUnix(*utc), 0);
}

TEST(Rfc1123DateTest, RoundTrips) {
  for (int64_t t : {0LL, 951868799LL, 1659929010LL, 4102444800LL + 86400 * 59}) {
    auto parsed = ParseRfc1123Date(Rfc1123Date(FromUnix(t)));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(ToUnix(*parsed), t);
  }
}

TEST(Rfc1123DateTest, RejectsMalformed) {
  for (const char* text : {"", "Mon, 02 Jan 2006 15:04:05", "Mon, 02 Jan 2006 15:04:05 +0000",
                           "Mon, 02 Jan 2006 15:04:05 GMT ", "Monday, 02 Jan 2006 15:04:05 GMT",
                           "Mon 02 Jan 2006 15:04:05 GMT", "Mon, 32 Jan 2006 15:04:05 GMT",
                           "Mon, 29 Feb 2011 15:04:05 GMT", "Mon, 02 Foo 2006 15:04:05 GMT",
                           "Mon, 02 jan 2006 15:04:05 GMT", "Mon, 02 Jan 06 15:04:05 GMT",
                           "Mon, 02 Jan 2006 24:04:05 GMT", "Mon, 02 Jan 2006 15:4:05 GMT",
                           "2006-01-02T15:04:05Z"}) {
    auto parsed = ParseRfc1123Date(text);
    EXPECT_FALSE(parsed.ok()) << text;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

TEST(V4DateTimeTest, FormatsAndParses) {
  EXPECT_EQ(V4DateTime(FromUnix(1659929010)), "20220808T032330Z");
  EXPECT_EQ(V4DateTime(FromUnix(0)), "19700101T000000Z");
  auto parsed = ParseV4DateTime("20220808T032330Z");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(ToUnix(*parsed), 1659929010);
}

TEST(V4DateTimeTest, RejectsMalformed) {
  for (const char* text : {"", "20220808T032330", "20220808 032330Z", "2022-08-08T03:23:30Z",
                           "20221308T032330Z", "20220230T032330Z", "20220808T250000Z",
                           "20220808T032330ZZ", "2022080aT032330Z"}) {
    EXPECT_FALSE(ParseV4DateTime(text).ok()) << text;
  }
}

// Found by fuzz/sls_auth: a Date beyond what system_clock's 64-bit nanoseconds hold (years
// 1678-2262) overflowed while converting (undefined behaviour) instead of being refused.
TEST(DateRangeTest, DatesOutsideTheClockRangeAreRefused) {
  for (const char* text : {"Fri, 31 Dec 9999 23:59:59 GMT", "Sat, 01 Jan 2263 00:00:00 GMT",
                           "Mon, 01 Jan 0001 00:00:00 GMT", "Thu, 01 Jan 1677 00:00:00 GMT"}) {
    Result<SystemTime> parsed = ParseRfc1123Date(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().message(), std::string("not an RFC 1123 date: ") + text);
  }
  for (const char* text : {"99991231T235959Z", "22630101T000000Z", "00010101T000000Z"}) {
    EXPECT_FALSE(ParseV4DateTime(text).ok()) << text;
  }
  // Both ends of the range still parse.
  ASSERT_TRUE(ParseRfc1123Date("Sat, 01 Jan 2262 00:00:00 GMT").ok());
  EXPECT_EQ(ToUnix(*ParseRfc1123Date("Sat, 01 Jan 2262 00:00:00 GMT")), 9214646400);
  ASSERT_TRUE(ParseV4DateTime("16780101T000000Z").ok());
  EXPECT_EQ(ToUnix(*ParseV4DateTime("16780101T000000Z")), -9214560000);
}

}  // namespace
}  // namespace ptx::signing
