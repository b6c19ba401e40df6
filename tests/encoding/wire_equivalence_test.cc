// The hand-written OTLP encoders against the generated-protobuf reference: byte-identical
// output over records that exercise every field the SDK writes, plus protobuf parsing of it.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "ptx/encoding/otlp_logs.h"
#include "ptx/encoding/otlp_metrics.h"
#include "ptx/encoding/otlp_trace.h"
#include "reference_encoder.h"

namespace ptx::encoding {
namespace {

// Every AttributeValue alternative, with the edge values of each (zero, negative, empty,
// invalid UTF-8, NaN and signed zero, multi-byte characters, long strings needing a
// two-byte length).
Attributes AllKinds() {
  return {
      {"b.true", true},
      {"b.false", false},
      {"i.zero", int64_t{0}},
      {"i.neg", int64_t{-1}},
      {"i.max", std::numeric_limits<int64_t>::max()},
      {"i.min", std::numeric_limits<int64_t>::min()},
      {"d.zero", 0.0},
      {"d.negzero", -0.0},
      {"d.nan", std::nan("")},
      {"d.inf", -std::numeric_limits<double>::infinity()},
      {"d.tiny", 5e-324},
      {"s.empty", std::string()},
      {"s.text", std::string("GET /users/{id}")},
      {"s.utf8", std::string("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80")},
      {"s.bad", std::string("a\xff" "b\xc3" "c\xed\xa0\x80" "d\xf4\x90\x80\x80")},
      {"s.long", std::string(300, 'x')},
      {"bytes", Bytes{std::string("\x00\xff\x80", 3)}},
      {"bytes.empty", Bytes{}},
      {"ab", std::vector<bool>{true, false}},
      {"ai", std::vector<int64_t>{0, -5, 1LL << 40}},
      {"ad", std::vector<double>{0.0, -0.0, 1.5}},
      {"as", std::vector<std::string>{"", "x", "bad\xfe"}},
      {"abytes", std::vector<Bytes>{Bytes{}, Bytes{std::string("\x00", 1)}}},
      {"a.empty", std::vector<std::string>{}},
      {"", std::string("empty key")},
      {"k\xc0", int64_t{7}},
  };
}

Resource TestResource() {
  Resource r;
  r.attributes = AllKinds();
  r.schema_url = "https://opentelemetry.io/schemas/1.21.0";
  return r;
}

template <size_t N>
std::array<uint8_t, N> Fill(uint8_t v) {
  std::array<uint8_t, N> a{};
  a.fill(v);
  return a;
}

class WireEquivalenceTest : public ::testing::Test {
 protected:
  InstrumentationScope scope_a_{"app.http", "1.2.3"};
  InstrumentationScope scope_b_{"app.db", ""};
  InstrumentationScope scope_bad_{"\xff", "v\x80"};
};

std::unique_ptr<SpanData> FullSpan(const InstrumentationScope* scope) {
  auto s = std::make_unique<SpanData>();
  s->context.trace_id.bytes = Fill<16>(0xab);
  s->context.span_id.bytes = Fill<8>(0xcd);
  s->context.trace_flags = 1;
  s->context.trace_state = "vendor=abc,other=1";
  s->parent_span_id.bytes = Fill<8>(0x01);
  s->parent_is_remote = true;
  s->scope = scope;
  s->name = "GET /users";
  s->kind = SpanKind::kServer;
  s->start_time_unix_nano = 1700000000123456789ull;
  s->end_time_unix_nano = 1700000000987654321ull;
  s->attributes = AllKinds();
  s->dropped_attributes_count = 3;
  s->events.push_back({"exception", 17, {{"exception.type", std::string("ValueError")}}, 2});
  s->events.push_back({"", 0, {}, 0});
  s->events.push_back({"all", 1, AllKinds(), 0});
  s->dropped_events_count = 200;  // two-byte varint
  SpanLink link;
  link.context.trace_id.bytes = Fill<16>(0x22);
  link.context.span_id.bytes = Fill<8>(0x33);
  link.context.trace_flags = 1;
  link.context.is_remote = true;
  link.context.trace_state = "k=v";
  link.attributes = {{"link.kind", std::string("follows")}};
  link.dropped_attributes_count = 1;
  s->links.push_back(link);
  s->links.push_back(SpanLink{});
  s->dropped_links_count = 4;
  s->status_code = SpanStatusCode::kError;
  s->status_message = "boom \xff";
  return s;
}

TEST_F(WireEquivalenceTest, SpansOfEveryShapeAreByteIdentical) {
  SpanBatch batch;
  batch.push_back(FullSpan(&scope_a_));
  batch.push_back(std::make_unique<SpanData>());  // every field at its default
  batch.push_back(nullptr);                       // skipped
  auto ok = std::make_unique<SpanData>();
  ok->scope = &scope_b_;
  ok->kind = SpanKind::kUnspecified;
  ok->status_code = SpanStatusCode::kOk;
  ok->name = std::string(20000, 'n');  // three-byte length
  batch.push_back(std::move(ok));
  auto message_only = std::make_unique<SpanData>();
  message_only->scope = &scope_bad_;
  message_only->status_message = "unset code, message kept";
  batch.push_back(std::move(message_only));
  batch.push_back(FullSpan(&scope_a_));  // back to the first scope: regrouped
  batch.push_back(FullSpan(nullptr));

  const std::string hand = EncodeTraceRequest(TestResource(), batch);
  EXPECT_EQ(hand, reference::EncodeTraceRequest(TestResource(), batch));
  ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(hand));
  ASSERT_EQ(parsed.resource_spans(0).scope_spans_size(), 4);
  EXPECT_EQ(parsed.resource_spans(0).scope_spans(0).spans_size(), 2);
  EXPECT_EQ(parsed.resource_spans(0).scope_spans(0).spans(0).attributes(14).value().string_value(),
            "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
            "d\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(parsed.SerializeAsString(), hand);  // parse and re-serialize: nothing lost
}

TEST_F(WireEquivalenceTest, EmptyBatchesAndResourcesAreByteIdentical) {
  EXPECT_EQ(EncodeTraceRequest(Resource{}, {}), reference::EncodeTraceRequest(Resource{}, {}));
  EXPECT_EQ(EncodeLogsRequest(Resource{}, {}), reference::EncodeLogsRequest(Resource{}, {}));
  EXPECT_EQ(EncodeMetricsRequest(Resource{}, {}), reference::EncodeMetricsRequest(Resource{}, {}));
  // An empty request still carries its ResourceSpans with an (empty) resource.
  EXPECT_EQ(EncodeTraceRequest(Resource{}, {}), std::string("\x0a\x02\x0a\x00", 4));
}

TEST_F(WireEquivalenceTest, RandomSpanBatchesAreByteIdentical) {
  std::mt19937_64 rng(20261204);
  const auto pick = [&](uint64_t n) { return rng() % n; };
  const std::vector<AttributeValue> values = [] {
    std::vector<AttributeValue> v;
    for (auto& kv : AllKinds()) v.push_back(kv.second);
    return v;
  }();
  InstrumentationScope* scopes[] = {&scope_a_, &scope_b_, &scope_bad_, nullptr};
  for (int round = 0; round < 50; ++round) {
    SpanBatch batch;
    const size_t n = pick(40);
    for (size_t i = 0; i < n; ++i) {
      auto s = std::make_unique<SpanData>();
      for (auto& b : s->context.trace_id.bytes) b = static_cast<uint8_t>(pick(3));
      for (auto& b : s->parent_span_id.bytes) b = static_cast<uint8_t>(pick(2));
      s->context.trace_flags = static_cast<uint8_t>(pick(256));
      s->scope = scopes[pick(4)];
      s->name = std::string(pick(200), 'a' + static_cast<char>(pick(26)));
      s->kind = static_cast<SpanKind>(pick(6));
      s->start_time_unix_nano = pick(2) ? rng() : 0;
      s->end_time_unix_nano = pick(2) ? rng() : 0;
      for (size_t a = pick(12); a > 0; --a) {
        s->attributes.emplace_back("k" + std::to_string(a), values[pick(values.size())]);
      }
      s->dropped_attributes_count = static_cast<uint32_t>(pick(2) ? rng() : 0);
      for (size_t e = pick(3); e > 0; --e) {
        s->events.push_back({"e", rng(), {{"x", values[pick(values.size())]}},
                             static_cast<uint32_t>(pick(3))});
      }
      s->status_code = static_cast<SpanStatusCode>(pick(3));
      if (s->status_code == SpanStatusCode::kError) s->status_message = "m";
      batch.push_back(std::move(s));
    }
    Resource resource;
    resource.attributes = {{"service.name", values[pick(values.size())]}};
    ASSERT_EQ(EncodeTraceRequest(resource, batch), reference::EncodeTraceRequest(resource, batch))
        << "round " << round;
  }
}

TEST_F(WireEquivalenceTest, LogRecordsOfEveryShapeAreByteIdentical) {
  LogBatch batch;
  auto full = std::make_unique<LogRecordData>();
  full->time_unix_nano = 1700000000123456789ull;
  full->observed_time_unix_nano = 1700000000223456789ull;
  full->severity_number = 17;
  full->severity_text = "ERROR";
  full->body = std::string("something failed \xff");
  full->attributes = AllKinds();
  full->dropped_attributes_count = 5;
  full->trace_id.bytes = Fill<16>(0x44);
  full->span_id.bytes = Fill<8>(0x55);
  full->trace_flags = 1;
  full->scope = &scope_a_;
  full->event_name = "app.started";
  batch.push_back(std::move(full));
  batch.push_back(std::make_unique<LogRecordData>());
  batch.push_back(nullptr);
  for (const auto& [key, value] : AllKinds()) {  // a body of every kind
    auto r = std::make_unique<LogRecordData>();
    r->body = value;
    r->scope = &scope_b_;
    r->severity_number = 99;  // out of range: written as unspecified
    batch.push_back(std::move(r));
  }
  auto ids = std::make_unique<LogRecordData>();
  ids->span_id.bytes = Fill<8>(1);  // span id without trace id
  ids->scope = &scope_bad_;
  batch.push_back(std::move(ids));

  const std::string hand = EncodeLogsRequest(TestResource(), batch);
  EXPECT_EQ(hand, reference::EncodeLogsRequest(TestResource(), batch));
  ::opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(hand));
  EXPECT_EQ(parsed.resource_logs(0).scope_logs_size(), 4);
  EXPECT_EQ(parsed.SerializeAsString(), hand);
}

std::vector<ScopeMetrics> AllMetrics() {
  std::vector<ScopeMetrics> out(3);
  out[0].scope = {"app.http", "1.2.3"};
  MetricData sum;
  sum.name = "http.requests";
  sum.description = "requests served";
  sum.unit = "{request}";
  sum.kind = MetricDataKind::kSum;
  sum.temporality = AggregationTemporality::kDelta;
  sum.monotonic = true;
  sum.number_points.push_back({AllKinds(), 100, 200, int64_t{-3}});
  sum.number_points.push_back({{}, 0, 0, int64_t{0}});
  sum.number_points.push_back({{}, 1, 2, 0.0});
  sum.number_points.push_back({{}, 1, 2, -0.0});
  out[0].metrics.push_back(sum);
  MetricData updown = sum;
  updown.monotonic = false;
  updown.temporality = AggregationTemporality::kCumulative;
  out[0].metrics.push_back(updown);
  MetricData unspecified = sum;
  unspecified.temporality = AggregationTemporality::kUnspecified;
  out[0].metrics.push_back(unspecified);
  MetricData gauge;
  gauge.name = "temp";
  gauge.kind = MetricDataKind::kGauge;
  gauge.temporality = AggregationTemporality::kUnspecified;
  gauge.number_points.push_back({{{"room", std::string("a")}}, 0, 300, 21.5});
  gauge.number_points.push_back({{}, 0, 300, std::numeric_limits<double>::quiet_NaN()});
  out[0].metrics.push_back(gauge);
  MetricData empty_gauge;
  empty_gauge.kind = MetricDataKind::kGauge;
  out[0].metrics.push_back(empty_gauge);

  MetricData histogram;
  histogram.name = "latency\xff";
  histogram.unit = "ms";
  histogram.kind = MetricDataKind::kHistogram;
  HistogramPoint h;
  h.attributes = {{"method", std::string("GET")}};
  h.start_time_unix_nano = 50;
  h.time_unix_nano = 400;
  h.count = 3;
  h.sum = 16;
  h.min = -0.0;
  h.max = 10;
  h.bounds = {0, 5, 10};
  h.bucket_counts = {0, 1, 2, 0};
  histogram.histogram_points.push_back(h);
  HistogramPoint zero;  // count 0, sum 0 (still written: optional), no min/max, no buckets
  histogram.histogram_points.push_back(zero);
  HistogramPoint one_bucket;
  one_bucket.bucket_counts = {std::numeric_limits<uint64_t>::max()};
  one_bucket.count = std::numeric_limits<uint64_t>::max();
  histogram.histogram_points.push_back(one_bucket);
  out[1].metrics.push_back(histogram);
  MetricData delta_histogram = histogram;
  delta_histogram.temporality = AggregationTemporality::kDelta;
  out[1].metrics.push_back(delta_histogram);
  // out[2]: a meter without name or instruments.
  return out;
}

TEST_F(WireEquivalenceTest, MetricsOfEveryKindAreByteIdentical) {
  const auto metrics = AllMetrics();
  const std::string hand = EncodeMetricsRequest(TestResource(), metrics);
  EXPECT_EQ(hand, reference::EncodeMetricsRequest(TestResource(), metrics));
  ::opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(hand));
  ASSERT_EQ(parsed.resource_metrics(0).scope_metrics_size(), 3);
  const auto& h = parsed.resource_metrics(0).scope_metrics(1).metrics(0).histogram();
  EXPECT_EQ(h.data_points(0).bucket_counts(2), 2u);
  EXPECT_TRUE(std::signbit(h.data_points(0).min()));
  EXPECT_TRUE(h.data_points(1).has_sum());
  EXPECT_FALSE(h.data_points(1).has_min());
  EXPECT_EQ(parsed.SerializeAsString(), hand);
}

}  // namespace
}  // namespace ptx::encoding
