#include "sls_otlp.h"

#include <nlohmann/json.hpp>

#include "any_value.h"
#include "ptx/base/hex.h"

namespace ptx::emulator {
namespace {

using nlohmann::json;

constexpr uint64_t kNanosPerSecond = 1'000'000'000;

std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

const char* SpanKindText(int kind) {
  switch (kind) {
    case otlp_trace::Span::SPAN_KIND_INTERNAL:
      return "internal";
    case otlp_trace::Span::SPAN_KIND_SERVER:
      return "server";
    case otlp_trace::Span::SPAN_KIND_CLIENT:
      return "client";
    case otlp_trace::Span::SPAN_KIND_PRODUCER:
      return "producer";
    case otlp_trace::Span::SPAN_KIND_CONSUMER:
      return "consumer";
    default:
      return "unspecified";
  }
}

const char* StatusText(int code) {
  switch (code) {
    case otlp_trace::Status::STATUS_CODE_OK:
      return "OK";
    case otlp_trace::Status::STATUS_CODE_ERROR:
      return "ERROR";
    default:
      return "UNSET";
  }
}

encoding::SlsLog MakeLog(uint64_t unix_nano) {
  encoding::SlsLog log;
  log.time = static_cast<uint32_t>(unix_nano / kNanosPerSecond);
  log.time_ns = static_cast<uint32_t>(unix_nano % kNanosPerSecond);
  return log;
}

void Add(encoding::SlsLog& log, std::string key, std::string value) {
  log.contents.push_back({std::move(key), std::move(value)});
}

// The contents every signal shares: resource (JSON), service, host and the scope.
void AddCommon(encoding::SlsLog& log, const ResourceInfo* resource, const ScopeInfo* scope) {
  json attributes = json::object();
  std::string host;
  if (resource) {
    attributes = AttributesToPlainJson(resource->resource.attributes());
    host = FindStringAttribute(resource->resource.attributes(), "host.name");
  }
  Add(log, "resource", Dump(attributes));
  Add(log, "service", resource ? resource->service_name : "");
  Add(log, "host", host);
  Add(log, "otlp.name", scope ? scope->scope.name() : "");
  Add(log, "otlp.version", scope ? scope->scope.version() : "");
}

}  // namespace

std::string TraceInstanceLogStore(const std::string& instance, Signal signal) {
  return instance + "-" + SignalName(signal);
}

encoding::SlsLogGroup SpansToSlsLogGroup(const std::vector<SpanRecord>& spans) {
  encoding::SlsLogGroup group;
  group.logs.reserve(spans.size());
  for (const SpanRecord& record : spans) {
    const otlp_trace::Span& span = record.span;
    uint64_t start = span.start_time_unix_nano();
    uint64_t end = span.end_time_unix_nano();
    encoding::SlsLog log = MakeLog(start);
    Add(log, "traceID", HexEncode(span.trace_id()));
    Add(log, "spanID", HexEncode(span.span_id()));
    Add(log, "parentSpanID", HexEncode(span.parent_span_id()));
    Add(log, "traceState", span.trace_state());
    Add(log, "name", span.name());
    Add(log, "kind", SpanKindText(span.kind()));
    // Microseconds, as SLS trace instances store them.
    Add(log, "start", std::to_string(start / 1000));
    Add(log, "end", std::to_string(end / 1000));
    Add(log, "duration", std::to_string(end > start ? (end - start) / 1000 : 0));
    Add(log, "statusCode", StatusText(span.status().code()));
    Add(log, "statusMessage", span.status().message());
    Add(log, "attribute", Dump(AttributesToPlainJson(span.attributes())));
    json events = json::array();
    for (const auto& event : span.events()) {
      events.push_back({{"name", event.name()},
                        {"time", std::to_string(event.time_unix_nano() / 1000)},
                        {"attribute", AttributesToPlainJson(event.attributes())}});
    }
    Add(log, "logs", Dump(events));
    json links = json::array();
    for (const auto& link : span.links()) {
      links.push_back({{"traceID", HexEncode(link.trace_id())},
                       {"spanID", HexEncode(link.span_id())},
                       {"traceState", link.trace_state()},
                       {"attribute", AttributesToPlainJson(link.attributes())}});
    }
    Add(log, "links", Dump(links));
    AddCommon(log, record.resource.get(), record.scope.get());
    group.logs.push_back(std::move(log));
  }
  return group;
}

encoding::SlsLogGroup LogsToSlsLogGroup(const std::vector<LogRecordEntry>& records,
                                        uint64_t now_unix_nano) {
  encoding::SlsLogGroup group;
  group.logs.reserve(records.size());
  for (const LogRecordEntry& entry : records) {
    const otlp_logs::LogRecord& record = entry.record;
    uint64_t time = LogTime(record);
    encoding::SlsLog log = MakeLog(time != 0 ? time : now_unix_nano);
    Add(log, "timeUnixNano", std::to_string(record.time_unix_nano()));
    Add(log, "observedTimeUnixNano", std::to_string(record.observed_time_unix_nano()));
    Add(log, "severityNumber", std::to_string(static_cast<int>(record.severity_number())));
    Add(log, "severityText", record.severity_text());
    Add(log, "content", AnyValueToText(record.body()));
    Add(log, "attribute", Dump(AttributesToPlainJson(record.attributes())));
    Add(log, "traceID", HexEncode(record.trace_id()));
    Add(log, "spanID", HexEncode(record.span_id()));
    Add(log, "flags", std::to_string(record.flags()));
    Add(log, "eventName", record.event_name());
    AddCommon(log, entry.resource.get(), entry.scope.get());
    group.logs.push_back(std::move(log));
  }
  return group;
}

}  // namespace ptx::emulator
