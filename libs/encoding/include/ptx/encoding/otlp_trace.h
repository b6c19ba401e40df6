// OTLP trace encoding: span records to a serialized ExportTraceServiceRequest, the body of
// both OTLP/HTTP (application/x-protobuf) and the OTLP/gRPC TraceService/Export call.
//
//   std::string body = ptx::encoding::EncodeTraceRequest(resource, batch);
//   auto packed = ptx::compression::Compress(ptx::compression::Codec::kGzip, body);
#pragma once

#include <cstdint>
#include <string>

#include "ptx/sdk/exporter.h"
#include "ptx/sdk/resource.h"

namespace ptx::encoding {

// Bits of OTLP Span.flags / Span.Link.flags above the W3C trace flags.
inline constexpr uint32_t kSpanFlagsHasIsRemote = 0x100;  // the is_remote bit below is meaningful
inline constexpr uint32_t kSpanFlagsIsRemote = 0x200;     // parent (or linked) context is remote

// One ResourceSpans holding `resource`, with one ScopeSpans per distinct scope pointer in
// first-seen order (a null scope is the empty scope). Null entries in `spans` are skipped.
// Span.flags = trace flags | kSpanFlagsHasIsRemote | (parent_is_remote ? kSpanFlagsIsRemote : 0);
// links carry the same bits from their own context. Returns an empty string only when the
// request would exceed protobuf's 2 GiB message limit. Thread-safe (no shared state).
std::string EncodeTraceRequest(const Resource& resource, const SpanBatch& spans);

}  // namespace ptx::encoding
