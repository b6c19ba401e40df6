// OTLP encoding, hand-written wire encoder (libs/encoding) against the generated-protobuf
// reference (tests/encoding/reference): a 512-span batch, 512 log records and a metric
// collection. The two produce the same bytes (tests/encoding/wire_equivalence_test.cc), so
// the figures compare like with like.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fixtures.h"
#include "ptx/encoding/otlp_logs.h"
#include "ptx/encoding/otlp_metrics.h"
#include "ptx/encoding/otlp_trace.h"
#include "reference_encoder.h"

namespace {

// 512 log records as the logging handler makes them: a message body, severity, 4 attributes
// and the ids of the span they were logged in.
const ptx::LogBatch& SampleLogs() {
  static const ptx::LogBatch batch = [] {
    static const ptx::InstrumentationScope scope{"app.orders", ""};
    ptx::LogBatch logs;
    const ptx::SpanBatch& spans = ptx::bench::SampleBatch();
    for (size_t i = 0; i < ptx::bench::kBatchSpans; ++i) {
      auto r = std::make_unique<ptx::LogRecordData>();
      r->time_unix_nano = 1700000000000000000ull + i * 1000;
      r->observed_time_unix_nano = r->time_unix_nano + 500;
      r->severity_number = i % 7 == 0 ? 17 : 9;
      r->severity_text = i % 7 == 0 ? "ERROR" : "INFO";
      r->body = std::string("order ") + std::to_string(100000 + i) + " processed in " +
                std::to_string(i % 97) + " ms";
      r->attributes = ptx::bench::HttpServerAttributes(4);
      r->trace_id = spans[i]->context.trace_id;
      r->span_id = spans[i]->context.span_id;
      r->trace_flags = 1;
      r->scope = &scope;
      logs.push_back(std::move(r));
    }
    return logs;
  }();
  return batch;
}

// 20 instruments (counters, gauges, histograms with the default 15 bounds), 10 attribute
// sets each: 200 points.
const std::vector<ptx::ScopeMetrics>& SampleMetrics() {
  static const std::vector<ptx::ScopeMetrics> metrics = [] {
    std::vector<ptx::ScopeMetrics> out(1);
    out[0].scope = {"app.orders", "1.0.0"};
    const std::vector<double> bounds = {0, 5, 10, 25, 50, 75, 100, 250, 500, 750,
                                        1000, 2500, 5000, 7500, 10000};
    for (int m = 0; m < 20; ++m) {
      ptx::MetricData data;
      data.name = "app.metric." + std::to_string(m);
      data.unit = "ms";
      data.kind = static_cast<ptx::MetricDataKind>(m % 3);
      data.monotonic = data.kind == ptx::MetricDataKind::kSum;
      for (int p = 0; p < 10; ++p) {
        ptx::Attributes attrs = {{"route", "/api/v1/item/" + std::to_string(p)},
                                 {"status", int64_t{200 + p}}};
        if (data.kind == ptx::MetricDataKind::kHistogram) {
          ptx::HistogramPoint h;
          h.attributes = attrs;
          h.start_time_unix_nano = 1;
          h.time_unix_nano = 2;
          h.count = 100;
          h.sum = 1234.5;
          h.min = 0.5;
          h.max = 900;
          h.bounds = bounds;
          h.bucket_counts.assign(bounds.size() + 1, 6);
          data.histogram_points.push_back(h);
        } else {
          data.number_points.push_back({attrs, 1, 2, int64_t{p * 1000}});
        }
      }
      out[0].metrics.push_back(std::move(data));
    }
    return out;
  }();
  return metrics;
}

template <typename Encode>
void RunEncode(benchmark::State& state, Encode encode, size_t items) {
  size_t encoded_size = 0;
  for (auto _ : state) {
    std::string body = encode();
    encoded_size = body.size();
    benchmark::DoNotOptimize(body);
  }
  if (encoded_size == 0) {
    state.SkipWithError("the encoder returned nothing");
    return;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * encoded_size));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * items));
}

void BM_EncodeSpans_HandWritten(benchmark::State& state) {
  const auto& r = ptx::bench::SampleResource();
  const auto& b = ptx::bench::SampleBatch();
  RunEncode(state, [&] { return ptx::encoding::EncodeTraceRequest(r, b); }, b.size());
}
void BM_EncodeSpans_GeneratedProtobuf(benchmark::State& state) {
  const auto& r = ptx::bench::SampleResource();
  const auto& b = ptx::bench::SampleBatch();
  RunEncode(state, [&] { return ptx::encoding::reference::EncodeTraceRequest(r, b); }, b.size());
}
void BM_EncodeLogs_HandWritten(benchmark::State& state) {
  const auto& r = ptx::bench::SampleResource();
  const auto& b = SampleLogs();
  RunEncode(state, [&] { return ptx::encoding::EncodeLogsRequest(r, b); }, b.size());
}
void BM_EncodeLogs_GeneratedProtobuf(benchmark::State& state) {
  const auto& r = ptx::bench::SampleResource();
  const auto& b = SampleLogs();
  RunEncode(state, [&] { return ptx::encoding::reference::EncodeLogsRequest(r, b); }, b.size());
}
void BM_EncodeMetrics_HandWritten(benchmark::State& state) {
  const auto& r = ptx::bench::SampleResource();
  const auto& m = SampleMetrics();
  RunEncode(state, [&] { return ptx::encoding::EncodeMetricsRequest(r, m); }, 200);
}
void BM_EncodeMetrics_GeneratedProtobuf(benchmark::State& state) {
  const auto& r = ptx::bench::SampleResource();
  const auto& m = SampleMetrics();
  RunEncode(state, [&] { return ptx::encoding::reference::EncodeMetricsRequest(r, m); }, 200);
}

BENCHMARK(BM_EncodeSpans_HandWritten);
BENCHMARK(BM_EncodeSpans_GeneratedProtobuf);
BENCHMARK(BM_EncodeLogs_HandWritten);
BENCHMARK(BM_EncodeLogs_GeneratedProtobuf);
BENCHMARK(BM_EncodeMetrics_HandWritten);
BENCHMARK(BM_EncodeMetrics_GeneratedProtobuf);

}  // namespace
