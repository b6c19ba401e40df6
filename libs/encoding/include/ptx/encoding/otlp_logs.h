// OTLP logs encoding: log records to a serialized ExportLogsServiceRequest, the body of both
// OTLP/HTTP (POST /v1/logs) and the OTLP/gRPC LogsService/Export call.
//
//   std::string body = ptx::encoding::EncodeLogsRequest(resource, batch);
//   auto partial = ptx::encoding::DecodeLogsResponse(response_body);  // otlp_response.h
#pragma once

#include <string>

#include "ptx/sdk/logs/log_record_exporter.h"
#include "ptx/sdk/resource.h"

namespace ptx::encoding {

// One ResourceLogs holding `resource`, one ScopeLogs per distinct scope pointer in first-seen
// order (a null scope is the empty scope). Null entries in `records` are skipped. Every
// LogRecord field is written: times, severity number and text, body (absent when the record
// has none), attributes, dropped count, flags (the W3C trace flags), trace and span ids (empty
// when all zero) and event_name. Strings are made valid UTF-8. Returns an empty string only
// when the request would exceed protobuf's 2 GiB limit. Thread-safe (no shared state).
std::string EncodeLogsRequest(const Resource& resource, const LogBatch& records);

}  // namespace ptx::encoding
