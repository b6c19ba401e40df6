// The span path an application thread pays for: StartSpan, attributes, End and the push into
// the batch processor's queue. Encoding and sending happen on the export worker and are
// measured separately (export_path_bench.cc).
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

#include "fixtures.h"
#include "ptx/sampling/sampler.h"
#include "ptx/sdk/batch_span_processor.h"
#include "ptx/sdk/scope_registry.h"
#include "ptx/sdk/tracer.h"

namespace {

// Accepts every batch and only counts it, so that the figures are the SDK's alone, with no
// encoding or I/O competing for the two cores a CI machine has.
class CountingExporter final : public ptx::SpanExporter {
 public:
  explicit CountingExporter(std::shared_ptr<std::atomic<uint64_t>> exported)
      : exported_(std::move(exported)) {}

  ptx::Status Export(const ptx::SpanBatch& batch, ptx::SteadyClock::time_point) override {
    exported_->fetch_add(batch.size(), std::memory_order_relaxed);
    return ptx::Status::Ok();
  }

 private:
  std::shared_ptr<std::atomic<uint64_t>> exported_;  // shared: the processor owns us
};

// The queue holds many flush intervals' worth of spans for every thread (8 threads x
// kFlushEvery is half of it), so no span is ever dropped: a drop would time the cheap
// rejection path instead of the real one.
constexpr size_t kQueueSpans = size_t{1} << 16;
constexpr int kFlushEvery = 4096;

// One console-less tracer with one pipeline, as pytracingx builds it for a single sink:
// always_on sampler, batch processor, exporter. Created once and shared by every span
// benchmark and thread, as an application shares its tracer.
struct SpanPipeline {
  std::shared_ptr<std::atomic<uint64_t>> exported = std::make_shared<std::atomic<uint64_t>>(0);
  std::unique_ptr<ptx::Tracer> tracer;
  const ptx::InstrumentationScope* scope = ptx::ScopeRegistry::Intern("pytracingx.flask", "0.4.0");

  SpanPipeline() {
    ptx::BatchOptions batch;
    batch.max_queue = kQueueSpans;
    batch.max_export_batch = ptx::bench::kBatchSpans;
    ptx::TracerOptions options;
    options.resource = ptx::bench::SampleResource();
    options.pipelines.push_back(
        {std::make_unique<ptx::AlwaysOnSampler>(),
         std::make_unique<ptx::BatchSpanProcessor>(std::make_unique<CountingExporter>(exported),
                                                   std::move(batch))});
    auto created = ptx::Tracer::Create(std::move(options));
    if (created.ok()) tracer = std::move(created).value();
  }

  void Flush() { tracer->ForceFlush(ptx::SteadyClock::now() + std::chrono::seconds(30)); }
};

SpanPipeline& Pipeline() {
  static SpanPipeline pipeline;
  return pipeline;
}

// state.range(0) attributes on each span; with_parent makes every span the child of a local
// server span (the common case inside a request handler), otherwise each starts a new trace.
void RunSpans(benchmark::State& state, bool with_parent) {
  SpanPipeline& p = Pipeline();
  if (!p.tracer) {
    state.SkipWithError("Tracer::Create failed");
    return;
  }
  const size_t attribute_count = static_cast<size_t>(state.range(0));
  uint64_t dropped_before = 0;
  if (state.thread_index() == 0) dropped_before = p.tracer->Stats().dropped;

  ptx::LiveSpan parent;
  if (with_parent) {
    ptx::StartSpanOptions options;
    options.name = "GET /api/orders/{id}";
    options.kind = ptx::SpanKind::kServer;
    options.scope = p.scope;
    parent = p.tracer->StartSpan(std::move(options));
  }

  int since_flush = 0;
  for (auto _ : state) {
    ptx::StartSpanOptions options;
    options.name = with_parent ? "GET inventory/items" : "GET /api/orders/{id}";
    options.kind = with_parent ? ptx::SpanKind::kClient : ptx::SpanKind::kServer;
    options.scope = p.scope;
    if (with_parent) options.parent = parent.context();
    options.attributes = ptx::bench::HttpServerAttributes(attribute_count);
    ptx::LiveSpan span = p.tracer->StartSpan(std::move(options));
    benchmark::DoNotOptimize(span.context());
    span.End();
    if (++since_flush == kFlushEvery) {
      // Keeps the queue far from full whatever the worker's pace; not part of the span cost.
      state.PauseTiming();
      p.Flush();
      state.ResumeTiming();
      since_flush = 0;
    }
  }
  parent.End();
  state.SetItemsProcessed(state.iterations());

  // Every thread has left the loop here (Google Benchmark synchronises them at its end).
  if (state.thread_index() == 0) {
    const uint64_t dropped = p.tracer->Stats().dropped - dropped_before;
    if (dropped != 0) state.SkipWithError("spans were dropped: the figures are not valid");
  }
}

void BM_RootSpan(benchmark::State& state) { RunSpans(state, /*with_parent=*/false); }
void BM_ChildSpan(benchmark::State& state) { RunSpans(state, /*with_parent=*/true); }

// Real time, so that with 8 threads the figure is wall time per span across all threads
// (the inverse of throughput, contention included); the CPU column is per-thread cost.
BENCHMARK(BM_RootSpan)
    ->ArgName("attrs")->Arg(0)->Arg(1)->Arg(10)
    ->Threads(1)->Threads(8)
    ->UseRealTime();
BENCHMARK(BM_ChildSpan)
    ->ArgName("attrs")->Arg(0)->Arg(1)->Arg(10)
    ->Threads(1)->Threads(8)
    ->UseRealTime();

}  // namespace
