// The native log record: everything one log event carries to log exporters, the limits applied
// to it, and the OpenTelemetry severity scale.
//
//   auto rec = std::make_unique<ptx::LogRecordData>();
//   rec->severity_number = 9; rec->severity_text = "INFO"; rec->body = std::string("charged");
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ptx/base/attribute_value.h"
#include "ptx/context/span_context.h"
#include "ptx/sdk/span_data.h"

namespace ptx {

// OpenTelemetry SeverityNumber ranges (each spans four numbers, e.g. INFO..INFO4 = 9..12).
inline constexpr uint8_t kSeverityUnspecified = 0;
inline constexpr uint8_t kSeverityTrace = 1;
inline constexpr uint8_t kSeverityDebug = 5;
inline constexpr uint8_t kSeverityInfo = 9;
inline constexpr uint8_t kSeverityWarn = 13;
inline constexpr uint8_t kSeverityError = 17;
inline constexpr uint8_t kSeverityFatal = 21;
inline constexpr uint8_t kSeverityMax = 24;

// "TRACE", "TRACE2", ... "FATAL4" for 1..24; "" for 0 and anything above 24.
const char* SeverityName(uint8_t severity_number);
// The range's short name ("INFO" for 9..12, "WARN" for 13..16, ...); "" for 0 and > 24.
const char* SeverityRangeName(uint8_t severity_number);

// Owned by exactly one party at a time: the emitter, then a processor queue, then an
// exporter's batch. Thread-compatible plain data.
struct LogRecordData {
  uint64_t time_unix_nano = 0;           // when the event happened; 0 = unknown
  uint64_t observed_time_unix_nano = 0;  // when the SDK saw it; LogEmitter stamps it if 0
  uint8_t severity_number = kSeverityUnspecified;  // 1..24, 0 = unspecified
  std::string severity_text;             // as the source logged it ("WARNING", "info", ...)
  std::optional<AttributeValue> body;    // usually a string; absent = no body
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
  TraceId trace_id;   // all zero when not inside a span
  SpanId span_id;     // all zero when not inside a span
  uint8_t trace_flags = 0;
  const InstrumentationScope* scope = nullptr;  // the logger (ScopeRegistry); may be null
  std::string event_name;  // set for events (OTLP LogRecord.event_name); empty otherwise
};

// Value type. Defaults are the OpenTelemetry SDK's.
struct LogLimits {
  size_t max_attributes = 128;                   // attributes per record; more are dropped
  size_t max_attribute_value_length = SIZE_MAX;  // UTF-8 characters per string value
};

// `defaults` with OTEL_ATTRIBUTE_COUNT_LIMIT, OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT, then the
// specific OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT and OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT
// applied; unset, empty, negative or non-numeric values are ignored.
LogLimits LogLimitsFromEnv(LogLimits defaults);

// Enforces `limits` on a record built by hand: duplicate keys keep the last value in the
// first position; entries beyond max_attributes are removed and added to
// dropped_attributes_count; entries with an empty key are removed (not counted, as for spans);
// string values (the body too) are truncated.
void ApplyLogLimits(LogRecordData& record, const LogLimits& limits);

}  // namespace ptx
