// The native span record: everything a finished span carries to exporters.
//
//   auto span = std::make_unique<ptx::SpanData>();
//   span->name = "GET /users"; span->kind = ptx::SpanKind::kServer;
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ptx/base/attribute_value.h"
#include "ptx/context/span_context.h"

namespace ptx {

// Values equal OTLP's SpanKind numbers.
enum class SpanKind : uint8_t {
  kUnspecified = 0,
  kInternal = 1,
  kServer = 2,
  kClient = 3,
  kProducer = 4,
  kConsumer = 5,
};

// Values equal OTLP's Status.StatusCode numbers.
enum class SpanStatusCode : uint8_t { kUnset = 0, kOk = 1, kError = 2 };

// Interned for the life of the process (see ScopeRegistry); spans point at it.
struct InstrumentationScope {
  std::string name;
  std::string version;
};

struct SpanEvent {
  std::string name;
  uint64_t time_unix_nano = 0;
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
};

struct SpanLink {
  SpanContext context;
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
};

// Owned by exactly one party at a time: the live span, then the processor queue, then the
// exporter's batch. Thread-compatible.
struct SpanData {
  SpanContext context;          // this span's ids, flags and trace state
  SpanId parent_span_id;        // all zero for a root span
  bool parent_is_remote = false;
  const InstrumentationScope* scope = nullptr;
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  uint64_t start_time_unix_nano = 0;
  uint64_t end_time_unix_nano = 0;
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
  std::vector<SpanEvent> events;
  uint32_t dropped_events_count = 0;
  std::vector<SpanLink> links;
  uint32_t dropped_links_count = 0;
  SpanStatusCode status_code = SpanStatusCode::kUnset;
  std::string status_message;  // kept only with kError
};

}  // namespace ptx
