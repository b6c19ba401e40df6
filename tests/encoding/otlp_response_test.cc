#include "ptx/encoding/otlp_response.h"

#include <gtest/gtest.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace ptx::encoding {
namespace {

TEST(DecodeTraceResponseTest, EmptyBodyIsFullSuccess) {
  auto ps = DecodeTraceResponse("");
  ASSERT_TRUE(ps.ok());
  EXPECT_EQ(ps->rejected, 0);
  EXPECT_EQ(ps->error_message, "");
}

TEST(DecodeTraceResponseTest, PartialSuccess) {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse response;
  response.mutable_partial_success()->set_rejected_spans(7);
  response.mutable_partial_success()->set_error_message("7 spans had no name");
  auto ps = DecodeTraceResponse(response.SerializeAsString());
  ASSERT_TRUE(ps.ok());
  EXPECT_EQ(ps->rejected, 7);
  EXPECT_EQ(ps->error_message, "7 spans had no name");
}

TEST(DecodeTraceResponseTest, HandWrittenWireBytes) {
  // partial_success (1) { rejected_spans (1) = 3, error_message (2) = "no" }
  const std::string body("\x0a\x06\x08\x03\x12\x02no", 8);
  auto ps = DecodeTraceResponse(body);
  ASSERT_TRUE(ps.ok());
  EXPECT_EQ(ps->rejected, 3);
  EXPECT_EQ(ps->error_message, "no");
}

TEST(DecodeTraceResponseTest, WarningWithoutRejections) {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse response;
  response.mutable_partial_success()->set_error_message("deprecated attribute");
  auto ps = DecodeTraceResponse(response.SerializeAsString());
  ASSERT_TRUE(ps.ok());
  EXPECT_EQ(ps->rejected, 0);
  EXPECT_EQ(ps->error_message, "deprecated attribute");
}

TEST(DecodeTraceResponseTest, GarbageIsInvalidArgument) {
  auto ps = DecodeTraceResponse(std::string("\x0a\xff\xff\xff", 4));
  ASSERT_FALSE(ps.ok());
  EXPECT_EQ(ps.status().code(), StatusCode::kInvalidArgument);
}

TEST(DecodeTraceResponseTest, MalformedPartialSuccessIsInvalidArgument) {
  // partial_success (1) holding a truncated varint.
  auto ps = DecodeTraceResponse(std::string("\x0a\x02\x08\xff", 4));
  ASSERT_FALSE(ps.ok());
  EXPECT_EQ(ps.status().message(), "malformed ExportTraceServiceResponse");
}

TEST(DecodeTraceResponseTest, UnknownFieldsAreSkippedAndRepeatedMessagesMerge) {
  // 9: varint, partial_success { rejected 3 }, 2: bytes, partial_success { message "x" }
  const std::string body("\x48\x01\x0a\x02\x08\x03\x12\x01z\x0a\x03\x12\x01x", 14);
  auto ps = DecodeTraceResponse(body);
  ASSERT_TRUE(ps.ok());
  EXPECT_EQ(ps->rejected, 3);
  EXPECT_EQ(ps->error_message, "x");
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse reference;
  ASSERT_TRUE(reference.ParseFromString(body));
  EXPECT_EQ(reference.partial_success().rejected_spans(), 3);
  EXPECT_EQ(reference.partial_success().error_message(), "x");
}

TEST(DecodeOtherResponsesTest, MetricsAndLogs) {
  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse metrics;
  metrics.mutable_partial_success()->set_rejected_data_points(11);
  metrics.mutable_partial_success()->set_error_message("m");
  auto m = DecodeMetricsResponse(metrics.SerializeAsString());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->rejected, 11);
  EXPECT_EQ(m->error_message, "m");

  opentelemetry::proto::collector::logs::v1::ExportLogsServiceResponse logs;
  logs.mutable_partial_success()->set_rejected_log_records(12);
  auto l = DecodeLogsResponse(logs.SerializeAsString());
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->rejected, 12);
}

}  // namespace
}  // namespace ptx::encoding
