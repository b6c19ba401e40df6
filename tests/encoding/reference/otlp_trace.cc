#include "reference_encoder.h"

#include <google/protobuf/arena.h>

#include <unordered_map>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "otlp_common.h"

namespace ptx::encoding::reference {
namespace {

namespace otlp_collector = ::opentelemetry::proto::collector::trace::v1;
namespace otlp_trace = ::opentelemetry::proto::trace::v1;
using internal::AllZero;
using internal::FillKeyValues;
using internal::SetIdBytes;
using internal::SetUtf8;

// Typical batches (512 spans with a few attributes) fit in a few blocks of this size.
constexpr size_t kArenaStartBlock = 64 * 1024;
constexpr size_t kArenaMaxBlock = 1024 * 1024;

uint32_t ContextFlags(uint8_t trace_flags, bool is_remote) {
  return trace_flags | kSpanFlagsHasIsRemote | (is_remote ? kSpanFlagsIsRemote : 0u);
}

void FillSpan(const SpanData& span, otlp_trace::Span* out) {
  SetIdBytes(span.context.trace_id.bytes, out->mutable_trace_id());
  SetIdBytes(span.context.span_id.bytes, out->mutable_span_id());
  if (!span.context.trace_state.empty()) out->set_trace_state(span.context.trace_state);
  if (!AllZero(span.parent_span_id.bytes)) {
    SetIdBytes(span.parent_span_id.bytes, out->mutable_parent_span_id());
  }
  SetUtf8(span.name, out->mutable_name());
  out->set_kind(static_cast<otlp_trace::Span::SpanKind>(span.kind));
  out->set_start_time_unix_nano(span.start_time_unix_nano);
  out->set_end_time_unix_nano(span.end_time_unix_nano);
  FillKeyValues(span.attributes, out->mutable_attributes());
  out->set_dropped_attributes_count(span.dropped_attributes_count);

  out->mutable_events()->Reserve(static_cast<int>(span.events.size()));
  for (const SpanEvent& event : span.events) {
    otlp_trace::Span::Event* e = out->add_events();
    e->set_time_unix_nano(event.time_unix_nano);
    SetUtf8(event.name, e->mutable_name());
    FillKeyValues(event.attributes, e->mutable_attributes());
    e->set_dropped_attributes_count(event.dropped_attributes_count);
  }
  out->set_dropped_events_count(span.dropped_events_count);

  out->mutable_links()->Reserve(static_cast<int>(span.links.size()));
  for (const SpanLink& link : span.links) {
    otlp_trace::Span::Link* l = out->add_links();
    SetIdBytes(link.context.trace_id.bytes, l->mutable_trace_id());
    SetIdBytes(link.context.span_id.bytes, l->mutable_span_id());
    if (!link.context.trace_state.empty()) l->set_trace_state(link.context.trace_state);
    FillKeyValues(link.attributes, l->mutable_attributes());
    l->set_dropped_attributes_count(link.dropped_attributes_count);
    l->set_flags(ContextFlags(link.context.trace_flags, link.context.is_remote));
  }
  out->set_dropped_links_count(span.dropped_links_count);

  if (span.status_code != SpanStatusCode::kUnset || !span.status_message.empty()) {
    otlp_trace::Status* status = out->mutable_status();
    status->set_code(static_cast<otlp_trace::Status::StatusCode>(span.status_code));
    SetUtf8(span.status_message, status->mutable_message());
  }
  // Whether the parent is remote is always known here (false for a root).
  out->set_flags(ContextFlags(span.context.trace_flags, span.parent_is_remote));
}

}  // namespace

std::string EncodeTraceRequest(const Resource& resource, const SpanBatch& spans) {
  google::protobuf::ArenaOptions options;
  options.start_block_size = kArenaStartBlock;
  options.max_block_size = kArenaMaxBlock;
  google::protobuf::Arena arena(options);
  auto* request =
      google::protobuf::Arena::CreateMessage<otlp_collector::ExportTraceServiceRequest>(&arena);

  otlp_trace::ResourceSpans* resource_spans = request->add_resource_spans();
  internal::FillResource(resource, resource_spans->mutable_resource());
  SetUtf8(resource.schema_url, resource_spans->mutable_schema_url());

  std::unordered_map<const InstrumentationScope*, otlp_trace::ScopeSpans*> by_scope;
  const InstrumentationScope* last_scope = nullptr;
  otlp_trace::ScopeSpans* last_scope_spans = nullptr;
  for (const auto& span : spans) {
    if (!span) continue;
    // Batches usually hold long runs of one scope: skip the map lookup for those.
    if (last_scope_spans == nullptr || span->scope != last_scope) {
      otlp_trace::ScopeSpans*& slot = by_scope[span->scope];
      if (slot == nullptr) {
        slot = resource_spans->add_scope_spans();
        internal::FillScope(span->scope, slot->mutable_scope());
      }
      last_scope = span->scope;
      last_scope_spans = slot;
    }
    FillSpan(*span, last_scope_spans->add_spans());
  }

  std::string out;
  if (!request->SerializeToString(&out)) out.clear();
  return out;
}

}  // namespace ptx::encoding::reference
