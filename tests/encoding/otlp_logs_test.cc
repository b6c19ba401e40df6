#include "ptx/encoding/otlp_logs.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"

namespace ptx::encoding {
namespace {

namespace pb_collector = ::opentelemetry::proto::collector::logs::v1;
namespace pb_logs = ::opentelemetry::proto::logs::v1;
namespace pb_common = ::opentelemetry::proto::common::v1;

pb_collector::ExportLogsServiceRequest Parse(const std::string& bytes) {
  pb_collector::ExportLogsServiceRequest request;
  EXPECT_TRUE(request.ParseFromString(bytes));
  return request;
}

class EncodeLogsRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    resource_.attributes = {{"service.name", std::string("checkout")},
                            {"process.pid", int64_t{4242}}};
    resource_.schema_url = "https://opentelemetry.io/schemas/1.21.0";
    scope_a_ = {"app.orders", "1.2.3"};
    scope_b_ = {"app.db", ""};
  }

  std::unique_ptr<LogRecordData> Full() {
    auto r = std::make_unique<LogRecordData>();
    r->time_unix_nano = 1700000000123456789ull;
    r->observed_time_unix_nano = 1700000000223456789ull;
    r->severity_number = 14;
    r->severity_text = "WARNING";
    r->body = std::string("order o-1 slow");
    r->attributes = {{"order.id", std::string("o-1")},
                     {"retries", int64_t{3}},
                     {"ratio", 0.25},
                     {"cached", true},
                     {"blob", Bytes{std::string("\x00\x01", 2)}},
                     {"tags", std::vector<std::string>{"a", "b"}}};
    r->dropped_attributes_count = 2;
    for (int i = 0; i < 16; ++i) r->trace_id.bytes[i] = static_cast<uint8_t>(0xa0 + i);
    for (int i = 0; i < 8; ++i) r->span_id.bytes[i] = static_cast<uint8_t>(0x10 + i);
    r->trace_flags = 0x01;
    r->scope = &scope_a_;
    r->event_name = "order.slow";
    return r;
  }

  Resource resource_;
  InstrumentationScope scope_a_;
  InstrumentationScope scope_b_;
};

TEST_F(EncodeLogsRequestTest, EveryFieldRoundTrips) {
  LogBatch batch;
  batch.push_back(Full());
  auto req = Parse(EncodeLogsRequest(resource_, batch));
  ASSERT_EQ(req.resource_logs_size(), 1);
  const auto& rl = req.resource_logs(0);
  EXPECT_EQ(rl.schema_url(), "https://opentelemetry.io/schemas/1.21.0");
  ASSERT_EQ(rl.resource().attributes_size(), 2);
  EXPECT_EQ(rl.resource().attributes(0).key(), "service.name");
  EXPECT_EQ(rl.resource().attributes(0).value().string_value(), "checkout");
  EXPECT_EQ(rl.resource().attributes(1).value().int_value(), 4242);
  ASSERT_EQ(rl.scope_logs_size(), 1);
  EXPECT_EQ(rl.scope_logs(0).scope().name(), "app.orders");
  EXPECT_EQ(rl.scope_logs(0).scope().version(), "1.2.3");
  ASSERT_EQ(rl.scope_logs(0).log_records_size(), 1);

  const pb_logs::LogRecord& r = rl.scope_logs(0).log_records(0);
  EXPECT_EQ(r.time_unix_nano(), 1700000000123456789ull);
  EXPECT_EQ(r.observed_time_unix_nano(), 1700000000223456789ull);
  EXPECT_EQ(r.severity_number(), pb_logs::SEVERITY_NUMBER_WARN2);
  EXPECT_EQ(r.severity_text(), "WARNING");
  ASSERT_EQ(r.body().value_case(), pb_common::AnyValue::kStringValue);
  EXPECT_EQ(r.body().string_value(), "order o-1 slow");
  ASSERT_EQ(r.attributes_size(), 6);
  EXPECT_EQ(r.attributes(0).key(), "order.id");
  EXPECT_EQ(r.attributes(0).value().string_value(), "o-1");
  EXPECT_EQ(r.attributes(1).value().int_value(), 3);
  EXPECT_DOUBLE_EQ(r.attributes(2).value().double_value(), 0.25);
  EXPECT_TRUE(r.attributes(3).value().bool_value());
  EXPECT_EQ(r.attributes(4).value().bytes_value(), std::string("\x00\x01", 2));
  ASSERT_EQ(r.attributes(5).value().array_value().values_size(), 2);
  EXPECT_EQ(r.attributes(5).value().array_value().values(1).string_value(), "b");
  EXPECT_EQ(r.dropped_attributes_count(), 2u);
  EXPECT_EQ(r.flags(), 0x01u);
  std::string trace_id, span_id;
  for (int i = 0; i < 16; ++i) trace_id += static_cast<char>(0xa0 + i);
  for (int i = 0; i < 8; ++i) span_id += static_cast<char>(0x10 + i);
  EXPECT_EQ(r.trace_id(), trace_id);
  EXPECT_EQ(r.span_id(), span_id);
  EXPECT_EQ(r.event_name(), "order.slow");
}

