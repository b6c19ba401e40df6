// bench_native: every benchmark registers itself from its own file; run with --help for
// Google Benchmark's flags (--benchmark_filter, --benchmark_min_time, --benchmark_format=json).
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
