// The export worker's CPU work per batch: OTLP protobuf encoding of 512 spans, then
// compression (what Export does before the network) and decompression (what a collector, or
// ptx-emulator, does on receipt).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "fixtures.h"
#include "ptx/compression/codec.h"
#include "ptx/encoding/otlp_trace.h"

namespace {

using ptx::compression::Codec;

void BM_EncodeTraceRequest(benchmark::State& state) {
  const ptx::Resource& resource = ptx::bench::SampleResource();
  const ptx::SpanBatch& batch = ptx::bench::SampleBatch();
  size_t encoded_size = 0;
  for (auto _ : state) {
    std::string body = ptx::encoding::EncodeTraceRequest(resource, batch);
    encoded_size = body.size();
    benchmark::DoNotOptimize(body);
  }
  if (encoded_size == 0) {
    state.SkipWithError("EncodeTraceRequest returned nothing");
    return;
  }
  // Bytes are those written: the protobuf body Export hands to the transport.
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * encoded_size));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
  state.counters["body_bytes"] = static_cast<double>(encoded_size);
}
BENCHMARK(BM_EncodeTraceRequest);

void BM_Compress(benchmark::State& state, Codec codec, int level) {
  const std::string& raw = ptx::bench::EncodedSampleBatch();
  size_t packed_size = 0;
  for (auto _ : state) {
    ptx::Result<std::string> packed = ptx::compression::Compress(codec, raw, level);
    if (!packed.ok()) {
      state.SkipWithError(packed.status().ToString().c_str());
      break;
    }
    packed_size = packed->size();
    benchmark::DoNotOptimize(*packed);
  }
  // Bytes are the uncompressed input, so that codecs compare on the same scale.
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * raw.size()));
  state.counters["ratio"] = raw.empty() ? 0.0 : static_cast<double>(packed_size) / raw.size();
}
BENCHMARK_CAPTURE(BM_Compress, gzip, Codec::kGzip, ptx::compression::kDefaultLevel);
BENCHMARK_CAPTURE(BM_Compress, gzip_level1, Codec::kGzip, 1);
BENCHMARK_CAPTURE(BM_Compress, gzip_level6, Codec::kGzip, 6);
BENCHMARK_CAPTURE(BM_Compress, lz4, Codec::kLz4, ptx::compression::kDefaultLevel);
BENCHMARK_CAPTURE(BM_Compress, zstd, Codec::kZstd, ptx::compression::kDefaultLevel);
BENCHMARK_CAPTURE(BM_Compress, zstd_level1, Codec::kZstd, 1);

void BM_Decompress(benchmark::State& state, Codec codec) {
  const std::string& raw = ptx::bench::EncodedSampleBatch();
  const ptx::Result<std::string> packed = ptx::compression::Compress(codec, raw);
  if (!packed.ok()) {
    state.SkipWithError(packed.status().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    // The exact bound is what lz4 requires and what a receiver that knows the size would pass.
    ptx::Result<std::string> body =
        ptx::compression::Decompress(codec, *packed, raw.size(), raw.size());
    if (!body.ok() || body->size() != raw.size()) {
      state.SkipWithError(body.ok() ? "decompressed size differs" : body.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(*body);
  }
  // Bytes are the decompressed output, the same scale as Compress.
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * raw.size()));
}
BENCHMARK_CAPTURE(BM_Decompress, gzip, Codec::kGzip);
BENCHMARK_CAPTURE(BM_Decompress, lz4, Codec::kLz4);
BENCHMARK_CAPTURE(BM_Decompress, zstd, Codec::kZstd);

}  // namespace
