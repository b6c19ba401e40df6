#include "otlp_archive.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "otlp_json.h"
#include "otlp_records.h"

namespace ptx::emulator {
namespace {

using ::testing::HasSubstr;

namespace otlp_metrics = ::opentelemetry::proto::metrics::v1;

// One request with every metric shape, two scopes and two resources.
collector_metrics::ExportMetricsServiceRequest EveryMetricShape() {
  collector_metrics::ExportMetricsServiceRequest request;
  for (int r = 0; r < 2; ++r) {
    auto* rm = request.add_resource_metrics();
    auto* kv = rm->mutable_resource()->add_attributes();
    kv->set_key("service.name");
    kv->mutable_value()->set_string_value("svc-" + std::to_string(r));
    rm->set_schema_url("https://schema/" + std::to_string(r));
    for (int s = 0; s < 2; ++s) {
      auto* sm = rm->add_scope_metrics();
      sm->mutable_scope()->set_name("scope-" + std::to_string(s));
      sm->mutable_scope()->set_version("1.0");
      sm->set_schema_url("https://scope-schema");
      auto* gauge = sm->add_metrics();
      gauge->set_name("g");
      gauge->set_unit("C");
      auto* gp = gauge->mutable_gauge()->add_data_points();
      gp->set_as_double(21.5);
      gp->set_time_unix_nano(100);
      auto* sum = sm->add_metrics();
      sum->set_name("s");
      sum->set_description("count");
      sum->mutable_sum()->set_aggregation_temporality(otlp_metrics::AGGREGATION_TEMPORALITY_DELTA);
      sum->mutable_sum()->set_is_monotonic(true);
      for (int i = 0; i < 2; ++i) {
        auto* p = sum->mutable_sum()->add_data_points();
        p->set_as_int(7 + i);
        p->set_start_time_unix_nano(1);
        p->set_time_unix_nano(2 + i);
        auto* a = p->add_attributes();
        a->set_key("i");
        a->mutable_value()->set_int_value(i);
      }
      auto* histogram = sm->add_metrics();
      histogram->set_name("h");
      histogram->mutable_histogram()->set_aggregation_temporality(
          otlp_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
      auto* hp = histogram->mutable_histogram()->add_data_points();
      hp->set_count(3);
      hp->set_sum(12.5);
      hp->add_bucket_counts(1);
      hp->add_bucket_counts(2);
      hp->add_explicit_bounds(10);
      hp->set_min(1);
      hp->set_max(9);
      auto* exemplar = hp->add_exemplars();
      exemplar->set_as_double(4);
      exemplar->set_span_id(std::string(8, '\x05'));
      auto* exponential = sm->add_metrics();
      exponential->set_name("e");
      exponential->mutable_exponential_histogram()->set_aggregation_temporality(
          otlp_metrics::AGGREGATION_TEMPORALITY_DELTA);
      auto* ep = exponential->mutable_exponential_histogram()->add_data_points();
      ep->set_scale(3);
      ep->set_zero_count(1);
      ep->mutable_positive()->set_offset(-2);
      ep->mutable_positive()->add_bucket_counts(4);
      auto* summary = sm->add_metrics();
      summary->set_name("q");
      auto* qp = summary->mutable_summary()->add_data_points();
      qp->set_count(2);
      auto* quantile = qp->add_quantile_values();
      quantile->set_quantile(0.5);
      quantile->set_value(3);
    }
  }
  return request;
}

TEST(OtlpRecordsTest, MetricPointsRoundTripExactly) {
  collector_metrics::ExportMetricsServiceRequest original = EveryMetricShape();
  collector_metrics::ExportMetricsServiceRequest copy = original;
  std::vector<MetricPoint> points = PointsFromRequest(copy, std::make_shared<const Origin>());
  ASSERT_EQ(points.size(), 2u * 2u * 6u);
  std::vector<const MetricPoint*> pointers;
  for (const MetricPoint& p : points) pointers.push_back(&p);
  EXPECT_EQ(PointsToRequest(pointers).SerializeAsString(), original.SerializeAsString());
}

TEST(OtlpRecordsTest, SpansAndLogsRoundTripExactly) {
  collector_trace::ExportTraceServiceRequest spans;
  auto* rs = spans.add_resource_spans();
  rs->mutable_resource()->set_dropped_attributes_count(2);
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("s");
  for (int i = 1; i <= 2; ++i) {
    auto* span = ss->add_spans();
    span->set_trace_id(std::string(16, static_cast<char>(i)));
    span->set_span_id(std::string(8, static_cast<char>(i)));
    span->set_name("op");
    span->set_kind(otlp_trace::Span::SPAN_KIND_CLIENT);
    span->set_trace_state("k=v");
    span->set_flags(0x301);
    auto* event = span->add_events();
    event->set_name("retry");
    event->set_time_unix_nano(5);
    auto* link = span->add_links();
    link->set_trace_id(std::string(16, '\x09'));
    link->set_span_id(std::string(8, '\x09'));
    span->mutable_status()->set_code(otlp_trace::Status::STATUS_CODE_ERROR);
    span->mutable_status()->set_message("bad");
  }
  auto span_copy = NewArenaMessage<collector_trace::ExportTraceServiceRequest>(0);
  *span_copy = spans;
  SplitOutcome split;
  std::vector<SpanRecord> records = SpansFromRequest(span_copy, nullptr, &split);
  EXPECT_EQ(split.rejected, 0u);
  EXPECT_EQ(SpansToRequest({&records[0], &records[1]}).SerializeAsString(),
            spans.SerializeAsString());

  collector_logs::ExportLogsServiceRequest logs;
  auto* resource_logs = logs.add_resource_logs();
  resource_logs->mutable_resource()->set_dropped_attributes_count(1);
  auto* scope_logs = resource_logs->add_scope_logs();
  scope_logs->mutable_scope()->set_name("s");
  auto* log = scope_logs->add_log_records();
  log->set_severity_number(otlp_logs::SEVERITY_NUMBER_WARN);
  log->mutable_body()->set_string_value("hi");
  log->set_event_name("e");
  auto log_copy = std::make_shared<collector_logs::ExportLogsServiceRequest>(logs);
  std::vector<LogRecordEntry> entries = LogsFromRequest(log_copy, nullptr);
  EXPECT_EQ(LogsToRequest({&entries[0]}).SerializeAsString(), logs.SerializeAsString());
}

TEST(OtlpArchiveTest, ExportsBatchedLinesAndImportsThemBack) {
  Store store(StoreOptions{});
  OtlpIngest ingest(&store, nullptr);
  std::string body;
  for (size_t i = 0; i < kExportBatch + 1; ++i) {
    char span_id[17];
    std::snprintf(span_id, sizeof(span_id), "%016zx", i + 1);
    body += R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":")" + std::string(31, 'a') +
            R"(1","spanId":")" + span_id + R"(","name":"op"}]}]}]})" + "\n";
  }
  body += "\n" + std::string(R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"x"}}]}]}]})") + "\n";
  Result<ImportSummary> imported = ImportLines(&ingest, body);
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  EXPECT_EQ(imported->lines, kExportBatch + 2);
  EXPECT_EQ(imported->spans, kExportBatch + 1);
  EXPECT_EQ(imported->log_records, 1u);

  ExportCursor cursor(store.Dump());
  std::vector<std::string> lines;
  for (std::string line; cursor.Next(&line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 3u);  // 500 spans, 1 span, 1 log record
  collector_trace::ExportTraceServiceRequest first;
  ASSERT_TRUE(OtlpJsonToMessage(lines[0], &first).ok());
  EXPECT_EQ(first.resource_spans_size(), static_cast<int>(kExportBatch));  // one per request
  EXPECT_EQ(lines[2].back(), '\n');
  EXPECT_THAT(lines[2], HasSubstr(R"("resourceLogs")"));

  Result<ImportSummary> bad = ImportLines(&ingest, lines[2] + "{\"resourceSpans\": 5}\n");
  EXPECT_EQ(bad.status().message(),
            "line 2: invalid OTLP/JSON: (resource_spans): invalid value 5 for type "
            "type.googleapis.com/opentelemetry.proto.trace.v1.ResourceSpans (1 line(s) before it "
            "imported)");
}

}  // namespace
}  // namespace ptx::emulator
