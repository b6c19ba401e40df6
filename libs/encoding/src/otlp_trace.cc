#include "ptx/encoding/otlp_trace.h"

#include "otlp_fields.h"

namespace ptx::encoding {
namespace {

using internal::AllZero;
using internal::IdBytes;
using internal::PutKeyValues;

uint32_t ContextFlags(uint8_t trace_flags, bool is_remote) {
  return trace_flags | kSpanFlagsHasIsRemote | (is_remote ? kSpanFlagsIsRemote : 0u);
}

// opentelemetry/proto/trace/v1/trace.proto Span, fields in number order.
template <typename Pass>
void PutSpan(Pass& p, const SpanData& span) {
  p.Bytes(1, IdBytes(span.context.trace_id.bytes));
  p.Bytes(2, IdBytes(span.context.span_id.bytes));
  if (!span.context.trace_state.empty()) p.Utf8(3, span.context.trace_state);
  if (!AllZero(span.parent_span_id.bytes)) p.Bytes(4, IdBytes(span.parent_span_id.bytes));
  if (!span.name.empty()) p.Utf8(5, span.name);
  if (span.kind != SpanKind::kUnspecified) p.Varint(6, static_cast<uint64_t>(span.kind));
  if (span.start_time_unix_nano != 0) p.Fixed64(7, span.start_time_unix_nano);
  if (span.end_time_unix_nano != 0) p.Fixed64(8, span.end_time_unix_nano);
  PutKeyValues(p, 9, span.attributes);
  if (span.dropped_attributes_count != 0) p.Varint(10, span.dropped_attributes_count);
  for (const SpanEvent& event : span.events) {
    p.Message(11, [&] {
      if (event.time_unix_nano != 0) p.Fixed64(1, event.time_unix_nano);
      if (!event.name.empty()) p.Utf8(2, event.name);
      PutKeyValues(p, 3, event.attributes);
      if (event.dropped_attributes_count != 0) p.Varint(4, event.dropped_attributes_count);
    });
  }
  if (span.dropped_events_count != 0) p.Varint(12, span.dropped_events_count);
  for (const SpanLink& link : span.links) {
    p.Message(13, [&] {
      p.Bytes(1, IdBytes(link.context.trace_id.bytes));
      p.Bytes(2, IdBytes(link.context.span_id.bytes));
      if (!link.context.trace_state.empty()) p.Utf8(3, link.context.trace_state);
      PutKeyValues(p, 4, link.attributes);
      if (link.dropped_attributes_count != 0) p.Varint(5, link.dropped_attributes_count);
      p.Fixed32(6, ContextFlags(link.context.trace_flags, link.context.is_remote));
    });
  }
  if (span.dropped_links_count != 0) p.Varint(14, span.dropped_links_count);
  if (span.status_code != SpanStatusCode::kUnset || !span.status_message.empty()) {
    p.Message(15, [&] {  // Status: message = 2, code = 3
      if (!span.status_message.empty()) p.Utf8(2, span.status_message);
      if (span.status_code != SpanStatusCode::kUnset) {
        p.Varint(3, static_cast<uint64_t>(span.status_code));
      }
    });
  }
  // Whether the parent is remote is always known here (false for a root).
  p.Fixed32(16, ContextFlags(span.context.trace_flags, span.parent_is_remote));
}

}  // namespace

std::string EncodeTraceRequest(const Resource& resource, const SpanBatch& spans) {
  const auto groups = internal::GroupByScope<SpanData>(spans);
  return internal::EncodeTwoPass([&](auto& p) {
    p.Message(1, [&] {  // ExportTraceServiceRequest.resource_spans
      p.Message(1, [&] { internal::PutResource(p, resource); });
      for (const auto& group : groups) {
        const auto& scope = group.first;
        const auto& members = group.second;
        p.Message(2, [&] {  // ScopeSpans: scope = 1, spans = 2
          p.Message(1, [&] { internal::PutScope(p, scope); });
          for (const SpanData* span : members) p.Message(2, [&] { PutSpan(p, *span); });
        });
      }
      if (!resource.schema_url.empty()) p.Utf8(3, resource.schema_url);
    });
  });
}

}  // namespace ptx::encoding
