// What recording a measurement costs the application thread: Counter::Add and
// Histogram::Record with 0, 1 and 5 attributes, from 1 and 8 threads, into a MeterProvider
// with one periodic reader (cumulative), as ptx.init builds it for one MetricSink. The reader's
// interval is an hour, so no collection runs inside a timed loop. The attribute sets are built
// once per thread, outside the loop (the Python layer converts its dict the same way before
// the call; attribute building alone is BM_BuildAttributes). Also the conversion of
// attributes itself, for spans and measurements alike.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fixtures.h"
#include "ptx/sdk/metrics/meter_provider.h"
#include "ptx/sdk/metrics/periodic_exporting_metric_reader.h"

namespace {

// Accepts every collection and forgets it: the figures are the recording path alone.
class NullMetricExporter final : public ptx::MetricExporter {
 public:
  ptx::Status Export(const std::vector<ptx::ScopeMetrics>&, ptx::SteadyClock::time_point) override {
    return ptx::Status::Ok();
  }
};

struct MetricPipeline {
  std::unique_ptr<ptx::MeterProvider> provider;
  ptx::Counter counter;
  ptx::Histogram histogram;

  MetricPipeline() {
    ptx::PeriodicReaderOptions reader;
    reader.export_interval = std::chrono::hours(1);
    std::vector<std::unique_ptr<ptx::MetricReader>> readers;
    readers.push_back(std::make_unique<ptx::PeriodicExportingMetricReader>(
        std::make_unique<NullMetricExporter>(), reader));
    provider = std::make_unique<ptx::MeterProvider>(ptx::MeterProviderOptions{}, std::move(readers));
    ptx::Meter meter = provider->GetMeter("pytracingx.flask", "0.4.0");
    ptx::InstrumentOptions counter_options;
    counter_options.unit = "{request}";
    ptx::InstrumentOptions histogram_options;
    histogram_options.unit = "ms";
    auto c = meter.CreateCounter("http.server.requests", counter_options);
    auto h = meter.CreateHistogram("http.server.request.duration", histogram_options);
    if (c.ok()) counter = *c;
    if (h.ok()) histogram = *h;
  }
};

MetricPipeline& Metrics() {
  static MetricPipeline pipeline;
  return pipeline;
}

// The attribute sets a thread records with: `count` (0, 1 or 5) of the HTTP server
// attributes, with 8 distinct routes so that the instrument holds several series, as in a
// real service; each thread starts at a different route.
std::vector<ptx::Attributes> AttributeSets(size_t count, int thread) {
  static const char* const kRoutes[] = {"/api/orders/{id}", "/api/cart",  "/api/orders",
                                        "/api/users/{id}",  "/api/items", "/api/search",
                                        "/healthz",         "/api/login"};
  std::vector<ptx::Attributes> sets;
  for (int i = 0; i < 8; ++i) {
    ptx::Attributes attrs = ptx::bench::HttpServerAttributes(count);
    for (ptx::KeyValue& kv : attrs) {
      if (kv.first == "http.route") kv.second = std::string(kRoutes[(i + thread) % 8]);
    }
    sets.push_back(std::move(attrs));
  }
  return sets;
}

void BM_CounterAdd(benchmark::State& state) {
  MetricPipeline& m = Metrics();
  const std::vector<ptx::Attributes> sets =
      AttributeSets(static_cast<size_t>(state.range(0)), state.thread_index());
  size_t i = 0;
  for (auto _ : state) {
    ptx::Status st = m.counter.Add(int64_t{1}, sets[i++ & 7]);
    benchmark::DoNotOptimize(st);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_HistogramRecord(benchmark::State& state) {
  MetricPipeline& m = Metrics();
  const std::vector<ptx::Attributes> sets =
      AttributeSets(static_cast<size_t>(state.range(0)), state.thread_index());
  size_t i = 0;
  for (auto _ : state) {
    ptx::Status st = m.histogram.Record(static_cast<double>(i & 1023), sets[i & 7]);
    ++i;
    benchmark::DoNotOptimize(st);
  }
  state.SetItemsProcessed(state.iterations());
}

// Real time: with 8 threads, wall time per measurement across all threads (contention on the
// instrument's shards included); the CPU column is what one measurement costs its thread.
BENCHMARK(BM_CounterAdd)
    ->ArgName("attrs")->Arg(0)->Arg(1)->Arg(5)
    ->Threads(1)->Threads(8)
    ->UseRealTime();
BENCHMARK(BM_HistogramRecord)
    ->ArgName("attrs")->Arg(0)->Arg(1)->Arg(5)
    ->Threads(1)->Threads(8)
    ->UseRealTime();

// Building an attribute list of N HTTP attributes (fresh strings, as converting a Python dict
// produces): the share of a span's or measurement's cost that is attribute conversion.
void BM_BuildAttributes(benchmark::State& state) {
  const size_t count = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    ptx::Attributes attrs = ptx::bench::HttpServerAttributes(count);
    benchmark::DoNotOptimize(attrs);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BuildAttributes)->ArgName("attrs")->Arg(1)->Arg(5)->Arg(10);

}  // namespace
