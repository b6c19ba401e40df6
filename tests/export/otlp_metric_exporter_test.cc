#include "export_test_util.h"
#include "ptx/export/otlp_metric_exporter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "ptx/sdk/metrics/meter_provider.h"
#include "ptx/sdk/metrics/periodic_exporting_metric_reader.h"
#include "test_servers.h"

namespace ptx {
namespace {

using export_test::Errors;
using export_test::HttpOptions;
using export_test::MakeResource;

using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse;
using std::chrono::milliseconds;
using std::chrono::seconds;
using test_servers::GrpcAnswer;
using test_servers::GrpcTestServer;
using test_servers::HttpTestServer;

std::vector<ScopeMetrics> MakeMetrics(int points) {
  ScopeMetrics scope;
  scope.scope = {"app", "1.0"};
  MetricData sum;
  sum.name = "requests";
  sum.kind = MetricDataKind::kSum;
  sum.temporality = AggregationTemporality::kCumulative;
  sum.monotonic = true;
  for (int i = 0; i < points; ++i) {
    sum.number_points.push_back(NumberPoint{{{"i", int64_t{i}}}, 1000, 2000, int64_t{i + 1}});
  }
  scope.metrics.push_back(sum);
  return {scope};
}


std::unique_ptr<OtlpMetricExporter> MakeExporter(OtlpExporterOptions o, Errors* errors = nullptr) {
  auto e = OtlpMetricExporter::Create(std::move(o), MakeResource(),
                                      errors != nullptr ? errors->Hook() : nullptr);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return std::move(e).value();
}

TEST(OtlpMetricExporterTest, HttpPostsToV1MetricsAndCountsPartialSuccess) {
  std::mutex mu;
  std::string path, content_type;
  ExportMetricsServiceRequest received;
  HttpTestServer server([&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    path = req.path;
    content_type = req.get_header_value("Content-Type");
    received.ParseFromString(req.body);
    ExportMetricsServiceResponse response;
    response.mutable_partial_success()->set_rejected_data_points(1);
    response.mutable_partial_success()->set_error_message("point too old");
    res.status = 200;
    res.set_content(response.SerializeAsString(), "application/x-protobuf");
  });
  Errors errors;
  auto exporter = MakeExporter(HttpOptions(server.Url("")), &errors);
  Status s = exporter->Export(MakeMetrics(3), SteadyClock::now() + seconds(5));
  ASSERT_TRUE(s.ok()) << s.ToString();
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(path, "/v1/metrics");
    EXPECT_EQ(content_type, "application/x-protobuf");
    ASSERT_EQ(received.resource_metrics_size(), 1);
    const auto& rm = received.resource_metrics(0);
    EXPECT_EQ(rm.resource().attributes(0).key(), "service.name");
    ASSERT_EQ(rm.scope_metrics_size(), 1);
    EXPECT_EQ(rm.scope_metrics(0).scope().name(), "app");
    const auto& sum = rm.scope_metrics(0).metrics(0).sum();
    EXPECT_EQ(sum.data_points_size(), 3);
    EXPECT_EQ(sum.data_points(2).as_int(), 3);
  }
  EXPECT_EQ(exporter->stats().exported_points.load(), 2u);
  EXPECT_EQ(exporter->stats().rejected_points.load(), 1u);
  auto seen = errors.Get();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].code(), StatusCode::kDataLoss);
  EXPECT_NE(seen[0].message().find("point too old"), std::string::npos);
}

TEST(OtlpMetricExporterTest, HttpRetriesWithGzip) {
  std::atomic<int> hits{0};
  std::string encoding;
  HttpTestServer server([&](const httplib::Request& req, httplib::Response& res) {
    if (hits++ == 0) {
      res.status = 503;
      return;
    }
    encoding = req.get_header_value("Content-Encoding");
    res.status = 200;
  });
  OtlpExporterOptions o = HttpOptions(server.Url("/"));
  o.compression = compression::Codec::kGzip;
  auto exporter = MakeExporter(o);
  ASSERT_TRUE(exporter->Export(MakeMetrics(4), SteadyClock::now() + seconds(5)).ok());
  EXPECT_EQ(hits.load(), 2);
  EXPECT_EQ(encoding, "gzip");
  EXPECT_EQ(exporter->stats().retries.load(), 1u);
  EXPECT_EQ(exporter->stats().exported_points.load(), 4u);
}

TEST(OtlpMetricExporterTest, PermanentFailureIsReportedAndCounted) {
  HttpTestServer server([&](const httplib::Request&, httplib::Response& res) { res.status = 400; });
  Errors errors;
  auto exporter = MakeExporter(HttpOptions(server.Url("")), &errors);
  Status s = exporter->Export(MakeMetrics(2), SteadyClock::now() + seconds(5));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(exporter->stats().failed_points.load(), 2u);
  ASSERT_EQ(errors.Get().size(), 1u);
}

TEST(OtlpMetricExporterTest, GrpcCallsTheMetricsService) {
  GrpcTestServer server({GrpcAnswer{}});
  OtlpExporterOptions o;
  o.protocol = OtlpExporterOptions::Protocol::kGrpc;
  o.endpoint = "http://" + server.Target();
  o.headers = {{"X-Tenant", "acme"}};
  o.compression = compression::Codec::kGzip;
  auto exporter = MakeExporter(o);
  Status s = exporter->Export(MakeMetrics(2), SteadyClock::now() + seconds(5));
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto calls = server.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].method, "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export");
  auto it = calls[0].metadata.find("x-tenant");
  ASSERT_NE(it, calls[0].metadata.end());
  EXPECT_EQ(it->second, "acme");
  ExportMetricsServiceRequest request;
  ASSERT_TRUE(request.ParseFromString(calls[0].body));
  EXPECT_EQ(request.resource_metrics(0).scope_metrics(0).metrics(0).name(), "requests");
  EXPECT_EQ(exporter->stats().exported_points.load(), 2u);
}