TEST_F(EncodeLogsRequestTest, MinimalRecordLeavesOptionalFieldsEmpty) {
  LogBatch batch;
  auto r = std::make_unique<LogRecordData>();
  r->observed_time_unix_nano = 5;
  batch.push_back(std::move(r));
  auto req = Parse(EncodeLogsRequest(resource_, batch));
  const auto& sl = req.resource_logs(0).scope_logs(0);
  EXPECT_EQ(sl.scope().name(), "");
  const auto& rec = sl.log_records(0);
  EXPECT_EQ(rec.time_unix_nano(), 0u);
  EXPECT_EQ(rec.observed_time_unix_nano(), 5u);
  EXPECT_EQ(rec.severity_number(), pb_logs::SEVERITY_NUMBER_UNSPECIFIED);
  EXPECT_FALSE(rec.has_body());
  EXPECT_TRUE(rec.trace_id().empty());
  EXPECT_TRUE(rec.span_id().empty());
  EXPECT_EQ(rec.flags(), 0u);
  EXPECT_TRUE(rec.event_name().empty());
}

TEST_F(EncodeLogsRequestTest, ScopesAreGroupedInFirstSeenOrderAndNullsSkipped) {
  LogBatch batch;
  const InstrumentationScope* order[] = {&scope_a_, &scope_b_, &scope_a_, nullptr, &scope_b_};
  for (int i = 0; i < 5; ++i) {
    auto r = std::make_unique<LogRecordData>();
    r->body = std::string("m" + std::to_string(i));
    r->scope = order[i];
    batch.push_back(std::move(r));
    if (i == 2) batch.push_back(nullptr);
  }
  auto req = Parse(EncodeLogsRequest(resource_, batch));
  const auto& rl = req.resource_logs(0);
  ASSERT_EQ(rl.scope_logs_size(), 3);
  EXPECT_EQ(rl.scope_logs(0).scope().name(), "app.orders");
  ASSERT_EQ(rl.scope_logs(0).log_records_size(), 2);
  EXPECT_EQ(rl.scope_logs(0).log_records(1).body().string_value(), "m2");
  EXPECT_EQ(rl.scope_logs(1).scope().name(), "app.db");
  ASSERT_EQ(rl.scope_logs(1).log_records_size(), 2);
  EXPECT_EQ(rl.scope_logs(1).log_records(1).body().string_value(), "m4");
  EXPECT_EQ(rl.scope_logs(2).scope().name(), "");
  EXPECT_EQ(rl.scope_logs(2).log_records(0).body().string_value(), "m3");
}

TEST_F(EncodeLogsRequestTest, NonStringBodiesAndInvalidUtf8) {
  LogBatch batch;
  auto r = std::make_unique<LogRecordData>();
  r->body = std::vector<int64_t>{1, 2};
  r->severity_text = std::string("bad\xff");
  batch.push_back(std::move(r));
  auto r2 = std::make_unique<LogRecordData>();
  r2->body = int64_t{-7};
  batch.push_back(std::move(r2));
  auto req = Parse(EncodeLogsRequest(resource_, batch));
  const auto& sl = req.resource_logs(0).scope_logs(0);
  ASSERT_EQ(sl.log_records(0).body().array_value().values_size(), 2);
  EXPECT_EQ(sl.log_records(0).body().array_value().values(1).int_value(), 2);
  EXPECT_EQ(sl.log_records(0).severity_text(), "bad\xEF\xBF\xBD");
  EXPECT_EQ(sl.log_records(1).body().int_value(), -7);
}

TEST_F(EncodeLogsRequestTest, EmptyBatchHasResourceOnly) {
  auto req = Parse(EncodeLogsRequest(resource_, LogBatch{}));
  ASSERT_EQ(req.resource_logs_size(), 1);
  EXPECT_EQ(req.resource_logs(0).scope_logs_size(), 0);
}

}  // namespace
}  // namespace ptx::encoding
