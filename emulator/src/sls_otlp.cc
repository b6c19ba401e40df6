#include "sls_otlp.h"

#include <map>
#include <type_traits>

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

std::string OptionalDouble(bool present, double value) {
  return present ? DoubleToText(value) : std::string();
}

json CountsJson(const google::protobuf::RepeatedField<uint64_t>& counts) {
  json out = json::array();
  for (uint64_t count : counts) out.push_back(count);
  return out;
}

json BucketsJson(const otlp_metrics::ExponentialHistogramDataPoint::Buckets& buckets) {
  return {{"offset", buckets.offset()}, {"bucketCounts", CountsJson(buckets.bucket_counts())}};
}

// __value__ and the fields only some point types have.
void AddPointFields(encoding::SlsLog& log, const MetricPointData& data) {
  if (const auto* p = std::get_if<otlp_metrics::NumberDataPoint>(&data)) {
    std::string value;
    if (p->value_case() == otlp_metrics::NumberDataPoint::kAsInt) {
      value = std::to_string(p->as_int());
    } else if (p->value_case() == otlp_metrics::NumberDataPoint::kAsDouble) {
      value = DoubleToText(p->as_double());
    }
    Add(log, "__value__", value);
  } else if (const auto* p = std::get_if<otlp_metrics::HistogramDataPoint>(&data)) {
    Add(log, "__value__", OptionalDouble(p->has_sum(), p->sum()));
    Add(log, "count", std::to_string(p->count()));
    Add(log, "sum", OptionalDouble(p->has_sum(), p->sum()));
    Add(log, "min", OptionalDouble(p->has_min(), p->min()));
    Add(log, "max", OptionalDouble(p->has_max(), p->max()));
    Add(log, "bucketCounts", Dump(CountsJson(p->bucket_counts())));
    json bounds = json::array();
    for (double bound : p->explicit_bounds()) bounds.push_back(DoubleToJson(bound));
    Add(log, "explicitBounds", Dump(bounds));
  } else if (const auto* p = std::get_if<otlp_metrics::ExponentialHistogramDataPoint>(&data)) {
    Add(log, "__value__", OptionalDouble(p->has_sum(), p->sum()));
    Add(log, "count", std::to_string(p->count()));
    Add(log, "sum", OptionalDouble(p->has_sum(), p->sum()));
    Add(log, "min", OptionalDouble(p->has_min(), p->min()));
    Add(log, "max", OptionalDouble(p->has_max(), p->max()));
    Add(log, "scale", std::to_string(p->scale()));
    Add(log, "zeroCount", std::to_string(p->zero_count()));
    Add(log, "zeroThreshold", DoubleToText(p->zero_threshold()));
    Add(log, "positive", Dump(BucketsJson(p->positive())));
    Add(log, "negative", Dump(BucketsJson(p->negative())));
  } else if (const auto* p = std::get_if<otlp_metrics::SummaryDataPoint>(&data)) {
    Add(log, "__value__", DoubleToText(p->sum()));
    Add(log, "count", std::to_string(p->count()));
    Add(log, "sum", DoubleToText(p->sum()));
    json quantiles = json::array();
    for (const auto& q : p->quantile_values()) {
      quantiles.push_back(
          {{"quantile", DoubleToJson(q.quantile())}, {"value", DoubleToJson(q.value())}});
    }
    Add(log, "quantileValues", Dump(quantiles));
  }
}

}  // namespace

std::string SlsMetricLabels(
    const google::protobuf::RepeatedPtrField<otlp_common::KeyValue>& attributes) {
  std::map<std::string, std::string> sorted;
  for (const auto& kv : attributes) sorted[kv.key()] = AnyValueToText(kv.value());
  std::string out;
  for (const auto& [key, value] : sorted) {
    if (!out.empty()) out += '|';
    out += key;
    out += "#$#";
    out += value;
  }
  return out;
}

encoding::SlsLogGroup MetricsToSlsLogGroup(const std::vector<MetricPoint>& points,
                                           uint64_t now_unix_nano) {
  encoding::SlsLogGroup group;
  group.logs.reserve(points.size());
  for (const MetricPoint& point : points) {
    const MetricInfo& metric = *point.metric;
    uint64_t time = PointTime(point.data);
    uint64_t start = PointStartTime(point.data);
    encoding::SlsLog log = MakeLog(time != 0 ? time : start != 0 ? start : now_unix_nano);
    Add(log, "__name__", metric.name);
    Add(log, "__labels__", SlsMetricLabels(PointAttributes(point.data)));
    Add(log, "__time_nano__", std::to_string(time));
    AddPointFields(log, point.data);
    Add(log, "type", MetricTypeName(metric.type));
    Add(log, "temporality", TemporalityName(metric.temporality));
    Add(log, "monotonic", metric.monotonic ? "true" : "false");
    Add(log, "description", metric.description);
    Add(log, "unit", metric.unit);
    Add(log, "startTimeUnixNano", std::to_string(start));
    Add(log, "flags", std::to_string(std::visit([](const auto& p) { return p.flags(); },
                                                point.data)));
    AddCommon(log, metric.resource.get(), metric.scope.get());
    group.logs.push_back(std::move(log));
  }
  return group;
}

std::string TraceInstanceLogStore(const std::string& instance, Signal signal) {
  return instance + "-" + SignalName(signal);
}

encoding::SlsLogGroup SpansToSlsLogGroup(const std::vector<SpanRecord>& spans) {
  encoding::SlsLogGroup group;
  group.logs.reserve(spans.size());
  for (const SpanRecord& record : spans) {
    const otlp_trace::Span& span = record.span();
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
    const otlp_logs::LogRecord& record = entry.record();
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
