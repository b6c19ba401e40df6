#include "ptx/encoding/otlp_metrics.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "ptx/encoding/otlp_response.h"
#include "ptx/sdk/metrics/meter_provider.h"

namespace ptx::encoding {
namespace {

namespace pb_collector = ::opentelemetry::proto::collector::metrics::v1;
namespace pb_metrics = ::opentelemetry::proto::metrics::v1;

std::vector<ScopeMetrics> Sample() {
  ScopeMetrics app;
  app.scope = {"app.http", "1.2.3"};

  MetricData sum;
  sum.name = "http.requests";
  sum.description = "requests served";
  sum.unit = "{request}";
  sum.kind = MetricDataKind::kSum;
  sum.temporality = AggregationTemporality::kDelta;
  sum.monotonic = true;
  sum.number_points.push_back(
      NumberPoint{{{"route", std::string("/a")}, {"ok", true}}, 100, 200, int64_t{-3}});
  sum.number_points.push_back(NumberPoint{{}, 100, 200, 2.5});
  app.metrics.push_back(sum);

  MetricData gauge;
  gauge.name = "temp";
  gauge.kind = MetricDataKind::kGauge;
  gauge.temporality = AggregationTemporality::kUnspecified;
  gauge.number_points.push_back(NumberPoint{{{"room", int64_t{4}}}, 0, 300, 21.5});
  app.metrics.push_back(gauge);

  MetricData histogram;
  histogram.name = "latency";
  histogram.unit = "ms";
  histogram.kind = MetricDataKind::kHistogram;
  histogram.temporality = AggregationTemporality::kCumulative;
  HistogramPoint hp;
  hp.attributes = {{"method", std::string("GET")}};
  hp.start_time_unix_nano = 50;
  hp.time_unix_nano = 400;
  hp.count = 3;
  hp.sum = 16;
  hp.min = 1;
  hp.max = 10;
  hp.bounds = {0, 5, 10};
  hp.bucket_counts = {0, 1, 2, 0};
  histogram.histogram_points.push_back(hp);
  HistogramPoint empty;
  empty.bounds = {1};
  empty.bucket_counts = {0, 0};
  empty.time_unix_nano = 400;
  histogram.histogram_points.push_back(empty);
  app.metrics.push_back(histogram);

  ScopeMetrics db;
  db.scope = {"app.db", ""};
  MetricData updown;
  updown.name = "pool.size";
  updown.kind = MetricDataKind::kSum;
  updown.temporality = AggregationTemporality::kCumulative;
  updown.monotonic = false;
  updown.number_points.push_back(NumberPoint{{}, 10, 20, int64_t{7}});
  db.metrics.push_back(updown);
  return {app, db};
}

pb_collector::ExportMetricsServiceRequest Parse(const std::string& bytes) {
  pb_collector::ExportMetricsServiceRequest request;
  EXPECT_TRUE(request.ParseFromString(bytes));
  return request;
}

TEST(EncodeMetricsRequestTest, EveryFieldRoundTrips) {
  Resource resource;
  resource.attributes = {{"service.name", std::string("checkout")}};
  resource.schema_url = "https://opentelemetry.io/schemas/1.21.0";
  auto request = Parse(EncodeMetricsRequest(resource, Sample()));

  ASSERT_EQ(request.resource_metrics_size(), 1);
  const auto& rm = request.resource_metrics(0);
  EXPECT_EQ(rm.schema_url(), resource.schema_url);
  ASSERT_EQ(rm.resource().attributes_size(), 1);
  EXPECT_EQ(rm.resource().attributes(0).key(), "service.name");
  EXPECT_EQ(rm.resource().attributes(0).value().string_value(), "checkout");
  ASSERT_EQ(rm.scope_metrics_size(), 2);
  EXPECT_EQ(rm.scope_metrics(0).scope().name(), "app.http");
  EXPECT_EQ(rm.scope_metrics(0).scope().version(), "1.2.3");
  EXPECT_EQ(rm.scope_metrics(1).scope().name(), "app.db");
  ASSERT_EQ(rm.scope_metrics(0).metrics_size(), 3);

  const pb_metrics::Metric& sum = rm.scope_metrics(0).metrics(0);
  EXPECT_EQ(sum.name(), "http.requests");
  EXPECT_EQ(sum.description(), "requests served");
  EXPECT_EQ(sum.unit(), "{request}");
  ASSERT_TRUE(sum.has_sum());
  EXPECT_EQ(sum.sum().aggregation_temporality(), pb_metrics::AGGREGATION_TEMPORALITY_DELTA);
  EXPECT_TRUE(sum.sum().is_monotonic());
  ASSERT_EQ(sum.sum().data_points_size(), 2);
  const auto& p0 = sum.sum().data_points(0);
  EXPECT_EQ(p0.value_case(), pb_metrics::NumberDataPoint::kAsInt);
  EXPECT_EQ(p0.as_int(), -3);
  EXPECT_EQ(p0.start_time_unix_nano(), 100u);
  EXPECT_EQ(p0.time_unix_nano(), 200u);
  ASSERT_EQ(p0.attributes_size(), 2);
  EXPECT_EQ(p0.attributes(0).key(), "route");
  EXPECT_EQ(p0.attributes(0).value().string_value(), "/a");
  EXPECT_TRUE(p0.attributes(1).value().bool_value());
  const auto& p1 = sum.sum().data_points(1);
  EXPECT_EQ(p1.value_case(), pb_metrics::NumberDataPoint::kAsDouble);
  EXPECT_EQ(p1.as_double(), 2.5);
  EXPECT_EQ(p1.attributes_size(), 0);

  const pb_metrics::Metric& gauge = rm.scope_metrics(0).metrics(1);
  ASSERT_TRUE(gauge.has_gauge());
  ASSERT_EQ(gauge.gauge().data_points_size(), 1);
  EXPECT_EQ(gauge.gauge().data_points(0).as_double(), 21.5);
  EXPECT_EQ(gauge.gauge().data_points(0).start_time_unix_nano(), 0u);
  EXPECT_EQ(gauge.gauge().data_points(0).time_unix_nano(), 300u);
  EXPECT_EQ(gauge.gauge().data_points(0).attributes(0).value().int_value(), 4);

  const pb_metrics::Metric& histogram = rm.scope_metrics(0).metrics(2);
  ASSERT_TRUE(histogram.has_histogram());
  EXPECT_EQ(histogram.unit(), "ms");
  EXPECT_EQ(histogram.histogram().aggregation_temporality(),
            pb_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  ASSERT_EQ(histogram.histogram().data_points_size(), 2);
  const auto& h = histogram.histogram().data_points(0);
  EXPECT_EQ(h.count(), 3u);
  ASSERT_TRUE(h.has_sum());
  EXPECT_EQ(h.sum(), 16);
  ASSERT_TRUE(h.has_min());
  ASSERT_TRUE(h.has_max());
  EXPECT_EQ(h.min(), 1);
  EXPECT_EQ(h.max(), 10);
  EXPECT_EQ(std::vector<double>(h.explicit_bounds().begin(), h.explicit_bounds().end()),
            (std::vector<double>{0, 5, 10}));
  EXPECT_EQ(std::vector<uint64_t>(h.bucket_counts().begin(), h.bucket_counts().end()),
            (std::vector<uint64_t>{0, 1, 2, 0}));
  EXPECT_EQ(h.start_time_unix_nano(), 50u);
  EXPECT_EQ(h.time_unix_nano(), 400u);
  EXPECT_EQ(h.attributes(0).key(), "method");
  const auto& e = histogram.histogram().data_points(1);
  EXPECT_EQ(e.count(), 0u);
  EXPECT_FALSE(e.has_min());
  EXPECT_FALSE(e.has_max());
  EXPECT_EQ(e.bucket_counts_size(), 2);

  const pb_metrics::Metric& updown = rm.scope_metrics(1).metrics(0);
  ASSERT_TRUE(updown.has_sum());
  EXPECT_FALSE(updown.sum().is_monotonic());
  EXPECT_EQ(updown.sum().aggregation_temporality(),
            pb_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  EXPECT_EQ(updown.sum().data_points(0).as_int(), 7);
}

TEST(EncodeMetricsRequestTest, WhatTheSdkCollectsEncodes) {
  std::vector<std::unique_ptr<MetricReader>> readers;
  readers.push_back(std::make_unique<MetricReader>(TemporalityPreference::kCumulative));
  MeterProvider provider({}, std::move(readers));
  Meter meter = provider.GetMeter("lib", "0.1");
  ASSERT_TRUE(meter.CreateCounter("c").value().Add(int64_t{5}, {{"k", std::string("v")}}).ok());
  ASSERT_TRUE(meter.CreateHistogram("h").value().Record(7.5).ok());
  auto request = Parse(EncodeMetricsRequest(Resource{}, provider.reader(0).Collect()));
  ASSERT_EQ(request.resource_metrics(0).scope_metrics_size(), 1);
  const auto& sm = request.resource_metrics(0).scope_metrics(0);
  EXPECT_EQ(sm.scope().name(), "lib");
  ASSERT_EQ(sm.metrics_size(), 2);
  EXPECT_EQ(sm.metrics(0).sum().data_points(0).as_int(), 5);
  EXPECT_TRUE(sm.metrics(0).sum().is_monotonic());
  const auto& h = sm.metrics(1).histogram().data_points(0);
  EXPECT_EQ(h.explicit_bounds_size(), 15);
  EXPECT_EQ(h.bucket_counts_size(), 16);
  EXPECT_EQ(h.bucket_counts(2), 1u);
  EXPECT_EQ(h.sum(), 7.5);
}

TEST(EncodeMetricsRequestTest, EmptyCollectionAndInvalidUtf8) {
  auto request = Parse(EncodeMetricsRequest(Resource{}, {}));
  ASSERT_EQ(request.resource_metrics_size(), 1);
  EXPECT_EQ(request.resource_metrics(0).scope_metrics_size(), 0);

  ScopeMetrics s;
  MetricData m;
  m.name = "bad\xff";
  m.kind = MetricDataKind::kGauge;
  m.number_points.push_back(NumberPoint{{{"k\xfe", std::string("v")}}, 0, 1, int64_t{1}});
  s.metrics.push_back(m);
  request = Parse(EncodeMetricsRequest(Resource{}, {s}));
  EXPECT_EQ(request.resource_metrics(0).scope_metrics(0).metrics(0).name(), "bad\xef\xbf\xbd");
}

TEST(EncodeMetricsRequestTest, PartialSuccessDecodes) {
  pb_collector::ExportMetricsServiceResponse response;
  response.mutable_partial_success()->set_rejected_data_points(4);
  response.mutable_partial_success()->set_error_message("too many");
  auto decoded = DecodeMetricsResponse(response.SerializeAsString());
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->rejected, 4);
  EXPECT_EQ(decoded->error_message, "too many");
}

}  // namespace
}  // namespace ptx::encoding
