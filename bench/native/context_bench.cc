// The context layer: id generation and W3C propagation, the per-request work a service does
// before and around its spans.
#include <benchmark/benchmark.h>

#include <optional>
#include <string>

#include "ptx/context/id_generator.h"
#include "ptx/context/propagators.h"
#include "ptx/context/trace_context.h"

namespace {

constexpr const char* kTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

void BM_NewTraceId(benchmark::State& state) {
  for (auto _ : state) {
    ptx::TraceId id = ptx::NewTraceId();
    benchmark::DoNotOptimize(id);
  }
}
BENCHMARK(BM_NewTraceId);

void BM_NewSpanId(benchmark::State& state) {
  for (auto _ : state) {
    ptx::SpanId id = ptx::NewSpanId();
    benchmark::DoNotOptimize(id);
  }
}
BENCHMARK(BM_NewSpanId);

void BM_ParseTraceparent(benchmark::State& state) {
  const std::string header = kTraceparent;
  for (auto _ : state) {
    std::optional<ptx::SpanContext> context = ptx::ParseTraceparent(header);
    benchmark::DoNotOptimize(context);
  }
  if (!ptx::ParseTraceparent(header)) state.SkipWithError("the traceparent did not parse");
}
BENCHMARK(BM_ParseTraceparent);

void BM_FormatTraceparent(benchmark::State& state) {
  const std::optional<ptx::SpanContext> context = ptx::ParseTraceparent(kTraceparent);
  if (!context) {
    state.SkipWithError("the traceparent did not parse");
    return;
  }
  for (auto _ : state) {
    std::string header = ptx::FormatTraceparent(*context);
    benchmark::DoNotOptimize(header);
  }
}
BENCHMARK(BM_FormatTraceparent);

// What a server does on every incoming request with the default OTEL_PROPAGATORS
// (tracecontext,baggage): find traceparent, tracestate and baggage among the request's headers
// (names in the case clients send them) and validate them.
void BM_ExtractW3cHeaders(benchmark::State& state) {
  const ptx::Propagators propagators = ptx::Propagators::Default();
  const ptx::Headers headers = {
      {"Host", "shop.example.com"},
      {"User-Agent", "python-requests/2.31.0"},
      {"Accept", "application/json"},
      {"Accept-Encoding", "gzip, deflate"},
      {"Content-Type", "application/json"},
      {"Content-Length", "187"},
      {"X-Request-Id", "9f3c1e0a-6b1d-4c55-9a2e-3d5b8f1c7e42"},
      {"traceparent", kTraceparent},
      {"tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"},
      {"baggage", "userId=alice,isProduction=false,tenant=shop-eu"},
  };
  for (auto _ : state) {
    ptx::ExtractResult result = propagators.Extract(headers);
    benchmark::DoNotOptimize(result);
  }
  if (!propagators.Extract(headers).context) state.SkipWithError("no context extracted");
}
BENCHMARK(BM_ExtractW3cHeaders);

}  // namespace