TEST(OtlpMetricExporterTest, ShutdownThenExportFailsFast) {
  std::atomic<int> hits{0};
  HttpTestServer server([&](const httplib::Request&, httplib::Response& res) {
    ++hits;
    res.status = 200;
  });
  auto exporter = MakeExporter(HttpOptions(server.Url("")));
  EXPECT_TRUE(exporter->Export({}, SteadyClock::now() + seconds(5)).ok());  // sends nothing
  EXPECT_EQ(hits.load(), 0);
  exporter->Shutdown(SteadyClock::now() + seconds(1));
  EXPECT_EQ(exporter->Export(MakeMetrics(2), SteadyClock::now() + seconds(5)).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(exporter->stats().failed_points.load(), 2u);
  EXPECT_EQ(hits.load(), 0);
}

TEST(OtlpMetricExporterTest, AfterForkChildReopensTheTransport) {
  std::atomic<int> hits{0};
  HttpTestServer server([&](const httplib::Request&, httplib::Response& res) {
    ++hits;
    res.status = 200;
    // The abandoned transport never closes its socket: without this the server would wait
    // for the keep-alive timeout when it stops.
    res.set_header("Connection", "close");
  });
  auto exporter = MakeExporter(HttpOptions(server.Url("")));
  ASSERT_TRUE(exporter->Export(MakeMetrics(1), SteadyClock::now() + seconds(5)).ok());
  exporter->AfterForkChild();  // what a forked child runs; no other thread uses the exporter
  ASSERT_TRUE(exporter->Export(MakeMetrics(1), SteadyClock::now() + seconds(5)).ok());
  EXPECT_EQ(hits.load(), 2);
}

TEST(OtlpMetricExporterTest, CreateRejectsWhatTheProtocolCannotUse) {
  OtlpExporterOptions grpc;
  grpc.protocol = OtlpExporterOptions::Protocol::kGrpc;
  grpc.endpoint = "ftp://collector:4317";
  EXPECT_EQ(OtlpMetricExporter::Create(grpc, MakeResource()).status().code(),
            StatusCode::kInvalidArgument);
}

// The whole pipeline: instruments -> periodic reader -> OTLP/HTTP exporter -> server.
TEST(OtlpMetricExporterTest, EndToEndFromInstrumentsOverHttp) {
  std::mutex mu;
  std::vector<ExportMetricsServiceRequest> received;
  HttpTestServer server([&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    received.emplace_back();
    received.back().ParseFromString(req.body);
    res.status = 200;
  });
  PeriodicReaderOptions ro;
  ro.export_interval = std::chrono::hours(1);
  ro.temporality = TemporalityPreference::kDelta;
  std::vector<std::unique_ptr<MetricReader>> readers;
  readers.push_back(std::make_unique<PeriodicExportingMetricReader>(
      MakeExporter(HttpOptions(server.Url(""))), ro));
  MeterProvider provider({}, std::move(readers));
  Meter meter = provider.GetMeter("shop", "2.0");
  Counter orders = meter.CreateCounter("orders", {"{order}", "orders placed", {}}).value();
  Histogram latency = meter.CreateHistogram("latency").value();
  ASSERT_TRUE(orders.Add(int64_t{2}, {{"country", std::string("nz")}}).ok());
  ASSERT_TRUE(orders.Add(int64_t{3}, {{"country", std::string("nz")}}).ok());
  ASSERT_TRUE(latency.Record(5.0).ok());
  ASSERT_TRUE(provider.ForceFlush(SteadyClock::now() + seconds(5)));
  ASSERT_TRUE(orders.Add(int64_t{1}, {{"country", std::string("nz")}}).ok());
  ASSERT_TRUE(provider.Shutdown(SteadyClock::now() + seconds(5)));

  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(received.size(), 2u);
  const auto& first = received[0].resource_metrics(0).scope_metrics(0);
  EXPECT_EQ(first.scope().name(), "shop");
  EXPECT_EQ(first.scope().version(), "2.0");
  ASSERT_EQ(first.metrics_size(), 2);
  EXPECT_EQ(first.metrics(0).name(), "orders");
  EXPECT_EQ(first.metrics(0).unit(), "{order}");
  EXPECT_EQ(first.metrics(0).sum().aggregation_temporality(),
            opentelemetry::proto::metrics::v1::AGGREGATION_TEMPORALITY_DELTA);
  EXPECT_EQ(first.metrics(0).sum().data_points(0).as_int(), 5);
  EXPECT_EQ(first.metrics(1).histogram().data_points(0).bucket_counts(1), 1u);  // (0, 5]
  const auto& second = received[1].resource_metrics(0).scope_metrics(0);
  ASSERT_EQ(second.metrics_size(), 1);
  EXPECT_EQ(second.metrics(0).sum().data_points(0).as_int(), 1);
  EXPECT_EQ(second.metrics(0).sum().data_points(0).start_time_unix_nano(),
            first.metrics(0).sum().data_points(0).time_unix_nano());
}

}  // namespace
}  // namespace ptx
