// Realistic inputs shared by the benchmarks: HTTP-server attributes, a service resource and an
// export batch shaped like what a busy pipeline hands to its exporter.
//
//   ptx::Attributes attrs = ptx::bench::HttpServerAttributes(10);
//   const std::string& body = ptx::bench::EncodedSampleBatch();  // 512 spans, OTLP protobuf
#pragma once

#include <cstddef>
#include <string>

#include "ptx/base/attribute_value.h"
#include "ptx/sdk/exporter.h"
#include "ptx/sdk/resource.h"

namespace ptx::bench {

// Spans per export batch: BatchOptions::max_export_batch's default, so the encode and
// compress figures are those of one real Export call.
inline constexpr size_t kBatchSpans = 512;
inline constexpr size_t kAttributesPerSpan = 10;

// The first `count` (at most 10) of a typical HTTP server span's semantic-convention
// attributes, mixing string, int and bool values. Builds fresh strings on every call, as the
// Python layer does when it converts a dict: that allocation is part of a real span's cost.
Attributes HttpServerAttributes(size_t count);

// service.name=checkout plus the telemetry.sdk.*, host and process attributes BuildResource
// adds and the deployment attributes a production service sets; the environment is ignored so
// that the figures do not depend on the shell the benchmark runs in.
const Resource& SampleResource();

// kBatchSpans finished spans with kAttributesPerSpan attributes each: traces of 8 spans (a
// server root and its client and internal children), varied names, ids, durations and a few
// errors, so the encoder and the compressors see realistic, not repetitive, data. Built once.
const SpanBatch& SampleBatch();

// EncodeTraceRequest(SampleResource(), SampleBatch()), built once: the compressors' input.
const std::string& EncodedSampleBatch();

}  // namespace ptx::bench
