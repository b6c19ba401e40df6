#include "ingest.h"

#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "any_value.h"
#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otlp_json.h"
#include "ptx/base/clock.h"
#include "sls_otlp.h"

namespace ptx::emulator {
namespace {

namespace collector_trace = ::opentelemetry::proto::collector::trace::v1;
namespace collector_metrics = ::opentelemetry::proto::collector::metrics::v1;
namespace collector_logs = ::opentelemetry::proto::collector::logs::v1;
namespace otlp_metrics = ::opentelemetry::proto::metrics::v1;

constexpr size_t kTraceIdSize = 16;
constexpr size_t kSpanIdSize = 8;

bool IsValidId(const std::string& id, size_t size) {
  return id.size() == size && id.find_first_not_of('\0') != std::string::npos;
}

// Why a span cannot be stored, or nullptr. Ids are what every query keys on, so a span with
// a malformed id is refused (partial success) instead of being stored unreachable.
const char* SpanDefect(const otlp_trace::Span& span) {
  if (!IsValidId(span.trace_id(), kTraceIdSize)) return "trace_id must be 16 non-zero bytes";
  if (!IsValidId(span.span_id(), kSpanIdSize)) return "span_id must be 8 non-zero bytes";
  if (!span.parent_span_id().empty() && span.parent_span_id().size() != kSpanIdSize) {
    return "parent_span_id must be empty or 8 bytes";
  }
  return nullptr;
}

template <typename Message>
Status Decode(PayloadFormat format, std::string_view payload, Message* out) {
  if (format == PayloadFormat::kJson) return OtlpJsonToMessage(payload, out);
  if (!out->ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return InvalidArgumentError("payload is not a valid protobuf " +
                                std::string(Message::descriptor()->name()));
  }
  return Status::Ok();
}

// The points of one Metric message, moved out of it, sharing one MetricInfo.
void AppendPoints(otlp_metrics::Metric& m, std::shared_ptr<const ResourceInfo> resource,
                  std::shared_ptr<const ScopeInfo> scope, std::shared_ptr<const Origin> origin,
                  std::vector<MetricPoint>* out) {
  auto info = std::make_shared<MetricInfo>();
  info->name = m.name();
  info->description = m.description();
  info->unit = m.unit();
  info->resource = std::move(resource);
  info->scope = std::move(scope);
  info->origin = std::move(origin);
  auto move_points = [&](auto* points) {
    std::shared_ptr<const MetricInfo> shared = info;
    for (auto& point : *points) {
      std::remove_reference_t<decltype(point)> moved;
      moved.Swap(&point);
      out->push_back(MakeMetricPoint(shared, std::move(moved)));
    }
  };
  switch (m.data_case()) {
    case otlp_metrics::Metric::kGauge:
      info->type = MetricType::kGauge;
      move_points(m.mutable_gauge()->mutable_data_points());
      break;
    case otlp_metrics::Metric::kSum:
      info->type = MetricType::kSum;
      info->temporality = TemporalityFromProto(m.sum().aggregation_temporality());
      info->monotonic = m.sum().is_monotonic();
      move_points(m.mutable_sum()->mutable_data_points());
      break;
    case otlp_metrics::Metric::kHistogram:
      info->type = MetricType::kHistogram;
      info->temporality = TemporalityFromProto(m.histogram().aggregation_temporality());
      move_points(m.mutable_histogram()->mutable_data_points());
      break;
    case otlp_metrics::Metric::kExponentialHistogram:
      info->type = MetricType::kExponentialHistogram;
      info->temporality =
          TemporalityFromProto(m.exponential_histogram().aggregation_temporality());
      move_points(m.mutable_exponential_histogram()->mutable_data_points());
      break;
    case otlp_metrics::Metric::kSummary:
      info->type = MetricType::kSummary;
      move_points(m.mutable_summary()->mutable_data_points());
      break;
    case otlp_metrics::Metric::DATA_NOT_SET:
      break;
  }
}

}  // namespace

Result<IngestOutcome> OtlpIngest::Ingest(Signal signal, PayloadFormat format,
                                         std::string_view payload, const Origin& origin) {
  if (payload.size() > static_cast<size_t>(INT32_MAX)) {
    return InvalidArgumentError("payload too large to decode");
  }
  switch (signal) {
    case Signal::kTraces:
      return IngestTraces(format, payload, origin);
    case Signal::kMetrics:
      return IngestMetrics(format, payload, origin);
    case Signal::kLogs:
      return IngestLogs(format, payload, origin);
  }
  return InvalidArgumentError("unknown signal");
}

Result<IngestOutcome> OtlpIngest::IngestTraces(PayloadFormat format, std::string_view payload,
                                               const Origin& origin) {
  collector_trace::ExportTraceServiceRequest request;
  Status s = Decode(format, payload, &request);
  if (!s.ok()) return s;

  IngestOutcome outcome;
  auto shared_origin = std::make_shared<const Origin>(origin);
  std::vector<SpanRecord> records;
  for (auto& resource_spans : *request.mutable_resource_spans()) {
    auto resource = std::make_shared<ResourceInfo>();
    resource->resource.Swap(resource_spans.mutable_resource());
    resource->schema_url = resource_spans.schema_url();
    resource->service_name = FindStringAttribute(resource->resource.attributes(), "service.name");
    std::shared_ptr<const ResourceInfo> shared_resource = std::move(resource);
    for (auto& scope_spans : *resource_spans.mutable_scope_spans()) {
      auto scope = std::make_shared<ScopeInfo>();
      scope->scope.Swap(scope_spans.mutable_scope());
      scope->schema_url = scope_spans.schema_url();
      std::shared_ptr<const ScopeInfo> shared_scope = std::move(scope);
      for (auto& span : *scope_spans.mutable_spans()) {
        if (const char* defect = SpanDefect(span)) {
          if (outcome.rejected++ == 0) outcome.error_message = defect;
          continue;
        }
        SpanRecord record;
        record.span.Swap(&span);
        record.resource = shared_resource;
        record.scope = shared_scope;
        record.origin = shared_origin;
        records.push_back(std::move(record));
      }
    }
  }
  outcome.accepted = records.size();
  if (outcome.rejected > 0) {
    outcome.error_message = std::to_string(outcome.rejected) + " span(s) rejected: " +
                            outcome.error_message;
  }
  if (!records.empty()) {
    if (WritesThrough(origin)) {
      uint64_t now = NowUnixNanos();
      sls_store_->Append(origin.sls_project,
                         TraceInstanceLogStore(origin.sls_instance_id, Signal::kTraces),
                         SpansToSlsLogGroup(records), static_cast<int64_t>(now / 1'000'000'000));
    }
    store_->AddSpans(std::move(records));
  }
  return outcome;
}

Result<IngestOutcome> OtlpIngest::IngestLogs(PayloadFormat format, std::string_view payload,
                                             const Origin& origin) {
  collector_logs::ExportLogsServiceRequest request;
  Status s = Decode(format, payload, &request);
  if (!s.ok()) return s;

  auto shared_origin = std::make_shared<const Origin>(origin);
  std::vector<LogRecordEntry> records;
  for (auto& resource_logs : *request.mutable_resource_logs()) {
    auto resource = std::make_shared<ResourceInfo>();
    resource->resource.Swap(resource_logs.mutable_resource());
    resource->schema_url = resource_logs.schema_url();
    resource->service_name = FindStringAttribute(resource->resource.attributes(), "service.name");
    std::shared_ptr<const ResourceInfo> shared_resource = std::move(resource);
    for (auto& scope_logs : *resource_logs.mutable_scope_logs()) {
      auto scope = std::make_shared<ScopeInfo>();
      scope->scope.Swap(scope_logs.mutable_scope());
      scope->schema_url = scope_logs.schema_url();
      std::shared_ptr<const ScopeInfo> shared_scope = std::move(scope);
      for (auto& log_record : *scope_logs.mutable_log_records()) {
        LogRecordEntry entry;
        entry.record.Swap(&log_record);
        entry.resource = shared_resource;
        entry.scope = shared_scope;
        entry.origin = shared_origin;
        records.push_back(std::move(entry));
      }
    }
  }
  IngestOutcome outcome;
  outcome.accepted = records.size();
  if (!records.empty()) {
    if (WritesThrough(origin)) {
      uint64_t now = NowUnixNanos();
      sls_store_->Append(origin.sls_project,
                         TraceInstanceLogStore(origin.sls_instance_id, Signal::kLogs),
                         LogsToSlsLogGroup(records, now),
                         static_cast<int64_t>(now / 1'000'000'000));
    }
    store_->AddLogs(std::move(records));
  }
  return outcome;
}

Result<IngestOutcome> OtlpIngest::IngestMetrics(PayloadFormat format, std::string_view payload,
                                                const Origin& origin) {
  collector_metrics::ExportMetricsServiceRequest request;
  Status s = Decode(format, payload, &request);
  if (!s.ok()) return s;

  auto shared_origin = std::make_shared<const Origin>(origin);
  std::vector<MetricPoint> points;
  for (auto& resource_metrics : *request.mutable_resource_metrics()) {
    auto resource = std::make_shared<ResourceInfo>();
    resource->resource.Swap(resource_metrics.mutable_resource());
    resource->schema_url = resource_metrics.schema_url();
    resource->service_name = FindStringAttribute(resource->resource.attributes(), "service.name");
    std::shared_ptr<const ResourceInfo> shared_resource = std::move(resource);
    for (auto& scope_metrics : *resource_metrics.mutable_scope_metrics()) {
      auto scope = std::make_shared<ScopeInfo>();
      scope->scope.Swap(scope_metrics.mutable_scope());
      scope->schema_url = scope_metrics.schema_url();
      std::shared_ptr<const ScopeInfo> shared_scope = std::move(scope);
      for (auto& metric : *scope_metrics.mutable_metrics()) {
        AppendPoints(metric, shared_resource, shared_scope, shared_origin, &points);
      }
    }
  }
  IngestOutcome outcome;
  outcome.accepted = points.size();
  if (!points.empty()) {
    if (WritesThrough(origin)) {
      uint64_t now = NowUnixNanos();
      sls_store_->Append(origin.sls_project,
                         TraceInstanceLogStore(origin.sls_instance_id, Signal::kMetrics),
                         MetricsToSlsLogGroup(points, now),
                         static_cast<int64_t>(now / 1'000'000'000));
    }
    store_->AddMetricPoints(std::move(points));
  }
  return outcome;
}

std::string EncodeExportResponse(Signal signal, PayloadFormat format,
                                 const IngestOutcome& outcome) {
  auto finish = [&](google::protobuf::Message& response) {
    if (format == PayloadFormat::kProtobuf) return response.SerializeAsString();
    Result<std::string> json = MessageToOtlpJson(response);
    return json.ok() ? *json : std::string("{\"partialSuccess\":{}}");
  };
  bool partial = outcome.rejected > 0 || !outcome.error_message.empty();
  bool set = partial || format == PayloadFormat::kJson;
  switch (signal) {
    case Signal::kTraces: {
      collector_trace::ExportTraceServiceResponse response;
      if (set) {
        auto* p = response.mutable_partial_success();
        p->set_rejected_spans(static_cast<int64_t>(outcome.rejected));
        p->set_error_message(outcome.error_message);
      }
      return finish(response);
    }
    case Signal::kMetrics: {
      collector_metrics::ExportMetricsServiceResponse response;
      if (set) {
        auto* p = response.mutable_partial_success();
        p->set_rejected_data_points(static_cast<int64_t>(outcome.rejected));
        p->set_error_message(outcome.error_message);
      }
      return finish(response);
    }
    case Signal::kLogs: {
      collector_logs::ExportLogsServiceResponse response;
      if (set) {
        auto* p = response.mutable_partial_success();
        p->set_rejected_log_records(static_cast<int64_t>(outcome.rejected));
        p->set_error_message(outcome.error_message);
      }
      return finish(response);
    }
  }
  return "";
}

std::string EncodeRpcStatus(PayloadFormat format, const Status& status) {
  if (format == PayloadFormat::kJson) {
    nlohmann::json body{{"code", static_cast<int>(status.code())}, {"message", status.message()}};
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  google::rpc::Status body;
  body.set_code(static_cast<int>(status.code()));
  body.set_message(status.message());
  return body.SerializeAsString();
}

}  // namespace ptx::emulator
