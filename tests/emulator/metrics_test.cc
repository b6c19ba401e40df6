// OTLP metrics: series identity, eviction, filters and the JSON rendering of every point type;
// MetricsService/Export over gRPC read back from /api/metrics and (with the trace-instance
// metadata) from the SLS logstore {instance}-metrics.
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "emulator.h"
#include "metric_table.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "options.h"
#include "ptx/base/clock.h"
#include "query_api.h"
#include "sls_otlp.h"
#include "store.h"

namespace ptx::emulator {
namespace {

namespace collector = ::opentelemetry::proto::collector::metrics::v1;
using nlohmann::json;

template <typename Point>
void SetAttribute(Point& point, const std::string& key, const std::string& value) {
  auto* kv = point.add_attributes();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

std::shared_ptr<const MetricInfo> Metric(const std::string& name, MetricType type,
                                         Temporality temporality = Temporality::kUnspecified,
                                         const std::string& service = "svc",
                                         const std::string& scope = "lib") {
  auto resource = std::make_shared<ResourceInfo>();
  resource->service_name = service;
  auto* kv = resource->resource.add_attributes();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value(service);
  auto scope_info = std::make_shared<ScopeInfo>();
  scope_info->scope.set_name(scope);
  scope_info->scope.set_version("1.0");
  auto info = std::make_shared<MetricInfo>();
  info->name = name;
  info->type = type;
  info->temporality = temporality;
  info->resource = resource;
  info->scope = scope_info;
  return info;
}

otlp_metrics::NumberDataPoint IntPoint(uint64_t time, int64_t value,
                                       std::vector<std::pair<std::string, std::string>> attrs) {
  otlp_metrics::NumberDataPoint point;
  point.set_start_time_unix_nano(1);
  point.set_time_unix_nano(time);
  point.set_as_int(value);
  for (const auto& [k, v] : attrs) SetAttribute(point, k, v);
  return point;
}

std::vector<MetricPoint> One(MetricPoint point) {
  std::vector<MetricPoint> out;
  out.push_back(std::move(point));
  return out;
}

TEST(MetricTableTest, SeriesIdentityIgnoresAttributeOrderButNotValueTypes) {
  MetricTable table(100);
  auto sum = Metric("requests", MetricType::kSum, Temporality::kCumulative);
  table.Add(One(MakeMetricPoint(sum, IntPoint(10, 1, {{"a", "1"}, {"b", "2"}}))));
  table.Add(One(MakeMetricPoint(sum, IntPoint(20, 2, {{"b", "2"}, {"a", "1"}}))));
  // A repeated key keeps its last value, so this is the same attribute set again.
  table.Add(One(MakeMetricPoint(sum, IntPoint(30, 3, {{"a", "0"}, {"b", "2"}, {"a", "1"}}))));
  size_t total = 0;
  std::vector<MetricSeriesView> series = table.List(MetricQuery{}, &total);
  ASSERT_EQ(total, 1u);
  ASSERT_EQ(series[0].points.size(), 3u);
  EXPECT_EQ(PointTime(series[0].points[0]->data), 10u);
  EXPECT_EQ(PointTime(series[0].points[2]->data), 30u);

  // An int attribute 1 is not the string "1"; another temporality, scope or service is
  // another series.
  otlp_metrics::NumberDataPoint typed = IntPoint(40, 4, {{"b", "2"}});
  auto* kv = typed.add_attributes();
  kv->set_key("a");
  kv->mutable_value()->set_int_value(1);
  table.Add(One(MakeMetricPoint(sum, typed)));
  table.Add(One(MakeMetricPoint(Metric("requests", MetricType::kSum, Temporality::kDelta),
                                IntPoint(50, 5, {{"a", "1"}, {"b", "2"}}))));
  table.Add(One(MakeMetricPoint(
      Metric("requests", MetricType::kSum, Temporality::kCumulative, "svc", "other.lib"),
      IntPoint(60, 6, {{"a", "1"}, {"b", "2"}}))));
  table.Add(One(MakeMetricPoint(
      Metric("requests", MetricType::kSum, Temporality::kCumulative, "svc2"),
      IntPoint(70, 7, {{"a", "1"}, {"b", "2"}}))));
  table.Add(One(MakeMetricPoint(Metric("requests", MetricType::kGauge),
                                IntPoint(80, 8, {{"a", "1"}, {"b", "2"}}))));
  EXPECT_EQ(table.series_count(), 6u);
  EXPECT_EQ(table.point_count(), 8u);
}

TEST(MetricTableTest, FiltersOrderNamesAndLimit) {
  MetricTable table(100);
  auto b = Metric("b.metric", MetricType::kGauge, Temporality::kUnspecified, "svc-b");
  auto a = Metric("a.metric", MetricType::kGauge, Temporality::kUnspecified, "svc-a");
  std::vector<MetricPoint> points;
  points.push_back(MakeMetricPoint(b, IntPoint(1, 1, {{"host", "h2"}})));
  points.push_back(MakeMetricPoint(a, IntPoint(2, 2, {{"host", "h2"}})));
  points.push_back(MakeMetricPoint(a, IntPoint(3, 3, {{"host", "h1"}, {"zone", "z"}})));
  table.Add(std::move(points));

  size_t total = 0;
  std::vector<MetricSeriesView> all = table.List(MetricQuery{}, &total);
  ASSERT_EQ(total, 3u);
  // Name first, then the attribute set.
  EXPECT_EQ(all[0].metric().name, "a.metric");
  EXPECT_EQ(PointTime(all[0].newest().data), 3u);
  EXPECT_EQ(PointTime(all[1].newest().data), 2u);
  EXPECT_EQ(all[2].metric().name, "b.metric");

  MetricQuery q;
  q.attributes = {{"host", "h2"}};
  EXPECT_EQ(table.List(q, &total).size(), 2u);
  q.name = "a.metric";
  ASSERT_EQ(table.List(q, &total).size(), 1u);
  EXPECT_EQ(PointTime(table.List(q, &total)[0].newest().data), 2u);
  q = MetricQuery{};
  q.attributes = {{"host", "h1"}, {"zone", "z"}};
  EXPECT_EQ(table.List(q, &total).size(), 1u);
  q.attributes = {{"host", "h1"}, {"zone", "y"}};
  EXPECT_EQ(table.List(q, &total).size(), 0u);
  q = MetricQuery{};
  q.service = "svc-b";
  EXPECT_EQ(table.List(q, &total).size(), 1u);
  q = MetricQuery{};
  q.limit = 1;
  EXPECT_EQ(table.List(q, &total).size(), 1u);
  EXPECT_EQ(total, 3u);

  EXPECT_EQ(table.Names(), (std::vector<std::string>{"a.metric", "b.metric"}));
  table.Clear();
  EXPECT_EQ(table.point_count(), 0u);
  EXPECT_TRUE(table.Names().empty());
}

TEST(MetricTableTest, EvictsOldestPointsAndEmptySeries) {
  MetricTable table(3);
  auto first = Metric("first", MetricType::kGauge);
  auto second = Metric("second", MetricType::kGauge);
  std::vector<MetricPoint> points;
  points.push_back(MakeMetricPoint(first, IntPoint(1, 1, {})));
  points.push_back(MakeMetricPoint(second, IntPoint(2, 2, {})));
  points.push_back(MakeMetricPoint(first, IntPoint(3, 3, {})));
  points.push_back(MakeMetricPoint(second, IntPoint(4, 4, {})));
  table.Add(std::move(points));
  EXPECT_EQ(table.point_count(), 3u);
  EXPECT_EQ(table.evicted_points(), 1u);
  size_t total = 0;
  std::vector<MetricSeriesView> series = table.List(MetricQuery{}, &total);
  ASSERT_EQ(series.size(), 2u);
  ASSERT_EQ(series[0].points.size(), 1u);
  EXPECT_EQ(PointTime(series[0].points[0]->data), 3u);
  ASSERT_EQ(series[1].points.size(), 2u);

  // Two more points of "second" push out every point of "first": the series goes.
  table.Add(One(MakeMetricPoint(second, IntPoint(5, 5, {}))));
  table.Add(One(MakeMetricPoint(second, IntPoint(6, 6, {}))));
  EXPECT_EQ(table.evicted_points(), 3u);
  EXPECT_EQ(table.series_count(), 1u);
  EXPECT_EQ(table.Names(), (std::vector<std::string>{"second"}));
  series = table.List(MetricQuery{}, &total);
  ASSERT_EQ(series[0].points.size(), 3u);
  EXPECT_EQ(PointTime(series[0].points[0]->data), 4u);
}

TEST(MetricRenderTest, NumberPoints) {
  otlp_metrics::NumberDataPoint point = IntPoint(1'700'000'000'000'000'001, -5, {});
  point.set_flags(1);
  EXPECT_EQ(MetricPointToJson(point),
            (json{{"start_time_unix_nano", "1"},
                  {"time_unix_nano", "1700000000000000001"},
                  {"value", {{"type", "int"}, {"value", "-5"}}},
                  {"flags", 1}}));
  point.set_as_double(1.5);
  EXPECT_EQ(MetricPointToJson(point)["value"], (json{{"type", "double"}, {"value", 1.5}}));
  point.set_as_double(std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(MetricPointToJson(point)["value"], (json{{"type", "double"}, {"value", "NaN"}}));
  point.clear_value();
  EXPECT_EQ(MetricPointToJson(point)["value"], (json{{"type", "empty"}, {"value", nullptr}}));
}

TEST(MetricRenderTest, HistogramPoints) {
  otlp_metrics::HistogramDataPoint point;
  point.set_start_time_unix_nano(10);
  point.set_time_unix_nano(20);
  point.set_count(6);
  point.set_sum(27.5);
  point.set_min(0.5);
  point.set_max(std::numeric_limits<double>::infinity());
  for (uint64_t c : {1, 2, 3}) point.add_bucket_counts(c);
  for (double b : {1.0, 10.0}) point.add_explicit_bounds(b);
  EXPECT_EQ(MetricPointToJson(point),
            (json{{"start_time_unix_nano", "10"},
                  {"time_unix_nano", "20"},
                  {"count", "6"},
                  {"sum", 27.5},
                  {"min", 0.5},
                  {"max", "Infinity"},
                  {"bucket_counts", {"1", "2", "3"}},
                  {"explicit_bounds", {1.0, 10.0}},
                  {"flags", 0}}));
  point.clear_sum();
  point.clear_min();
  point.clear_max();
  json rendered = MetricPointToJson(point);
  EXPECT_EQ(rendered["sum"], nullptr);
  EXPECT_EQ(rendered["min"], nullptr);
  EXPECT_EQ(rendered["max"], nullptr);
}

TEST(MetricRenderTest, ExponentialHistogramPoints) {
  otlp_metrics::ExponentialHistogramDataPoint point;
  point.set_time_unix_nano(20);
  point.set_count(7);
  point.set_sum(12.25);
  point.set_scale(-2);
  point.set_zero_count(1);
  point.set_zero_threshold(0.001);
  point.mutable_positive()->set_offset(-3);
  for (uint64_t c : {2, 3}) point.mutable_positive()->add_bucket_counts(c);
  point.mutable_negative()->set_offset(1);
  point.mutable_negative()->add_bucket_counts(1);
  point.set_min(-4);
  EXPECT_EQ(MetricPointToJson(point),
            (json{{"start_time_unix_nano", "0"},
                  {"time_unix_nano", "20"},
                  {"count", "7"},
                  {"sum", 12.25},
                  {"scale", -2},
                  {"zero_count", "1"},
                  {"zero_threshold", 0.001},
                  {"positive", {{"offset", -3}, {"bucket_counts", {"2", "3"}}}},
                  {"negative", {{"offset", 1}, {"bucket_counts", {"1"}}}},
                  {"min", -4.0},
                  {"max", nullptr},
                  {"flags", 0}}));
}

TEST(MetricRenderTest, SummaryPointsAndSeries) {
  otlp_metrics::SummaryDataPoint point;
  point.set_time_unix_nano(20);
  point.set_count(4);
  point.set_sum(10);
  SetAttribute(point, "route", "/a");
  for (auto [q, v] : {std::pair{0.5, 2.0}, std::pair{0.99, 4.5}}) {
    auto* qv = point.add_quantile_values();
    qv->set_quantile(q);
    qv->set_value(v);
  }
  auto info = std::const_pointer_cast<MetricInfo>(Metric("latency", MetricType::kSummary));
  info->description = "request latency";
  info->unit = "ms";
  MetricSeriesView view{{std::make_shared<const MetricPoint>(MakeMetricPoint(info, point))}};
  json rendered = MetricSeriesToJson(view);
  EXPECT_EQ(rendered["points"][0],
            (json{{"start_time_unix_nano", "0"},
                  {"time_unix_nano", "20"},
                  {"count", "4"},
                  {"sum", 10.0},
                  {"quantile_values",
                   {{{"quantile", 0.5}, {"value", 2.0}}, {{"quantile", 0.99}, {"value", 4.5}}}},
                  {"flags", 0}}));
  rendered.erase("points");
  EXPECT_EQ(rendered,
            (json{{"name", "latency"},
                  {"description", "request latency"},
                  {"unit", "ms"},
                  {"type", "summary"},
                  {"temporality", "unspecified"},
                  {"monotonic", false},
                  {"service", "svc"},
                  {"scope",
                   {{"name", "lib"},
                    {"version", "1.0"},
                    {"attributes", json::object()},
                    {"dropped_attributes_count", 0},
                    {"schema_url", ""}}},
                  {"resource",
                   {{"attributes", {{"service.name", {{"type", "string"}, {"value", "svc"}}}}},
                    {"dropped_attributes_count", 0},
                    {"schema_url", ""}}},
                  {"attributes", {{"route", {{"type", "string"}, {"value", "/a"}}}}},
                  {"point_count", 1}}));
}

TEST(MetricQueryTest, ParsesParameters) {
  httplib::Params params{{"name", "m"}, {"service", "s"}, {"attr", "k:v:w"}, {"attr", "n:1"},
                         {"limit", "5"}};
  Result<MetricQuery> q = ParseMetricQuery(params);
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(*q->name, "m");
  EXPECT_EQ(*q->service, "s");
  ASSERT_EQ(q->attributes.size(), 2u);
  EXPECT_EQ(q->attributes[0].second, "v:w");
  EXPECT_EQ(q->limit, 5u);
  for (auto bad : {httplib::Params{{"attr", "novalue"}}, httplib::Params{{"limit", "0"}},
                   httplib::Params{{"limit", "x"}}, httplib::Params{{"other", "1"}}}) {
    EXPECT_FALSE(ParseMetricQuery(bad).ok());
  }
}

TEST(SlsOtlpTest, MetricPointsBecomeStringContents) {
  auto info = std::const_pointer_cast<MetricInfo>(
      Metric("requests", MetricType::kSum, Temporality::kCumulative));
  info->monotonic = true;
  std::vector<MetricPoint> points;
  points.push_back(MakeMetricPoint(
      info, IntPoint(1'700'000'000'123'456'789, 42, {{"route", "/b"}, {"method", "GET"}})));
  otlp_metrics::HistogramDataPoint histogram;
  histogram.set_count(3);
  histogram.set_sum(4.5);
  histogram.add_bucket_counts(1);
  histogram.add_bucket_counts(2);
  histogram.add_explicit_bounds(2.5);
  points.push_back(MakeMetricPoint(Metric("h", MetricType::kHistogram, Temporality::kDelta),
                                   histogram));
  encoding::SlsLogGroup group = MetricsToSlsLogGroup(points, 2'000'000'000'000'000'007);
  ASSERT_EQ(group.logs.size(), 2u);
  EXPECT_EQ(group.logs[0].time, 1'700'000'000u);
  EXPECT_EQ(group.logs[0].time_ns, 123'456'789u);
  std::map<std::string, std::string> c;
  for (const auto& content : group.logs[0].contents) c[content.key] = content.value;
  EXPECT_EQ(c["__name__"], "requests");
  EXPECT_EQ(c["__labels__"], "method#$#GET|route#$#/b");
  EXPECT_EQ(c["__value__"], "42");
  EXPECT_EQ(c["__time_nano__"], "1700000000123456789");
  EXPECT_EQ(c["type"], "sum");
  EXPECT_EQ(c["temporality"], "cumulative");
  EXPECT_EQ(c["monotonic"], "true");
  EXPECT_EQ(c["service"], "svc");
  EXPECT_EQ(c["otlp.name"], "lib");

  // No time and no start time: timed at arrival.
  EXPECT_EQ(group.logs[1].time, 2'000'000'000u);
  c.clear();
  for (const auto& content : group.logs[1].contents) c[content.key] = content.value;
  EXPECT_EQ(c["__labels__"], "");
  EXPECT_EQ(c["__value__"], "4.5");
  EXPECT_EQ(c["count"], "3");
  EXPECT_EQ(c["min"], "");
  EXPECT_EQ(c["bucketCounts"], "[1,2]");
  EXPECT_EQ(c["explicitBounds"], "[2.5]");
  EXPECT_EQ(TraceInstanceLogStore("i", Signal::kMetrics), "i-metrics");
}

TEST(MetricOptionsTest, MaxMetricPointsFlagAndEnvironment) {
  auto getenv = [](const char* name) -> const char* {
    return std::string(name) == "PTX_EMULATOR_MAX_METRIC_POINTS" ? "7" : nullptr;
  };
  const char* none[] = {"ptx-emulator"};
  EXPECT_EQ(ParseFlags(1, none, nullptr).options.max_metric_points, 100000u);
  EXPECT_EQ(ParseFlags(1, none, getenv).options.max_metric_points, 7u);
  const char* flag[] = {"ptx-emulator", "--max-metric-points=9"};
  EXPECT_EQ(ParseFlags(2, flag, getenv).options.max_metric_points, 9u);
  const char* zero[] = {"ptx-emulator", "--max-metric-points", "0"};
  EXPECT_FALSE(ParseFlags(3, zero, nullptr).status.ok());
  EXPECT_NE(Usage().find("--max-metric-points N"), std::string::npos);
}

TEST(MetricsServerTest, GrpcExportIsQueryableAndWrittenThrough) {
  EmulatorOptions options;
  options.otlp_grpc_address = "127.0.0.1:0";
  options.http_address = "127.0.0.1:0";
  options.sls_address = "127.0.0.1:0";
  options.max_metric_points = 2;
  Emulator emulator(options);
  ASSERT_TRUE(emulator.Start().ok());

  const uint64_t now = NowUnixNanos();
  collector::ExportMetricsServiceRequest request;
  auto* rm = request.add_resource_metrics();
  auto* kv = rm->mutable_resource()->add_attributes();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value("grpc-metrics");
  auto* sm = rm->add_scope_metrics();
  sm->mutable_scope()->set_name("meter");
  auto* metric = sm->add_metrics();
  metric->set_name("queue.depth");
  metric->set_unit("{item}");
  for (int i = 0; i < 3; ++i) {
    auto* point = metric->mutable_gauge()->add_data_points();
    point->set_time_unix_nano(now + i);
    point->set_as_double(0.5 + i);
  }

  auto channel = grpc::CreateChannel(emulator.addresses().otlp_grpc,
                                     grpc::InsecureChannelCredentials());
  auto stub = collector::MetricsService::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  ctx.AddMetadata("x-sls-otel-project", "proj");
  ctx.AddMetadata("x-sls-otel-instance-id", "inst");
  collector::ExportMetricsServiceResponse response;
  grpc::Status status = stub->Export(&ctx, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  httplib::Client http("http://" + emulator.addresses().http);
  auto res = http.Get("/api/metrics?name=queue.depth&service=grpc-metrics");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json body = json::parse(res->body);
  ASSERT_EQ(body["total"], 1);
  json series = body["series"][0];
  EXPECT_EQ(series["type"], "gauge");
  EXPECT_EQ(series["unit"], "{item}");
  // Retention is two points: the first was evicted.
  ASSERT_EQ(series["points"].size(), 2u);
  EXPECT_EQ(series["points"][0]["value"], (json{{"type", "double"}, {"value", 1.5}}));
  EXPECT_EQ(series["points"][1]["time_unix_nano"], std::to_string(now + 2));

  res = http.Get("/api/metrics/names");
  EXPECT_EQ(json::parse(res->body), (json{{"names", {"queue.depth"}}}));
  res = http.Get("/api/metrics?bogus=1");
  EXPECT_EQ(res->status, 400);

  httplib::Client sls("http://" + emulator.addresses().sls);
  httplib::Headers headers{{"x-log-apiversion", "0.6.0"}, {"Date", "d"},
                           {"Host", "proj.127.0.0.1"}};
  int64_t s = static_cast<int64_t>(now / 1'000'000'000);
  res = sls.Get("/logstores/inst-metrics?type=log&from=" + std::to_string(s) +
                    "&to=" + std::to_string(s + 2) + "&query=*",
                headers);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json rows = json::parse(res->body);
  ASSERT_EQ(rows.size(), 3u);  // the SLS copy has its own retention
  EXPECT_EQ(rows[0]["__name__"], "queue.depth");
  EXPECT_EQ(rows[0]["__value__"], "0.5");
  EXPECT_EQ(rows[0]["service"], "grpc-metrics");

  res = http.Get("/api/stats");
  json stats = json::parse(res->body);
  EXPECT_EQ(stats["metrics"]["by_protocol"]["grpc"]["items"], 3);
  // Points are gauges with time_unix_nano and as_double: 2 * 9 encoded bytes each.
  EXPECT_EQ(stats["metric_store"], (json{{"points", 2},
                                          {"series", 1},
                                          {"evicted_points", 1},
                                          {"bytes", 2 * 18},
                                          {"evicted_bytes", 18}}));
  res = http.Post("/api/reset", "", "application/json");
  res = http.Get("/api/stats");
  EXPECT_EQ(json::parse(res->body)["metric_store"],
            (json{{"points", 0}, {"series", 0}, {"evicted_points", 0}, {"bytes", 0},
                  {"evicted_bytes", 0}}));
  emulator.Shutdown();
}

}  // namespace
}  // namespace ptx::emulator
