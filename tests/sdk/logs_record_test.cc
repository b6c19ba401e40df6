#include "ptx/sdk/logs/log_record.h"

#include <gtest/gtest.h>

#include "ptx/sdk/console_sink.h"
#include "test_util.h"

namespace ptx {
namespace {

TEST(LogRecordTest, SeverityNames) {
  EXPECT_STREQ(SeverityName(0), "");
  EXPECT_STREQ(SeverityName(1), "TRACE");
  EXPECT_STREQ(SeverityName(10), "INFO2");
  EXPECT_STREQ(SeverityName(13), "WARN");
  EXPECT_STREQ(SeverityName(24), "FATAL4");
  EXPECT_STREQ(SeverityName(25), "");
  EXPECT_STREQ(SeverityRangeName(12), "INFO");
  EXPECT_STREQ(SeverityRangeName(17), "ERROR");
  EXPECT_STREQ(SeverityRangeName(23), "FATAL");
  EXPECT_STREQ(SeverityRangeName(0), "");
}

TEST(LogRecordTest, ConsoleLevelOfSeverity) {
  EXPECT_EQ(ConsoleLevelForSeverity(0), ConsoleLevel::kInfo);
  EXPECT_EQ(ConsoleLevelForSeverity(1), ConsoleLevel::kTrace);
  EXPECT_EQ(ConsoleLevelForSeverity(8), ConsoleLevel::kDebug);
  EXPECT_EQ(ConsoleLevelForSeverity(9), ConsoleLevel::kInfo);
  EXPECT_EQ(ConsoleLevelForSeverity(16), ConsoleLevel::kWarn);
  EXPECT_EQ(ConsoleLevelForSeverity(17), ConsoleLevel::kError);
  EXPECT_EQ(ConsoleLevelForSeverity(24), ConsoleLevel::kError);
}

TEST(LogRecordTest, LimitsDropAndCountExtraAttributes) {
  LogRecordData r;
  for (int i = 0; i < 5; ++i) r.attributes.emplace_back("k" + std::to_string(i), int64_t{i});
  r.dropped_attributes_count = 1;  // counted earlier (e.g. by the API layer)
  LogLimits limits;
  limits.max_attributes = 3;
  ApplyLogLimits(r, limits);
  ASSERT_EQ(r.attributes.size(), 3u);
  EXPECT_EQ(r.attributes[2].first, "k2");
  EXPECT_EQ(r.dropped_attributes_count, 3u);
}

TEST(LogRecordTest, LimitsMergeDuplicatesSkipEmptyKeysAndTruncate) {
  LogRecordData r;
  r.body = std::string("héllo world");
  r.attributes = {{"a", std::string("abcdef")},
                  {"", int64_t{1}},
                  {"b", std::vector<std::string>{"xyz123", "q"}},
                  {"a", std::string("second")}};
  LogLimits limits;
  limits.max_attribute_value_length = 3;
  ApplyLogLimits(r, limits);
  EXPECT_EQ(std::get<std::string>(*r.body), "hél");
  ASSERT_EQ(r.attributes.size(), 2u);
  EXPECT_EQ(r.attributes[0].first, "a");
  EXPECT_EQ(std::get<std::string>(r.attributes[0].second), "sec");
  EXPECT_EQ(std::get<std::vector<std::string>>(r.attributes[1].second),
            (std::vector<std::string>{"xyz", "q"}));
  EXPECT_EQ(r.dropped_attributes_count, 0u);
}

TEST(LogRecordTest, RecordsWithinLimitsAreUntouched) {
  LogRecordData r;
  r.attributes = {{"a", int64_t{1}}, {"b", true}};
  ApplyLogLimits(r, LogLimits{});
  EXPECT_EQ(r.attributes.size(), 2u);
  EXPECT_EQ(r.dropped_attributes_count, 0u);
}

TEST(LogRecordTest, LimitsFromEnvironment) {
  testing::ScopedEnv a("OTEL_ATTRIBUTE_COUNT_LIMIT", "10");
  testing::ScopedEnv b("OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", "7");
  testing::ScopedEnv c("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "-1");
  testing::ScopedEnv d("OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT", "64");
  LogLimits l = LogLimitsFromEnv(LogLimits{});
  EXPECT_EQ(l.max_attributes, 7u);
  EXPECT_EQ(l.max_attribute_value_length, 64u);
}

}  // namespace
}  // namespace ptx
